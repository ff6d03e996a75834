"""A stalled database and the ack deadline: one event, one answer, whatever the store does.

The store here hangs in ``enqueue`` until the test tells it to commit or to fail. The ack must
not wait for it (``handle`` returns while the store is still stalled: no clock is read, the
stall is a ``threading.Event``), and afterwards exactly one answer must come from the first
delivery and its Slack retry together: the job if the late write committed, the in-process
answer if it failed, and at once, in-process, when the write never even started.

Each case runs twice: on a request thread, where the dispatcher waits for the write up to the
deadline, and on the HTTP worker's poller (``ack_hold.collecting``), where it must not wait at
all: there it holds the answer, and the worker (here: the test) passes the deadline.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest
from slack_sdk.web import WebClient

from bot.logs import Throttled
from bot.service import GlossaryService
from bot.slack import ack_hold, dispatch, work
from bot.slack.dispatch import Dispatcher
from bot.slack.jobs import JobRunner
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.slack.work import Outcome
from bot.store import MemoryStore, StoreError
from bot.store.base import NewJob, Workspace

from .conftest import T0, WORKSPACE

MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
ANSWER = work.post(WORKSPACE, "D0DM", MESSAGE, dedupe_key="Ev1:answer")
OTHER_ANSWER = work.post(WORKSPACE, "D0OTHER", MESSAGE, dedupe_key="Ev2:answer")
STUCK_S = 30.0
"""Only a bound on a hung test (it then fails instead of hanging): never reached when it passes."""


class StallingStore(MemoryStore):
    """A database that takes each job write, then hangs until told to commit or to fail."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.fail = False
        self.writes = 0
        self._counting = threading.Lock()

    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        with self._counting:
            self.writes += 1
        assert self.release.wait(STUCK_S), "the test never released the store"
        if self.fail:
            raise StoreError("canceling statement due to statement timeout")
        return super().enqueue(jobs, now)


class Pool(Executor):
    """The enqueue threads: the first ``free`` writes start at once, each on its own thread;
    the rest wait for a turn that comes only in ``finish`` (all threads are stuck till then)."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.threads: list[threading.Thread] = []
        self.waiting: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if len(self.threads) < self.free:
            self._start(future, fn, args)
        else:
            self.waiting.append((future, fn, args))
        return future

    def _start(self, future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if not future.set_running_or_notify_cancel():
            return  # cancelled while it waited: it never runs

        def run() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)

    def finish(self) -> None:
        """Give the waiting writes their turn; wait for every write and what it decided."""
        for future, fn, args in self.waiting:
            self._start(future, fn, args)
        for thread in self.threads:
            thread.join(STUCK_S)
            assert not thread.is_alive(), "a write never ended"


class Posts(Performer):
    """Notes the answers posted, wherever they come from (a job or in-process)."""

    def __init__(self, service: GlossaryService) -> None:
        super().__init__(service, lambda workspace: WebClient())
        self.posted: list[str] = []

    def perform(self, kind: str, payload: dict[str, Any], workspace: Workspace) -> None:
        self.posted.append(f"{kind} {payload['channel']}")


class Replica:
    """One process: a dispatcher with ``free`` enqueue threads; in-process answers run inline.

    ``held``: requests run as on the HTTP worker's poller, which must not wait for the store."""

    def __init__(
        self, service: GlossaryService, store: StallingStore, free: int, held: bool = False
    ) -> None:
        self.store = store
        self.performer = Posts(service)
        self.pool = Pool(free)
        self.acks: list[str] = []
        self.held = held
        self.dispatcher = Dispatcher(
            store, self.performer, None, clock=lambda: T0, enqueuer=self.pool, deadline_s=0.01
        )

    def deliver(self, outcome: Outcome, retry: int = 0) -> None:
        """Hand Slack's delivery over; returns once it is acked (a hang fails, see STUCK_S)."""

        def ack(**kwargs: Any) -> None:
            self.acks.append(f"ack {retry}")

        def handle() -> None:
            if not self.held:
                self.dispatcher.handle(outcome, ack, retry_num=retry)
                return
            with ack_hold.collecting() as holds:
                self.dispatcher.handle(outcome, ack, retry_num=retry)
            assert holds.waiting  # the store is stalled: the answer waits, not the thread
            holds.expire(math.inf)  # the worker, once the deadline has passed
            assert not holds.pending

        thread = threading.Thread(target=handle)
        thread.start()
        thread.join(STUCK_S)
        assert not thread.is_alive(), "the ack waited for the stalled store"

    def writes_end(self) -> tuple[list[str], int]:
        """Let the store go on and every write end: (answered in-process, jobs stored)."""
        self.store.release.set()
        self.pool.finish()
        return list(self.performer.posted), self.store.job_stats(T0).queued

    def jobs_run(self) -> list[str]:
        """Run the stored jobs: every answer there will ever be."""
        JobRunner(self.store, self.performer, clock=lambda: T0).drain()
        return self.performer.posted


