"""The dispatcher: durable jobs stored before the ack, the ack, then in-process tasks.

Pinned down: when the ack goes out the jobs are already in the store; a repeated delivery adds
nothing (and wakes no worker); tasks run only after the ack, on the pool when there is one and
inline when it is shutting down; with the store down, a first delivery is still answered
in-process (posts and responds) while explanations pause, and a Slack retry is not answered at
all; a failing task never reaches Bolt; at most ``MAX_TASKS`` tasks are in hand at once, and
one more is dropped and counted until one of them finishes. Also the two facts read from
Bolt's request: the retry number and the bot's own user id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest
from prometheus_client import REGISTRY
from slack_bolt import BoltContext
from slack_sdk.web import WebClient

from bot.logs import Throttled
from bot.service import GlossaryService
from bot.slack import dispatch, work
from bot.slack.dispatch import Dispatcher, bot_user_id, retry_num
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.slack.work import Outcome
from bot.store import MemoryStore, StoreError
from bot.store.base import NewJob, Workspace

from .conftest import T0, WORKSPACE

OTHER = Workspace("E0ORG", "T0OTHER")
MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
POST = work.post(WORKSPACE, "D0DM", MESSAGE, dedupe_key="Ev1:answer")
EXPLAIN = work.explain(
    WORKSPACE, "C0CHAN", "1.0", ["Ecosystem Qualified Lead"], dedupe_key="Ev2:explain"
)
RESPOND = work.respond(OTHER, "https://hooks.slack.com/x", MESSAGE, dedupe_key="share:1")
VIEW = work.view(OTHER, "views.publish", user_id="U0USER", view={"type": "home", "blocks": []})
RECORD = work.record_task(WORKSPACE, "EQL", "Ecosystem Qualified Lead", "U0USER")


class Recorder(Performer):
    """A Performer that only notes what it was asked to do, in one log shared with the ack."""

    def __init__(self, service: GlossaryService, log: list[str], fail: Exception | None = None):
        super().__init__(service, lambda workspace: WebClient())
        self.log = log
        self.fail = fail
        self.workspaces: list[Workspace] = []

    def perform(self, kind: str, payload: dict[str, Any], workspace: Workspace) -> None:
        self.log.append(f"perform {kind}")
        self.workspaces.append(workspace)
        if self.fail is not None:
            raise self.fail


class DeadStore(MemoryStore):
    """A store whose database is gone when jobs are written."""

    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        raise StoreError("database unreachable")


class InlineExecutor(Executor):
    """A pool that notes each submission in the shared log, then runs it at once."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.log.append("submit")
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class HeldExecutor(Executor):
    """A pool whose threads are all stuck (a slow Slack): it only keeps what it is given."""

    def __init__(self) -> None:
        self.held: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.held.append((fn, args))
        return Future()


class Harness:
    """A dispatcher over ``store`` whose ack, wake-ups and performed work land in ``log``."""

    def __init__(
        self,
        service: GlossaryService,
        store: MemoryStore,
        *,
        pool: Callable[[list[str]], Executor] | None = None,
        fail: Exception | None = None,
    ) -> None:
        self.log: list[str] = []
        self.store = store
        self.performer = Recorder(service, self.log, fail)
        tasks = pool(self.log) if pool else None
        self.dispatcher = Dispatcher(
            store, self.performer, tasks, wake=lambda: self.log.append("wake"), clock=lambda: T0
        )

    def ack(self, **kwargs: Any) -> None:
        queued = self.store.job_stats(T0).queued if not isinstance(self.store, DeadStore) else -1
        self.log.append(f"ack {sorted(kwargs)} with {queued} queued")

    def handle(self, outcome: Outcome, retry: int = 0) -> list[str]:
        self.dispatcher.handle(outcome, self.ack, retry_num=retry)
        return self.log


def test_jobs_are_stored_before_the_ack_and_tasks_run_after_it(
    service: GlossaryService, store: MemoryStore
) -> None:
    outcome = Outcome({"text": "ok"}, jobs=(POST, EXPLAIN), tasks=(RECORD,))
    assert Harness(service, store).handle(outcome) == [
        "wake",
        "ack ['text'] with 2 queued",
        "perform record",
    ]
    claimed = store.claim_jobs(10, T0, 30, 5)
    assert [(job.kind, job.workspace) for job in claimed] == [
        ("post", WORKSPACE),
        ("explain", WORKSPACE),
    ]


def test_a_repeated_delivery_adds_nothing_and_wakes_no_one(
    service: GlossaryService, store: MemoryStore
) -> None:
    harness = Harness(service, store)
    harness.handle(Outcome(jobs=(POST,)))
    assert harness.handle(Outcome(jobs=(POST,)), retry=1) == [
        "wake",
        "ack [] with 1 queued",
        "ack [] with 1 queued",
    ]


