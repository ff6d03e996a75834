"""JobRunner: durable jobs taken from a MemoryStore and performed against the Slack stand-in.

Pinned down: a done job is gone; a job Slack refuses for good is kept as failed; one that hit a
passing outage stays leased and is taken again once its lease ends; ``drain`` runs until the
queue is empty; a runner told to stop gives claimed, unstarted jobs back; worker threads take
a job as soon as they are woken, and ``stop`` returns True when they are idle.

Leases: a slow Slack call (held open by ``Gate`` until the test opens it) does not let a second
runner take the jobs in hand while the first one's heartbeat renews them, so two runners on one
store post each job once; jobs a renewal finds taken over, or whose lease ended, are skipped;
a job left to its lease (``Retry``) is no longer renewed.

Wakes: a thread whose claim came back short of a batch goes back to sleep rather than claim
again at once (the queue was empty when it looked), and a wake for many enqueues rouses a thread
per batch of them, no more than there are.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest

from bot.service import GlossaryService
from bot.slack import jobs, work
from bot.slack.app import make_client
from bot.slack.jobs import JobRunner
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.store import MemoryStore, StoreError
from bot.store.base import Job, JobStats
from tests.fakes import Clock
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import CHANNEL_ID
from tests.standin.web_methods import Answer, Call

from .conftest import EQL, T0, WORKSPACE

MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
LEASE_S = 30.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runner(
    service: GlossaryService, store: MemoryStore, slack_api: FakeSlackWebAPI, clock: Clock
) -> JobRunner:
    client = make_client("xoxb-test", slack_api.base_url)
    client.retry_handlers = []  # a 5xx reaches the runner at once
    performer = Performer(service, lambda workspace: client, clock=clock)
    return JobRunner(store, performer, threads=2, lease_s=LEASE_S, max_attempts=3, clock=clock)


def enqueue(store: MemoryStore, *texts: str) -> None:
    jobs = [work.post(WORKSPACE, CHANNEL_ID, Message(text, MESSAGE.blocks)) for text in texts]
    assert store.enqueue(jobs, T0) == len(texts)


def posted(api: FakeSlackWebAPI) -> list[str]:
    return [str(c.params["text"]) for c in api.calls("chat.postMessage")]


def test_a_done_job_is_gone(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI
) -> None:
    enqueue(store, "one")
    assert runner.run_once() == 1
    assert posted(slack_api) == ["one"]
    assert store.job_stats(T0) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0.0)
    assert runner.run_once() == 0


def test_a_job_slack_refuses_is_kept_as_failed(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI
) -> None:
    slack_api.fail("chat.postMessage", "not_in_channel")
    enqueue(store, "one")
    assert runner.drain() == 1
    assert store.job_stats(T0) == JobStats(queued=0, running=0, failed=1, oldest_queued_s=0.0)
    assert runner.drain() == 0  # a failed job is not taken again


def test_a_failed_explanation_is_kept_and_its_terms_can_be_explained_later(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI
) -> None:
    slack_api.fail("chat.postMessage", "not_in_channel")
    explain = work.explain(WORKSPACE, CHANNEL_ID, "1.0", [EQL], dedupe_key="Ev1:explain")
    store.enqueue([explain], T0)
    runner.drain()
    assert store.job_stats(T0).failed == 1
    store.enqueue([work.explain(WORKSPACE, CHANNEL_ID, "1.0", [EQL], dedupe_key="Ev2:explain")], T0)
    runner.drain()
    assert posted(slack_api) == ["Glossary: Ecosystem Qualified Lead (EQL)"] * 2


def test_a_passing_outage_leaves_the_job_to_its_lease(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI, clock: Clock
) -> None:
    slack_api.server_error("chat.postMessage", times=1)
    enqueue(store, "one")
    assert runner.run_once() == 1
    assert store.job_stats(T0) == JobStats(queued=0, running=1, failed=0, oldest_queued_s=0.0)
    assert runner.run_once() == 0  # still leased
    clock.now += LEASE_S
    assert runner.run_once() == 1
    assert posted(slack_api) == ["one", "one"]
    assert store.job_stats(clock.now).running == 0


def test_a_job_that_keeps_failing_is_given_up_after_max_attempts(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI, clock: Clock
) -> None:
    slack_api.server_error("chat.postMessage", times=3)
    enqueue(store, "one")
    for _ in range(4):
        runner.run_once()
        clock.now += LEASE_S
    assert len(posted(slack_api)) == 3
    assert store.job_stats(clock.now).failed == 1


def test_drain_runs_until_the_queue_is_empty(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI
) -> None:
    enqueue(store, *(f"post {i}" for i in range(10)))
    assert runner.drain() == 10
    assert posted(slack_api) == [f"post {i}" for i in range(10)]
    assert store.job_stats(T0).queued == 0


def test_a_stopping_runner_gives_claimed_jobs_back(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI
) -> None:
    enqueue(store, "one", "two")
    assert runner.stop(0.0) is True  # no threads were started: nothing in hand
    assert runner.run_once() == 2
    assert posted(slack_api) == []
    assert store.job_stats(T0) == JobStats(queued=2, running=0, failed=0, oldest_queued_s=0.0)


class ClosedStore(MemoryStore):
    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        raise StoreError("database unreachable")

    def release_jobs(self, jobs: Sequence[Job], now: float) -> int:
        raise StoreError("database unreachable")


def test_a_store_that_cannot_hand_out_jobs_raises_to_the_loop(
    service: GlossaryService, slack_api: FakeSlackWebAPI
) -> None:
    client = make_client("xoxb-test", slack_api.base_url)
    performer = Performer(service, lambda workspace: client)
    with pytest.raises(StoreError):
        JobRunner(ClosedStore(), performer).run_once()


def test_threads_take_a_job_when_woken_and_stop_when_idle(
    service: GlossaryService, store: MemoryStore, slack_api: FakeSlackWebAPI
) -> None:
    client = make_client("xoxb-test", slack_api.base_url)
    performer = Performer(service, lambda workspace: client)
    runner = JobRunner(store, performer, threads=2).start()
    try:
        enqueue(store, "one")
        runner.wake()
        slack_api.wait_for("chat.postMessage")
    finally:
        assert runner.stop(5.0) is True
    assert posted(slack_api) == ["one"]
    assert store.job_stats(T0) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0.0)


class WakeWatch(threading.Condition):
    """The runner's wake condition, watched: each time a thread goes to sleep (``asleep``), and
    how many threads each wake asked for (``notified``)."""

    def __init__(self) -> None:
        super().__init__()
        self.asleep = threading.Semaphore(0)
        self.notified: list[int] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.asleep.release()  # under the lock: no wake can come between this and the wait
        return super().wait(timeout)

    def notify(self, n: int = 1) -> None:
        self.notified.append(n)
        super().notify(n)


def test_a_thread_whose_claim_came_back_short_sleeps_instead_of_claiming_again(
    service: GlossaryService,
    store: MemoryStore,
    slack_api: FakeSlackWebAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "POLL_S", 60.0)
    claims: list[int] = []
    claim_jobs = store.claim_jobs

    def counted(limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        taken = claim_jobs(limit, now, lease_s, max_attempts)
        claims.append(len(taken))
        return taken

    monkeypatch.setattr(store, "claim_jobs", counted)
    client = make_client("xoxb-test", slack_api.base_url)
    runner = JobRunner(store, Performer(service, lambda workspace: client), threads=1)
    runner._wake = watch = WakeWatch()
    runner.start()
    try:
        assert watch.asleep.acquire(timeout=10.0)  # found nothing at start
        enqueue(store, "one", "two")
        runner.wake()
        assert watch.asleep.acquire(timeout=10.0)  # both done, asleep again
    finally:
        assert runner.stop(5.0) is True
    assert posted(slack_api) == ["one", "two"]
    assert claims == [0, 2]  # no third, empty claim: two were fewer than a batch


def test_a_wake_for_many_enqueues_rouses_a_thread_per_batch_of_them(
    runner: JobRunner,
) -> None:
    runner.threads = 4
    runner._wake = watch = WakeWatch()
    for enqueued in (1, 4, 5, 9, 100):
        runner.wake(enqueued)
    assert watch.notified == [1, 1, 2, 3, 4]  # batches of 4, never more than the threads


class Gate:
    """Holds Slack's answer to the first post of ``text`` until ``open`` is set: a slow Slack
    (a 429's ``Retry-After``, a timeout retried). The post is recorded on arrival."""

    def __init__(self, api: FakeSlackWebAPI, text: str) -> None:
        self.api = api
        self.text = text
        self.open = threading.Event()
        self._held = False
        api.on("chat.postMessage", self._answer)

    def _answer(self, call: Call) -> Answer:
        if call.params.get("text") == self.text and not self._held:
            self._held = True
            self.open.wait(30.0)
        return self.api.answers.answer(call)


@pytest.fixture
def gate(slack_api: FakeSlackWebAPI) -> Iterator[Gate]:
    made = Gate(slack_api, "one")
    yield made
    made.open.set()  # a failed test must not leave the stand-in's thread waiting


class WatchedStore(MemoryStore):
    """Lets a test wait until a heartbeat renewed leases at (or after) a given time."""

    def __init__(self) -> None:
        super().__init__()
        self._renewal = threading.Condition()
        self._renewed_at = float("-inf")

    def renew_jobs(self, jobs: Sequence[Job], now: float, lease_s: float) -> list[int]:
        renewed = super().renew_jobs(jobs, now, lease_s)
        with self._renewal:
            if renewed:
                self._renewed_at = max(self._renewed_at, now)
                self._renewal.notify_all()
        return renewed

    def wait_renewed_at(self, now: float) -> None:
        with self._renewal:
            assert self._renewal.wait_for(lambda: self._renewed_at >= now, timeout=10.0)


def in_background(runner: JobRunner) -> threading.Thread:
    """``run_once`` on a thread of the test's (no heartbeat: the test renews by hand)."""
    thread = threading.Thread(target=runner.run_once, daemon=True)
    thread.start()
    return thread


def test_two_runners_post_each_job_once_while_slack_takes_longer_than_a_lease(
    runner: JobRunner, slack_api: FakeSlackWebAPI, clock: Clock, gate: Gate
) -> None:
    lease_s = 0.3  # the heartbeat beats every 0.1 s of real time; the clock is the test's
    store = WatchedStore()
    enqueue(store, "one", "two", "three", "four")
    a = JobRunner(store, runner.performer, threads=1, lease_s=lease_s, clock=clock).start()
    b = JobRunner(store, runner.performer, threads=1, lease_s=lease_s, clock=clock)
    try:
        slack_api.wait_for("chat.postMessage")  # A holds all four, Slack is slow on "one"
        for _ in range(3):  # three leases pass; A's heartbeat renews each time
            clock.now += lease_s
            store.wait_renewed_at(clock.now)
            assert b.run_once() == 0
        gate.open.set()
        slack_api.wait_for("chat.postMessage", 4)
    finally:
        assert a.stop(5.0) is True
    assert b.drain() == 0
    assert posted(slack_api) == ["one", "two", "three", "four"]
    assert store.job_stats(clock.now) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0)


