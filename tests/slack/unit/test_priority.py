"""Acks first: job threads give way to the requests in flight in their process, bounded.

Pinned down: ``AckPriority`` calls its pause callbacks when the last request in flight ends,
and only then; ``close`` ends every deferral. A started ``JobRunner`` that gives way takes no
job while a request is in flight and takes it at the pause (also when the wake came during the
request, with polling pushed out of reach); under requests that never pause it still performs
the job after the bound; ``stop`` releases a thread that is giving way. The HTTP worker counts a
request as in flight while the app answers it, and not once it has answered. Fewer hand-offs:
wakes that came while every thread was busy cost one more claim, not one claim each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_bolt import Ack, App

from bot.service import GlossaryService
from bot.slack import jobs
from bot.slack.app import make_client
from bot.slack.jobs import JobRunner
from bot.slack.perform import Performer
from bot.slack.priority import AckPriority
from bot.slack.wsgi import create_wsgi_app
from bot.store import MemoryStore
from bot.store.base import Job
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq
from tests.standin.signing import SignedSender

from .conftest import T0
from .test_http_worker import SECRET, Loop, _authorize
from .test_jobs import enqueue, posted


class Watched(AckPriority):
    """Lets a test wait until a job thread is giving way to a request."""

    def __init__(self, max_defer_s: float) -> None:
        super().__init__(max_defer_s)
        self.deferring = threading.Event()

    def give_way(self) -> None:
        if self.busy:
            self.deferring.set()
        super().give_way()


@pytest.fixture
def performer(service: GlossaryService, slack_api: FakeSlackWebAPI) -> Performer:
    client = make_client("xoxb-test", slack_api.base_url)
    return Performer(service, lambda workspace: client)


@pytest.fixture
def started(store: MemoryStore, performer: Performer) -> Iterator[list[JobRunner]]:
    """Runners a test starts; each must stop with every thread finished."""
    runners: list[JobRunner] = []
    yield runners
    assert [runner.stop(5.0) for runner in runners] == [True] * len(runners)


def runner_for(store: MemoryStore, performer: Performer, priority: AckPriority) -> JobRunner:
    runner = JobRunner(store, performer, threads=1)
    runner.give_way_to(priority)
    return runner


def test_pause_callbacks_run_when_the_last_request_ends() -> None:
    priority, pauses = AckPriority(), []
    priority.on_pause(lambda: pauses.append(priority.busy))
    priority.begin()
    priority.begin()
    priority.end()
    assert (priority.busy, pauses) == (True, [])
    priority.end()
    assert (priority.busy, pauses) == (False, [False])


def test_close_ends_every_deferral() -> None:
    priority = AckPriority(max_defer_s=60.0)
    priority.begin()
    priority.close()
    priority.give_way()  # at once: a deferral would hold this test for a minute
    assert priority.busy is False


def test_no_job_starts_while_a_request_is_in_flight(
    store: MemoryStore,
    performer: Performer,
    slack_api: FakeSlackWebAPI,
    started: list[JobRunner],
) -> None:
    priority = Watched(max_defer_s=60.0)
    priority.begin()
    enqueue(store, "one")
    started.append(runner_for(store, performer, priority).start())
    assert priority.deferring.wait(10.0)
    assert posted(slack_api) == []  # its only thread is waiting for the pause
    priority.end()
    slack_api.wait_for("chat.postMessage")
    assert posted(slack_api) == ["one"]


def test_a_wake_during_a_request_is_delivered_at_its_end(
    store: MemoryStore,
    performer: Performer,
    slack_api: FakeSlackWebAPI,
    started: list[JobRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "POLL_S", 60.0)  # only a wake can start the job in this test
    priority = AckPriority(max_defer_s=60.0)
    runner = runner_for(store, performer, priority).start()
    started.append(runner)
    priority.begin()
    enqueue(store, "one")
    runner.wake()
    priority.end()
    slack_api.wait_for("chat.postMessage")
    assert posted(slack_api) == ["one"]


def test_requests_that_never_pause_delay_jobs_but_do_not_starve_them(
    store: MemoryStore,
    performer: Performer,
    slack_api: FakeSlackWebAPI,
    started: list[JobRunner],
) -> None:
    priority = Watched(max_defer_s=0.01)
    priority.begin()  # never ends
    enqueue(store, "one", "two")
    started.append(runner_for(store, performer, priority).start())
    slack_api.wait_for("chat.postMessage", count=2)
    assert (priority.deferring.is_set(), sorted(posted(slack_api))) == (True, ["one", "two"])


def test_stop_releases_a_thread_that_gives_way(
    store: MemoryStore, performer: Performer, slack_api: FakeSlackWebAPI
) -> None:
    priority = Watched(max_defer_s=60.0)
    priority.begin()
    enqueue(store, "one")
    runner = runner_for(store, performer, priority).start()
    assert priority.deferring.wait(10.0)
    assert runner.stop(5.0) is True
    assert posted(slack_api) == []
    assert store.job_stats(T0).queued == 1  # never claimed: still there for another replica


def test_the_worker_counts_a_request_in_flight_until_it_is_answered() -> None:
    priority, seen = AckPriority(), []
    bolt = App(authorize=_authorize, request_verification_enabled=False)

    def define(ack: Ack) -> None:
        seen.append(priority.busy)
        ack("pong")

    bolt.command("/define")(define)
    loop = Loop()
    try:
        loop.worker.priority = priority
        loop.worker.wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: (True, {}))
        prepared = SignedSender("http://unused", SECRET).prepare("command", rq.slash_command("x"))
        head = "POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in prepared.headers.items())
        body = prepared.body.encode()
        sock = loop.send(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        loop.run_until(lambda: loop.received[sock].endswith(b"pong"), "the answer")
        loop.run_until(lambda: not priority.busy, "the request to end")
    finally:
        loop.close()
    assert seen == [True]


class HeldClaims(MemoryStore):
    """Counts claims; the first one waits until the test lets it return."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.claims = 0
        self._counted = threading.Condition()

    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        with self._counted:
            self.claims += 1
            self._counted.notify_all()
        if self.claims == 1:
            assert self.release.wait(10.0)
        return super().claim_jobs(limit, now, lease_s, max_attempts)

    def wait_claims(self, count: int) -> None:
        with self._counted:
            assert self._counted.wait_for(lambda: self.claims >= count, 10.0)


def test_wakes_while_threads_are_busy_cost_one_more_claim_not_one_each(
    performer: Performer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "POLL_S", 60.0)  # no poll: only wakes make a thread claim
    store = HeldClaims()
    runner = JobRunner(store, performer, threads=1).start()
    try:
        store.wait_claims(1)
        for _ in range(50):  # e.g. jobs enqueued and taken by other threads meanwhile
            runner.wake()
        store.release.set()
        store.wait_claims(2)
    finally:
        assert runner.stop(5.0) is True
    assert store.claims == 2  # the held claim, then one that finds the queue still empty
