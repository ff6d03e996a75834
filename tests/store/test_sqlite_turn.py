"""The SQLite write turn (bot/store/sqlite_turn.py): threads and processes of this host take
turns, a dead holder leaves none behind, a forked child opens its own lock, the wait is bounded.

Another process holds the turn in a child that takes the ``flock`` and waits for a line on its
stdin; "is still waiting" is shown by a short timeout expiring while the holder is known to
hold it, never by a sleep.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from bot.store import NewJob, StoreError, sqlite_turn
from bot.store import sql as sql_module
from bot.store.sqlite_turn import NoTurn, SqliteWriteTurn
from tests.store.helpers import ACME, sqlite_store, wait_until

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""
SHORT_S = 0.05


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the turn of ``tmp_path/state.sqlite3`` until its stdin closes."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "state.sqlite3-writer.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "held\n"
    yield child
    if child.poll() is None:
        child.kill()
    child.wait(timeout=30)
    child.stdout.close()
    if child.stdin is not None and not child.stdin.closed:
        child.stdin.close()


def release(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.close()
    assert child.wait(timeout=30) == 0


def assert_threads_take_turns(turn: SqliteWriteTurn) -> None:
    """While one thread holds ``turn``, another gets ``NoTurn`` (its timeout is short)."""
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with turn:
            inside.set()
            leave.wait(timeout=30)

    first = threading.Thread(target=hold)
    first.start()
    assert inside.wait(timeout=30)
    with pytest.raises(NoTurn), turn:
        pass
    leave.set()
    first.join(timeout=30)


def test_the_lock_file_sits_beside_the_database_owner_only(tmp_path: Path) -> None:
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    with turn:
        pass
    assert turn.lock_path == tmp_path / "state.sqlite3-writer.lock"
    assert stat.S_IMODE(os.stat(turn.lock_path).st_mode) == 0o600
    waiting = tmp_path / "state.sqlite3-writer.waiting"
    assert stat.S_IMODE(os.stat(waiting).st_mode) == 0o600
    turn.close()


def someone_waits(tmp_path: Path) -> bool:
    """Does a writer that does not give way say it waits (a shared lock on the waiting file)?"""
    fd = os.open(tmp_path / "state.sqlite3-writer.waiting", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_writer_says_it_waits_only_while_the_turn_is_taken(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=30)
    seen_inside: list[bool] = []

    def write() -> None:
        with turn:
            seen_inside.append(someone_waits(tmp_path))

    writer = threading.Thread(target=write)
    writer.start()
    assert wait_until(
        lambda: someone_waits(tmp_path)
    )  # the holder has the turn: ours says it waits
    release(holder)
    writer.join(timeout=30)
    assert seen_inside == [False]  # with the turn, it waits no more
    with turn:  # a free turn: nothing said at all
        assert not someone_waits(tmp_path)
    turn.close()


WAITER = """
import fcntl, os, sys
waiting = os.open(sys.argv[1] + "-writer.waiting", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(waiting, fcntl.LOCK_SH)
print("waiting", flush=True)
sys.stdin.readline()
turn = os.open(sys.argv[1] + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(turn, fcntl.LOCK_EX)
fcntl.flock(waiting, fcntl.LOCK_UN)
print("turn", flush=True)
sys.stdin.readline()
"""


def test_a_writer_that_gives_way_lets_another_process_writer_that_waits_go_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process says its writer waits, and takes the turn only when the test lets it:
    the job's writer, though the turn is free all along, goes after it."""
    monkeypatch.setattr(sqlite_turn, "GIVE_WAY_S", 30.0)  # however long the other one waits
    database = tmp_path / "state.sqlite3"
    waiter = subprocess.Popen(
        [sys.executable, "-c", WAITER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert waiter.stdin is not None and waiter.stdout is not None
    assert waiter.stdout.readline() == "waiting\n"
    jobs = SqliteWriteTurn(database, timeout_s=30, gives_way=True)
    order: list[str] = []

    def write() -> None:
        with jobs:
            order.append("job")

    job_writer = threading.Thread(target=write)
    job_writer.start()
    waiter.stdin.write("go\n")
    waiter.stdin.flush()
    assert waiter.stdout.readline() == "turn\n"  # it found the turn free: the job's gave way
    order.append("ack")
    release(waiter)
    job_writer.join(timeout=30)
    waiter.stdout.close()
    assert order == ["ack", "job"]
    jobs.close()


def test_a_writer_gives_way_a_bounded_time_only(tmp_path: Path) -> None:
    """A waiter that never takes the turn (say, stopped) delays a job's write by at most
    ``GIVE_WAY_S``; then the write competes as usual and, the turn being free, goes in."""
    stuck = os.open(tmp_path / "state.sqlite3-writer.waiting", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(stuck, fcntl.LOCK_SH)
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=30, gives_way=True)
    started = time.monotonic()
    with turn:
        waited = time.monotonic() - started
    assert waited >= sqlite_turn.GIVE_WAY_S
    os.close(stuck)
    turn.close()


def test_a_store_that_gives_way_waits_for_others_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job worker's store (``gives_way``) lets a waiting writer of another process go
    first; here that writer never comes, so the write waits the whole ``GIVE_WAY_S``."""
    monkeypatch.setattr(sqlite_turn, "GIVE_WAY_S", 0.3)
    store = sqlite_store(tmp_path, gives_way=True)
    stuck = os.open(tmp_path / "state.sqlite3-writer.waiting", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(stuck, fcntl.LOCK_SH)
    job = NewJob("explain", {"channel": "C1", "terms": ["EQL"]}, "Ev1")
    try:
        started = time.monotonic()
        assert store.enqueue([job], now=1000.0) == 1
        assert time.monotonic() - started >= 0.3
    finally:
        os.close(stuck)
        store.close()


def test_a_writer_waits_while_another_process_has_the_turn_and_gets_it_after(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    with pytest.raises(NoTurn) as caught, turn:
        pass
    assert str(caught.value) == (
        "database is locked: no turn to write within 0.05 s "
        "(another bot process holds state.sqlite3-writer.lock)"
    )
    release(holder)
    entered = []
    with turn:
        entered.append(True)
    assert entered == [True]
    turn.close()


def test_a_turn_held_by_a_killed_process_is_free_at_once(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    holder.send_signal(signal.SIGKILL)
    assert holder.wait(timeout=30) == -signal.SIGKILL
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    with turn:
        pass
    turn.close()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    assert_threads_take_turns(turn)
    with turn:
        pass
    turn.close()


def _hold_in_child(turn: SqliteWriteTurn, pipe: Connection) -> None:
    with turn:
        pipe.send("held")
        pipe.recv()


def test_a_forked_child_opens_its_own_lock_so_it_excludes_its_parent(tmp_path: Path) -> None:
    """Reusing the parent's descriptor, the child's ``flock`` would be the parent's own lock,
    and the parent's next try would succeed while the child writes."""
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    with turn:  # the parent opens its descriptor before the fork
        pass
    parent_end, child_end = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_hold_in_child, args=(turn, child_end)
    )
    child.start()
    try:
        assert parent_end.poll(30)
        assert parent_end.recv() == "held"
        with pytest.raises(NoTurn), turn:
            pass
        parent_end.send("done")
        child.join(timeout=30)
        assert child.exitcode == 0
        with turn:
            pass
    finally:
        if child.is_alive():
            child.kill()
        turn.close()


def test_a_lock_file_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite3-writer.lock").mkdir()
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    with pytest.raises(NoTurn) as caught, turn:
        pass
    assert str(caught.value) == (
        f"cannot open {tmp_path}/state.sqlite3-writer.lock: Is a directory"
    )
    # The thread lock was given back: the next try fails the same way, not on the thread lock.
    with pytest.raises(NoTurn, match=r"^cannot open "), turn:
        pass


def test_the_store_reports_a_missed_turn_as_its_other_failures(
    tmp_path: Path, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_module, "SQLITE_BUSY_TIMEOUT_S", SHORT_S)
    store = sqlite_store(tmp_path)
    job = NewJob("explain", {"channel": "C1", "terms": ["EQL"]}, "Ev1")
    try:
        with pytest.raises(StoreError) as caught:
            store.enqueue([job], now=1000.0)
        assert str(caught.value) == (
            "state store failed to queue work: database is locked: no turn to write within "
            "0.05 s (another bot process holds state.sqlite3-writer.lock)"
        )
        assert store.top_terms(ACME, 5) == []  # reads take no turn
        release(holder)
        assert store.enqueue([job], now=1000.0) == 1
    finally:
        store.close()


def test_without_flock_threads_still_take_turns_and_one_warning_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_flock(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    with caplog.at_level(logging.WARNING, logger="bot.store.sqlite_turn"):
        for _ in range(3):
            with turn:
                pass
    assert [record.getMessage() for record in caplog.records] == [
        "SQLite writers of this process wait in SQLite's busy handler: the filesystem of "
        f"{tmp_path}/state.sqlite3-writer.lock has no flock (No locks available)"
    ]
    assert_threads_take_turns(turn)
    turn.close()


def test_another_flock_error_is_one_line_and_gives_the_thread_lock_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int, operation: int) -> None:
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(fcntl, "flock", broken)
    turn = SqliteWriteTurn(tmp_path / "state.sqlite3", timeout_s=SHORT_S)
    for _ in range(2):  # the second fails the same way: the thread lock was released
        with pytest.raises(NoTurn) as caught, turn:
            pass
        assert str(caught.value) == (
            f"cannot lock {tmp_path}/state.sqlite3-writer.lock: Bad file descriptor"
        )
    monkeypatch.undo()
    turn.close()