def test_tasks_go_to_the_pool_after_the_ack(service: GlossaryService, store: MemoryStore) -> None:
    harness = Harness(service, store, pool=InlineExecutor)
    assert harness.handle(Outcome(tasks=(VIEW, RECORD))) == [
        "ack [] with 0 queued",
        "submit",
        "perform view",
        "submit",
        "perform record",
    ]
    assert harness.performer.workspaces == [OTHER, WORKSPACE]


def test_a_pool_that_is_shutting_down_runs_tasks_inline(
    service: GlossaryService, store: MemoryStore
) -> None:
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    harness = Harness(service, store, pool=lambda log: pool)
    assert harness.handle(Outcome(tasks=(VIEW,))) == ["ack [] with 0 queued", "perform view"]


def test_a_first_delivery_without_the_store_is_answered_but_not_explained(
    service: GlossaryService,
) -> None:
    outcome = Outcome(jobs=(EXPLAIN, POST, RESPOND), tasks=(VIEW,))
    harness = Harness(service, DeadStore())
    assert harness.handle(outcome) == [
        "ack [] with -1 queued",
        "perform view",
        "perform post",
        "perform respond",
    ]
    assert harness.performer.workspaces == [OTHER, WORKSPACE, OTHER]  # each with its own token


def test_a_retry_without_the_store_is_acked_and_not_answered(service: GlossaryService) -> None:
    outcome = Outcome(jobs=(EXPLAIN, POST, RESPOND))
    assert Harness(service, DeadStore()).handle(outcome, retry=1) == ["ack [] with -1 queued"]


@pytest.mark.parametrize(
    "failure",
    [StoreError("database unreachable"), RuntimeError("a bug")],
    ids=["store", "bug"],
)
def test_a_failing_task_never_reaches_bolt(
    service: GlossaryService, store: MemoryStore, failure: Exception
) -> None:
    harness = Harness(service, store, fail=failure)
    assert harness.handle(Outcome(tasks=(RECORD, VIEW))) == [
        "ack [] with 0 queued",
        "perform record",
        "perform view",
    ]


def test_an_unexpected_task_failure_is_logged_with_its_traceback(
    service: GlossaryService, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.slack.perform")
    Harness(service, store, fail=RuntimeError("a bug")).handle(Outcome(tasks=(VIEW,)))
    assert [(r.getMessage(), str(r.exc_info and r.exc_info[1])) for r in caplog.records] == [
        ("in-process view task failed", "a bug")
    ]


def dropped(kind: str) -> float:
    value = REGISTRY.get_sample_value("glossary_jobs_total", {"kind": kind, "outcome": "dropped"})
    return value or 0.0


def test_tasks_beyond_the_limit_in_hand_are_dropped_and_counted(
    service: GlossaryService,
    store: MemoryStore,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch, "throttled", Throttled(dispatch.logger))
    caplog.set_level(logging.WARNING, logger="bot.slack.dispatch")
    pool = HeldExecutor()
    harness = Harness(service, store, pool=lambda log: pool)
    assert dispatch.MAX_TASKS == 1000
    before = dropped("view")
    for _ in range(1000):
        harness.handle(Outcome(tasks=(RECORD,)))
    harness.handle(Outcome(tasks=(VIEW,)))  # the 1001st
    assert (len(pool.held), dropped("view") - before) == (1000, 1.0)
    assert [r.getMessage() for r in caplog.records] == ["1000 tasks in hand: dropped a view task"]
    fn, args = pool.held[0]
    fn(*args)  # one task finishes: room for one more
    harness.handle(Outcome(tasks=(VIEW,)))
    assert (len(pool.held), dropped("view") - before) == (1001, 1.0)
    assert harness.log.count("perform record") == 1 and "perform view" not in harness.log


@pytest.mark.parametrize(
    ("headers", "number"),
    [
        ({}, 0),
        ({"x-slack-retry-num": ["2"]}, 2),
        ({"x-slack-retry-num": "3"}, 3),
        ({"x-slack-retry-num": ["abc"]}, 0),
        ({"x-slack-retry-num": ["-4"]}, 0),
        ({"x-slack-retry-num": []}, 0),
    ],
)
def test_retry_num(headers: dict[str, Any], number: int) -> None:
    assert retry_num(headers) == number


@pytest.mark.parametrize(
    ("context", "body", "user"),
    [
        ({"bot_user_id": "U0BOT"}, {}, "U0BOT"),
        ({}, {"authorizations": [{"user_id": "U0FROMEVENT"}]}, "U0FROMEVENT"),
        ({}, {"authorizations": [{"team_id": "T0"}]}, None),
        ({}, {"authorizations": {"user_id": "U0"}}, None),
        ({}, {}, None),
    ],
)
def test_bot_user_id(context: dict[str, Any], body: dict[str, Any], user: str | None) -> None:
    assert bot_user_id(BoltContext(context), body) == user
