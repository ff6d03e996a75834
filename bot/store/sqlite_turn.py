"""Whose turn it is to write a SQLite file, among this host's bot processes: waiters wake at once.

SQLite lets one writer in at a time and makes the others wait in its busy handler, which
sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries. Two gunicorn workers
writing one file under load (every ack enqueues, every job claims and finishes) made a waiting
writer miss the moments the lock was free: 6% of enqueues waited over 2 ms, some 100-530 ms,
and those were the acks' p99 (bench/RESULTS-serve.md). Here a writer first takes this
process's thread lock (its threads queue there, woken on release), then an exclusive ``flock``
on ``<database>-writer.lock``, tried every 0.2 ms at first and at least every millisecond,
and only then begins its ``BEGIN IMMEDIATE``: so SQLite's lock is nearly always free when
asked, and a waiting process is at most a millisecond late.

The turn only orders the bot's own writers; SQLite's lock is still what keeps writes correct.
Writers outside it (the maintainer CLI, slack_sdk's installation store used directly) wait in
SQLite's busy handler as before. The kernel releases a ``flock`` when its process dies, so a
worker killed mid-transaction leaves no turn behind. Each process opens its own descriptor on
first use, as a descriptor inherited across ``fork`` would be one lock shared by parent and
child. The wait is bounded: after ``timeout_s`` the writer gets ``NoTurn``, which the store
reports as it would SQLite's own busy timeout. On a filesystem without ``flock`` (some network
mounts) threads still take turns, processes wait in SQLite's busy handler as before, and one
warning says so.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

FIRST_RETRY_S = 0.0002
LONGEST_RETRY_S = 0.001
"""A waiting process is at most this late. One thread per process polls (the others wait on the
thread lock), so polling costs at most ~1,000 cheap system calls a second while it waits."""


NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL}
"""``flock`` errors of filesystems without it (some network and FUSE mounts)."""


class NoTurn(Exception):
    """No turn to write within the timeout, or no lock file to take it on; one line."""


class SqliteWriteTurn:
    """A context manager: the calling thread's turn to write the database at ``database``."""

    __slots__ = (
        "_fd",
        "_file_locks",
        "_holding",
        "_lock_path",
        "_pid",
        "_thread_lock",
        "_timeout_s",
    )

    def __init__(self, database: Path, timeout_s: float) -> None:
        self._lock_path = database.with_name(f"{database.name}-writer.lock")
        self._timeout_s = timeout_s
        self._thread_lock = threading.Lock()
        self._fd = -1
        self._pid = -1
        self._file_locks = True
        """False once the filesystem refused ``flock``: threads still take turns, processes wait in
        SQLite's busy handler as they would without this module."""
        self._holding = False

    @property
    def lock_path(self) -> Path:
        return self._lock_path

    def __enter__(self) -> None:
        deadline = time.monotonic() + self._timeout_s
        if not self._thread_lock.acquire(timeout=self._timeout_s):
            raise self._timed_out()
        try:
            self._take_file_lock(deadline)
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._holding:
                self._holding = False
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _take_file_lock(self, deadline: float) -> None:
        if not self._file_locks:
            return
        fd = self._descriptor()
        retry_s = FIRST_RETRY_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise self._timed_out() from None
                time.sleep(retry_s)
                retry_s = min(retry_s * 2, LONGEST_RETRY_S)
            except OSError as exc:
                if exc.errno not in NO_FLOCK:
                    raise NoTurn(f"cannot lock {self._lock_path}: {exc.strerror}") from None
                self._file_locks = False
                logger.warning(
                    "SQLite writers of this process wait in SQLite's busy handler: the "
                    "filesystem of %s has no flock (%s)",
                    self._lock_path,
                    exc.strerror,
                )
                return
            else:
                self._holding = True
                return

    def _descriptor(self) -> int:
        """This process's descriptor on the lock file (called under the thread lock)."""
        pid = os.getpid()
        if self._pid != pid:
            try:
                self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise NoTurn(f"cannot open {self._lock_path}: {exc.strerror}") from None
            self._pid = pid
        return self._fd

    def close(self) -> None:
        """Close this process's descriptor (its lock, if held, goes with it)."""
        with self._thread_lock:
            if self._pid == os.getpid():
                os.close(self._fd)
            self._fd = self._pid = -1

    def _timed_out(self) -> NoTurn:
        return NoTurn(
            f"database is locked: no turn to write within {self._timeout_s:g} s "
            f"(another bot process holds {self._lock_path.name})"
        )
