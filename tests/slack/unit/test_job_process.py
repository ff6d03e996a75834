"""job_process: which workers only perform jobs, and how an enqueue wakes them.

Pinned down: roles go to the first workers forked, and a dead job worker's replacement takes
its role; a signal on the pipe wakes a job runner idling for a poll far longer than the test
waits (so only the wake can have done it); signals that arrive together, or while the reader
lets them gather after a wake, wake the runner once, with their count; a signal never blocks,
even with nobody reading.
The worker that serves no requests runs in the e2e tests (``serve``'s default).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.service import GlossaryService
from bot.slack import job_process, jobs, work
from bot.slack.app import make_client
from bot.slack.job_process import (
    GATHER_S,
    JOBS_NAME,
    JobWake,
    assign_role,
    job_threads,
    name_process,
    yield_on_wake,
)
from bot.slack.jobs import JobRunner
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.store import MemoryStore
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import CHANNEL_ID

from .conftest import T0, WORKSPACE


def fork(server: SimpleNamespace, pid: int, job_processes: int) -> SimpleNamespace:
    """What gunicorn's master does per worker: ``pre_fork``, then the worker counts as live."""
    worker = SimpleNamespace()
    assign_role(server, worker, job_processes)
    server.WORKERS[pid] = worker
    return worker


def test_the_first_workers_forked_take_the_job_role_and_a_replacement_takes_it_back() -> None:
    server = SimpleNamespace(WORKERS={})
    roles = [fork(server, pid, 1).jobs_only for pid in (101, 102, 103)]
    assert roles == [True, False, False]
    del server.WORKERS[101]  # the job worker died
    assert fork(server, 104, 1).jobs_only is True
    del server.WORKERS[102]  # an HTTP worker died: its replacement serves requests
    assert fork(server, 105, 1).jobs_only is False
    two = SimpleNamespace(WORKERS={})
    assert [fork(two, pid, 2).jobs_only for pid in (1, 2, 3, 4)] == [True, True, False, False]
    none = SimpleNamespace(WORKERS={})
    assert [fork(none, pid, 0).jobs_only for pid in (1, 2)] == [False, False]


def test_a_replica_keeps_its_job_threads_shared_out_over_its_job_workers() -> None:
    assert job_threads(6, 2, 1) == 12  # the defaults: 2 HTTP workers' 6 each, in 1 job worker
    assert job_threads(6, 2, 2) == 6
    assert job_threads(6, 2, 5) == 3  # rounded up: never fewer threads than before
    assert job_threads(1, 1, 16) == 1


@pytest.fixture
def wake() -> Iterator[JobWake]:
    pipe = JobWake()
    yield pipe
    pipe.close()


def test_a_signal_wakes_job_threads_that_would_otherwise_poll_a_minute_later(
    service: GlossaryService,
    store: MemoryStore,
    slack_api: FakeSlackWebAPI,
    wake: JobWake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "POLL_S", 60.0)
    client = make_client("xoxb-test", slack_api.base_url)
    runner = JobRunner(store, Performer(service, lambda workspace: client), threads=2).start()
    try:
        wake.listen(runner.wake)
        job = work.post(WORKSPACE, CHANNEL_ID, Message("one", [{"type": "divider"}]))
        assert store.enqueue([job], T0) == 1
        wake.signal()
        (call,) = slack_api.wait_for("chat.postMessage", timeout=10.0)
    finally:
        assert runner.stop(5.0) is True
    assert call.params["text"] == "one"


def test_signals_that_gather_while_the_reader_waits_wake_the_runner_once_with_their_count(
    wake: JobWake, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    paused, go_on = threading.Semaphore(0), threading.Semaphore(0)

    def pause(seconds: float) -> None:  # the reader's wait after each wake, held by the test
        pauses.append(seconds)
        paused.release()
        go_on.acquire(timeout=10.0)

    monkeypatch.setattr(job_process, "time", SimpleNamespace(sleep=pause))
    woken: list[int] = []
    for _ in range(3):
        wake.signal()  # before anyone reads: one read takes all three
    wake.listen(woken.append)
    assert paused.acquire(timeout=10.0)
    for _ in range(5):
        wake.signal()  # while the reader waits
    go_on.release()
    assert paused.acquire(timeout=10.0)
    go_on.release()
    assert woken == [3, 5]
    assert pauses == [GATHER_S, GATHER_S] == [0.02, 0.02]


def test_a_signal_never_blocks_even_when_nobody_reads(wake: JobWake) -> None:
    for _ in range(70_000):  # more than a pipe holds (64 KiB on Linux)
        wake.signal()
    woken = threading.Event()
    wake.listen(lambda signals: woken.set())
    assert woken.wait(5.0)


def test_a_process_name_goes_where_linux_keeps_it_and_never_fails(tmp_path: Path) -> None:
    comm = tmp_path / "comm"
    name_process("glossary-jobs-and-more", comm)
    assert comm.read_text() == "glossary-jobs-a"  # Linux keeps 15 bytes
    name_process(JOBS_NAME, tmp_path / "missing" / "comm")  # not Linux: nothing happens
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="Linux scheduling policies")
def test_a_job_worker_yields_on_wake_and_so_do_the_threads_it_starts_later() -> None:
    """Run in a thread of its own: the policy is per thread, and the test's must stay as it is."""
    usual = os.sched_getscheduler(0)  # SCHED_OTHER, unless the tests themselves run otherwise
    policies: dict[str, int] = {}

    def child() -> None:
        policies["started after"] = os.sched_getscheduler(0)

    def worker() -> None:
        policies["before"] = os.sched_getscheduler(0)
        yield_on_wake()
        policies["after"] = os.sched_getscheduler(0)
        thread = threading.Thread(target=child)
        thread.start()
        thread.join()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert policies == {
        "before": usual,
        "after": os.SCHED_BATCH,
        "started after": os.SCHED_BATCH,
    }
    assert os.sched_getscheduler(0) == usual  # the test's own thread: untouched


def test_yielding_on_wake_is_best_effort_where_the_system_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse, raising=False)
    yield_on_wake()  # no exception: the worker runs at the usual policy
    monkeypatch.delattr(os, "sched_setscheduler", raising=False)
    yield_on_wake()  # not Linux