def test_jobs_a_renewal_finds_taken_over_are_skipped_not_posted(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI, clock: Clock, gate: Gate
) -> None:
    enqueue(store, "one", "two", "three", "four")
    ahead = Clock()  # B's clock runs two leases ahead of A's (or A's heartbeat stalled)
    ahead.now = T0 + 2 * LEASE_S
    b = JobRunner(store, runner.performer, lease_s=LEASE_S, clock=ahead)
    a = in_background(runner)
    slack_api.wait_for("chat.postMessage")

    assert b.run_once() == 4  # B takes over all four and posts them
    assert runner.renew_leases() == []  # A learns it holds none of them any more
    gate.open.set()
    a.join(10.0)

    assert not a.is_alive()
    # "one" was under way when A lost it (the documented repeat); A skipped the rest.
    assert posted(slack_api) == ["one", "one", "two", "three", "four"]
    assert store.job_stats(clock.now) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0)


def test_without_a_heartbeat_a_job_whose_lease_ended_is_left_to_its_next_holder(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI, clock: Clock
) -> None:
    def slow(call: Call) -> Answer:
        if call.params.get("text") == "one":
            clock.now += LEASE_S  # Slack took a whole lease to answer
        return slack_api.answers.answer(call)

    slack_api.on("chat.postMessage", slow)
    enqueue(store, "one", "two", "three")

    assert runner.run_once() == 3
    assert posted(slack_api) == ["one"]
    assert store.job_stats(clock.now) == JobStats(queued=0, running=2, failed=0, oldest_queued_s=0)
    assert runner.drain() == 2  # their lease had ended: taken again at once
    assert posted(slack_api) == ["one", "two", "three"]


def test_a_job_left_to_its_lease_is_no_longer_renewed_the_rest_of_the_batch_is(
    runner: JobRunner, store: MemoryStore, slack_api: FakeSlackWebAPI, clock: Clock
) -> None:
    slack_api.server_error("chat.postMessage", times=1)  # "one" hits an outage: Retry
    gate = Gate(slack_api, "two")
    enqueue(store, "one", "two", "three")
    b = JobRunner(store, runner.performer, lease_s=LEASE_S, clock=clock)
    a = in_background(runner)
    try:
        slack_api.wait_for("chat.postMessage", 2)  # Slack is slow on "two"
        clock.now += 20.0
        assert runner.renew_leases() == [2, 3]  # until T0 + 50; job 1's lease ends at T0 + 30
        clock.now += 20.0
        assert b.run_once() == 1  # job 1 only
    finally:
        gate.open.set()
        a.join(10.0)
    assert not a.is_alive()
    assert posted(slack_api) == ["one", "two", "one", "three"]
    assert store.job_stats(clock.now) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0)