@pytest.fixture(params=[False, True], ids=["waits", "holds"])
def held(request: pytest.FixtureRequest) -> bool:
    """Whether the request runs where it must not wait (the poller) or on a request thread."""
    return bool(request.param)


@pytest.fixture
def stalling() -> Iterator[StallingStore]:
    store = StallingStore()
    yield store
    store.release.set()  # a failed test leaves no thread hanging


@pytest.mark.parametrize(
    ("fail", "after_writes"),
    [(False, ([], 1)), (True, (["post D0DM"], 0))],
    ids=["late-commit", "late-failure"],
)
def test_a_stalled_first_delivery_and_its_retry_are_answered_once(
    service: GlossaryService,
    stalling: StallingStore,
    fail: bool,
    after_writes: tuple[list[str], int],
    held: bool,
) -> None:
    replica = Replica(service, stalling, free=2, held=held)
    stalling.fail = fail
    replica.deliver(Outcome(jobs=(ANSWER,)))
    replica.deliver(Outcome(jobs=(ANSWER,)), retry=1)
    assert (replica.acks, replica.performer.posted) == (["ack 0", "ack 1"], [])
    assert replica.writes_end() == after_writes  # a commit: the job; a failure: the first
    assert (replica.jobs_run(), stalling.writes) == (["post D0DM"], 2)


@pytest.mark.parametrize(
    ("fail", "after_writes", "answers"),
    [(False, ([], 1), ["post D0DM"]), (True, ([], 0), [])],
    ids=["late-commit", "late-failure"],
)
def test_a_stalled_retry_is_answered_only_by_its_job(
    service: GlossaryService,
    stalling: StallingStore,
    fail: bool,
    after_writes: tuple[list[str], int],
    answers: list[str],
    held: bool,
) -> None:
    replica = Replica(service, stalling, free=1, held=held)
    stalling.fail = fail
    replica.deliver(Outcome(jobs=(ANSWER,)), retry=2)
    assert replica.acks == ["ack 2"]
    assert replica.writes_end() == after_writes
    assert replica.jobs_run() == answers


@pytest.mark.parametrize(
    ("retry", "at_once"), [(0, ["post D0OTHER"]), (1, [])], ids=["first", "retry"]
)
def test_a_write_still_waiting_for_its_turn_at_the_deadline_is_never_made(
    service: GlossaryService,
    stalling: StallingStore,
    retry: int,
    at_once: list[str],
) -> None:
    """On a request thread. (On the poller a write is queued in the store at once and never
    "not started": see the next test.)"""
    replica = Replica(service, stalling, free=1)
    replica.deliver(Outcome(jobs=(ANSWER,)))  # holds the only enqueue thread
    replica.deliver(Outcome(jobs=(OTHER_ANSWER,)), retry=retry)  # its turn never comes
    assert (replica.acks, replica.performer.posted) == (["ack 0", f"ack {retry}"], at_once)
    assert replica.writes_end() == (at_once, 1)
    assert (replica.jobs_run(), stalling.writes) == ([*at_once, "post D0DM"], 1)


@pytest.mark.parametrize("retry", [0, 1], ids=["first", "retry"])
def test_on_the_poller_a_write_queued_behind_a_stalled_one_is_decided_by_its_outcome(
    service: GlossaryService, stalling: StallingStore, retry: int
) -> None:
    """The poller's enqueues are queued in the store at once (bot/slack/enqueue_batch.py), so
    past the deadline none is taken for "never started": nothing is answered at once, and when
    the store comes back each write commits and its job answers, once."""
    replica = Replica(service, stalling, free=1, held=True)
    replica.deliver(Outcome(jobs=(ANSWER,)))  # its flush holds the only enqueue thread
    replica.deliver(Outcome(jobs=(OTHER_ANSWER,)), retry=retry)  # its flush waits for a turn
    assert (replica.acks, replica.performer.posted) == (["ack 0", f"ack {retry}"], [])
    assert replica.writes_end() == ([], 2)
    assert (sorted(replica.jobs_run()), stalling.writes) == (["post D0DM", "post D0OTHER"], 2)


