"""JobRunner: durable jobs taken from a MemoryStore and performed against the Slack stand-in.

Pinned down: a done job is gone; a job Slack refuses for good is kept as failed; one that hit a
passing outage stays leased and is taken again once its lease ends; ``drain`` runs until the
queue is empty; a runner told to stop gives claimed, unstarted jobs back; worker threads take
a job as soon as they are woken, and ``stop`` returns True when they are idle.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.service import GlossaryService
from bot.slack import work
from bot.slack.app import make_client
from bot.slack.jobs import JobRunner
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.store import MemoryStore, StoreError
from bot.store.base import Job, JobStats
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import CHANNEL_ID

from .conftest import EQL, T0, WORKSPACE

MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
LEASE_S = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


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
