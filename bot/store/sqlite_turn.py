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

Acks first: a process whose writes can wait (the job worker: ``gives_way``) lets the others go
before it. Each ack in an HTTP worker waits for its enqueue, so every millisecond a job's write
holds the turn while an enqueue waits is a millisecond on an ack. At 1,000 requests/s on 2 cores
the turn was busy over half the time, and the enqueues' waits for it were the largest part of
the acks' p99 (bench/RESULTS-serve.md, tenth session). So a writer that does not give way and
finds the turn taken holds a shared ``flock`` on ``<database>-writer.waiting`` while it waits.
A writer that gives way first checks that file with an exclusive non-blocking ``flock``, which
fails while any is held, and if so waits, at most ``GIVE_WAY_S`` (2 ms), before it competes as
usual. So a job's write is late by a couple of milliseconds at most, and never waits longer for
a stuck or endless line of waiters (see ``GIVE_WAY_S`` for why not longer).
"""

from __future__ import annotations

import contextlib
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


GIVE_WAY_S = 0.002
"""The longest a writer that gives way waits for others' writers before it competes as usual:
about two of the enqueues' transactions (~0.3-1 ms each). Longer starves the jobs: a job's
writes (its share of a claim, its explanation; then also its end, which now rides in the next
one) could each wait the whole bound while the enqueues kept the turn busy, and at 20 ms the
job worker fell behind in
minute-long runs at 1,000 requests/s (908-994 completed/s, up to 4,439 jobs queued), where at
2 ms it kept pace in 4 of 4 and met the goal in all four, against 2 of 4 without giving way
(bench/RESULTS-serve.md, tenth session)."""


NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL}
"""``flock`` errors of filesystems without it (some network and FUSE mounts)."""


class NoTurn(Exception):
    """No turn to write within the timeout, or no lock file to take it on; one line."""


class SqliteWriteTurn:
    """A context manager: the calling thread's turn to write the database at ``database``."""

    __slots__ = (
        "_announced",
        "_fd",
        "_file_locks",
        "_gives_way",
        "_holding",
        "_lock_path",
        "_pid",
        "_thread_lock",
        "_timeout_s",
        "_waiting_fd",
        "_waiting_path",
    )

    def __init__(self, database: Path, timeout_s: float, *, gives_way: bool = False) -> None:
        self._lock_path = database.with_name(f"{database.name}-writer.lock")
        self._waiting_path = database.with_name(f"{database.name}-writer.waiting")
        self._gives_way = gives_way
        """This process's writers let those of processes that do not give way go first."""
        self._waiting_fd = -1
        self._announced = False
        """A shared lock on the waiting file is held: this process's writer waits for the turn."""
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
        give_way_until = time.monotonic() + GIVE_WAY_S if self._gives_way else 0.0
        try:
            self._take_turn(fd, deadline, give_way_until)
        finally:
            if self._announced:  # waiting no more, with the turn or without
                self._announced = False
                with contextlib.suppress(OSError):
                    fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)

    def _take_turn(self, fd: int, deadline: float, give_way_until: float) -> None:
        retry_s = FIRST_RETRY_S
        while True:
            if give_way_until and self._others_wait():
                if time.monotonic() < min(give_way_until, deadline):
                    time.sleep(retry_s)
                    retry_s = min(retry_s * 2, LONGEST_RETRY_S)
                    continue
                give_way_until = 0.0  # waited long enough: compete as usual
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise self._timed_out() from None
                if not self._gives_way and not self._announced:
                    self._announce()
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
        """This process's descriptor on the lock file, and on the waiting file beside it
        (called under the thread lock)."""
        pid = os.getpid()
        if self._pid != pid:
            self._fd = self._open(self._lock_path)
            try:
                self._waiting_fd = self._open(self._waiting_path)
            except NoTurn:
                os.close(self._fd)
                raise
            self._pid = pid
        return self._fd

    @staticmethod
    def _open(path: Path) -> int:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise NoTurn(f"cannot open {path}: {exc.strerror}") from None

    def _announce(self) -> None:
        """Tell writers that give way that one of ours waits (best effort: if it cannot be
        said, they only compete as they would without it)."""
        try:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # one that gives way is checking this very moment, or no flock here
            return
        self._announced = True

    def _others_wait(self) -> bool:
        """Is a writer of a process that does not give way waiting for the turn? (A second job
        worker checking at the same instant also reads as one: then this write waits a little,
        at most ``GIVE_WAY_S``, for nothing.)"""
        try:
            fcntl.flock(self._waiting_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:  # no flock on this file: nobody can say they wait
            return False
        fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
        return False

    def close(self) -> None:
        """Close this process's descriptor (its lock, if held, goes with it)."""
        with self._thread_lock:
            if self._pid == os.getpid():
                os.close(self._fd)
                os.close(self._waiting_fd)
            self._fd = self._waiting_fd = self._pid = -1

    def _timed_out(self) -> NoTurn:
        return NoTurn(
            f"database is locked: no turn to write within {self._timeout_s:g} s "
            f"(another bot process holds {self._lock_path.name})"
        )