def test_a_healthy_store_is_waited_for_and_wakes_a_worker(
    service: GlossaryService, stalling: StallingStore
) -> None:
    stalling.release.set()
    log: list[str] = []
    with ThreadPoolExecutor(1) as enqueuer:
        dispatcher = Dispatcher(
            stalling,
            Posts(service),
            None,
            wake=lambda: log.append("wake"),
            clock=lambda: T0,
            enqueuer=enqueuer,
            deadline_s=STUCK_S,
        )
        ack = lambda: log.append(f"ack with {stalling.job_stats(T0).queued} queued")  # noqa: E731
        dispatcher.handle(Outcome(jobs=(ANSWER,)), ack)
    assert log == ["wake", "ack with 1 queued"]


def test_an_unexpected_enqueue_error_still_reaches_bolt(
    service: GlossaryService, stalling: StallingStore
) -> None:
    stalling.release.set()
    stalling.enqueue = lambda jobs, now: 1 // 0  # type: ignore[method-assign]
    with ThreadPoolExecutor(1) as enqueuer:
        dispatcher = Dispatcher(
            stalling, Posts(service), None, enqueuer=enqueuer, deadline_s=STUCK_S
        )
        with pytest.raises(ZeroDivisionError):
            dispatcher.handle(Outcome(jobs=(ANSWER,)), lambda: None)


def test_an_enqueue_pool_that_is_shutting_down_stores_in_the_caller(
    service: GlossaryService, stalling: StallingStore
) -> None:
    stalling.release.set()
    enqueuer = ThreadPoolExecutor(1)
    enqueuer.shutdown()
    dispatcher = Dispatcher(stalling, Posts(service), None, clock=lambda: T0, enqueuer=enqueuer)
    dispatcher.handle(Outcome(jobs=(ANSWER,)), lambda: None)
    assert (stalling.writes, stalling.job_stats(T0).queued) == (1, 1)


def test_on_the_poller_a_healthy_store_is_not_waited_for_and_the_answer_is_held(
    service: GlossaryService, stalling: StallingStore
) -> None:
    """The ack's value is ready at once; the answer waits for the write, which wakes a worker."""
    log: list[str] = []
    woken = threading.Event()

    def wake() -> None:
        log.append(f"wake with {stalling.job_stats(T0).queued} queued")
        woken.set()

    with ThreadPoolExecutor(1) as enqueuer:
        dispatcher = Dispatcher(
            stalling, Posts(service), None, wake=wake, clock=lambda: T0, enqueuer=enqueuer
        )
        with ack_hold.collecting() as holds:
            dispatcher.handle(Outcome(jobs=(ANSWER,)), lambda: log.append("ack"))
        assert ack_hold.current() is None  # only for the request's duration
        assert (log, holds.waiting, len(holds.pending)) == (["ack"], True, 1)
        stalling.release.set()
        assert woken.wait(STUCK_S)
    assert (log, holds.waiting) == (["ack", "wake with 1 queued"], False)
    holds.expire(math.inf)  # ended before its deadline: nothing is late
    assert (holds.pending, stalling.writes) == ([], 1)


def test_on_the_poller_an_unexpected_enqueue_error_is_logged_after_the_ack(
    service: GlossaryService,
    stalling: StallingStore,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once a minute, however many requests meet it (a bug of ours, not one request's fault)."""
    monkeypatch.setattr(dispatch, "throttled", Throttled(dispatch.logger))
    stalling.release.set()
    stalling.enqueue = lambda jobs, now: 1 // 0  # type: ignore[method-assign]
    acks: list[str] = []
    with ThreadPoolExecutor(1) as enqueuer:
        dispatcher = Dispatcher(stalling, Posts(service), None, enqueuer=enqueuer)
        for _ in range(3):
            with ack_hold.collecting() as holds:
                dispatcher.handle(Outcome(jobs=(ANSWER,)), lambda: acks.append("ack"))
    assert (acks, holds.waiting) == (["ack", "ack", "ack"], False)
    assert [r.getMessage() for r in caplog.records] == [
        "storing work failed unexpectedly after the ack"
    ]
