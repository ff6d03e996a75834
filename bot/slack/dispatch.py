"""The one dispatcher: store durable work, ack at once, then run the rest.

Every Bolt listener is the same small adapter (``bolt_listener``): it turns Bolt's request into
an ``Incoming`` value, calls a pure listener for an ``Outcome``, and hands that here. The order
is the whole design:

1. durable jobs go into the store first (deduplicated by key, so Slack's retries and replayed
   clicks add nothing), so that once Slack hears "200" the work survives any crash;
2. the ack, right away: Bolt runs with ``process_before_response=True``, so it is sent when the
   listener returns, and nothing slow happens before that;
3. in-process tasks go to a small thread pool.

When the store cannot take the jobs, the first delivery is still answered (in-process, not
durable) and retries are not, so an outage never makes the bot answer twice; explanations pause
(see ``work.ANSWER_WITHOUT_STORE``). The event is acked either way.

A stalled (not refusing) database must not hold the ack past Slack's 3 s either: Slack would
resend, and the stalled write might still commit. So the enqueue runs on a small pool of its own
and the ack waits for it at most ``ENQUEUE_DEADLINE_S``. Past that the ack goes out and the
enqueue's own end decides, exactly once: it commits (the job answers), it fails (the first
delivery is answered in-process then, a retry not at all), or it never started (its turn in the
pool had not come: nothing was stored, so the same as failing, decided at once). How long a
stalled enqueue may take is bounded by the store's own timeouts (statement, pool, busy timeout).
Where the request runs on a thread that must not wait at all (the HTTP worker's poller,
``ack_hold.collecting``), the ack is not delayed but *held*: the listener's answer is written at
once and sent by the worker when the enqueue has ended or the deadline has passed; the same
rules then apply, decided by the enqueue's own end (``_ended``) and by the worker at the
deadline (``_past_deadline``). There the enqueue is queued in the store at once and committed
with the others of the poller's turn by one pool thread (bot/slack/enqueue_batch.py), so it is
never "not started": past the deadline, its outcome decides.

What can still answer twice: a write whose COMMIT reached the database but whose answer was lost
(the connection broke): it reads as a failure, so the first delivery is answered in-process and
the job runs too; and a Slack retry (sent only if our ack missed Slack's 3 s) whose write commits
while the first delivery's stalled write later fails. An in-process answer is not durable: lost
if the process dies first. While the database stalls, explanations wait (or, for writes that
never started, are skipped) and answers go out in-process, as in an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import BoltContext, BoltRequest

from bot import metrics
from bot.logs import Throttled
from bot.slack import ack_hold
from bot.slack.enqueue_batch import EnqueueBatch
from bot.slack.perform import Performer, perform_safely
from bot.slack.work import ANSWER_WITHOUT_STORE, Incoming, Outcome
from bot.store.base import NewJob, Store, StoreError, Workspace

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

Listener = Callable[[Incoming], Outcome]
MAX_TASKS = 1000
"""In-process tasks waiting or running at once, per process. Tasks are what is worthless
later (a Home tab, a modal, a count): above this, new ones are dropped and counted rather than
queued behind a slow Slack without bound (durable work is in the jobs table, not here)."""
ENQUEUE_DEADLINE_S = 1.0
"""How long an ack waits for its jobs to be stored: well under Slack's 3 s, far above a healthy
write (milliseconds), so only a stalled database ever reaches it."""
ENQUEUE_THREADS = 8
"""Enqueue threads per process: one per request thread (``http_options.THREADS``), so a healthy
enqueue never waits for another's turn."""


class Dispatcher:
    """Stores jobs, acks, runs tasks; shared by every listener of one process."""

    def __init__(
        self,
        store: Store,
        performer: Performer,
        tasks: Executor | None,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        *,
        enqueuer: Executor | None = None,
        deadline_s: float = ENQUEUE_DEADLINE_S,
    ) -> None:
        self.store = store
        self.performer = performer
        self._tasks = tasks
        self._wake = wake
        self._clock = clock
        self._enqueuer = enqueuer
        """Where enqueues run under the deadline; None (the console): in the caller, unbounded."""
        self._deadline_s = deadline_s
        self._in_flight = 0
        self._lock = threading.Lock()
        self._batch = EnqueueBatch(store, enqueuer) if enqueuer is not None else None
        """The poller's enqueues, handed to the pool together (bot/slack/enqueue_batch.py)."""

    def handle(self, outcome: Outcome, ack: Callable[..., Any], *, retry_num: int = 0) -> None:
        tasks = list(outcome.tasks)
        if outcome.jobs:
            tasks += self._store_jobs(outcome.jobs, retry_num)
        ack(**outcome.ack)
        for task in tasks:
            self._run(task)

    def _store_jobs(self, jobs: tuple[NewJob, ...], retry_num: int) -> list[NewJob]:
        """Enqueue within the deadline; the jobs to run in-process instead (maybe none)."""
        now = self._clock()
        inline = lambda: self.store.enqueue(jobs, now)  # noqa: E731
        if self._enqueuer is None:
            return self._settle(jobs, retry_num, inline)
        holds = ack_hold.current()
        if holds is not None and self._batch is not None:
            # A thread that must not wait (the poller): the answer waits instead.
            future = self._batch.add(jobs, now)
            late = lambda: self._run_all(self._past_deadline(future, jobs, retry_num))  # noqa: E731
            holds.hold(future, self._deadline_s, late)
            future.add_done_callback(lambda done: self._ended(done, jobs, retry_num))
            return []
        try:
            future = self._enqueuer.submit(self.store.enqueue, jobs, now)
        except RuntimeError:  # the pool is shutting down: store it here rather than fail
            return self._settle(jobs, retry_num, inline)
        try:
            future.exception(timeout=self._deadline_s)
        except TimeoutError:
            tasks = self._past_deadline(future, jobs, retry_num)
            if not future.cancelled():
                future.add_done_callback(lambda done: self._ended(done, jobs, retry_num))
            return tasks
        return self._settle(jobs, retry_num, future.result)

    def _past_deadline(
        self, future: Future[int], jobs: tuple[NewJob, ...], retry_num: int
    ) -> list[NewJob]:
        """The ack goes out before the enqueue has ended: the jobs to run in-process now."""
        if future.cancel():  # it never started: nothing was stored, and nothing will be
            return self._without_store(jobs, retry_num, "too slow to take the work")
        metrics.store_error("enqueue_deadline")
        throttled.warning(
            "enqueue-late",
            "state store slow: acked before the work was stored (%.1f s); its outcome decides",
            self._deadline_s,
        )
        return []

    def _settle(
        self, jobs: tuple[NewJob, ...], retry_num: int, enqueue: Callable[[], int]
    ) -> list[NewJob]:
        """The enqueue's result: jobs stored (wake a worker), or the ones to run in-process."""
        try:
            added = enqueue()
        except StoreError as exc:
            return self._without_store(jobs, retry_num, exc)
        if added:
            self._wake()
        return []

    def _without_store(
        self, jobs: tuple[NewJob, ...], retry_num: int, reason: object
    ) -> list[NewJob]:
        """Not stored (see the module doc for when that is wrong): a first delivery is answered
        in-process, a retry not at all."""
        metrics.store_error("enqueue")
        if retry_num:
            throttled.error(
                "enqueue-retry", "state store down; not answering Slack retry: %s", reason
            )
            return []
        throttled.error("enqueue", "state store down; answering without it: %s", reason)
        return [job for job in jobs if job.kind in ANSWER_WITHOUT_STORE]

    def _ended(self, done: Future[int], jobs: tuple[NewJob, ...], retry_num: int) -> None:
        """An enqueue the ack did not wait for has ended (on its pool thread): act on its
        outcome. One cancelled at the deadline was settled then."""
        if done.cancelled():
            return
        try:
            self._run_all(self._settle(jobs, retry_num, done.result))
        except Exception:  # a bug of ours, on every request perhaps: once a minute, counted
            message = "storing work failed unexpectedly after the ack"
            throttled.exception("enqueue-unexpected", message)

    def _run_all(self, tasks: list[NewJob]) -> None:
        for task in tasks:
            self._run(task)

    def _run(self, task: NewJob) -> None:
        if self._tasks is None:
            perform_safely(self.performer, task)
            return
        with self._lock:
            full = self._in_flight >= MAX_TASKS
            if not full:
                self._in_flight += 1
        if full:
            metrics.job_done(task.kind, "dropped")
            throttled.warning("tasks", "%d tasks in hand: dropped a %s task", MAX_TASKS, task.kind)
            return
        try:
            self._tasks.submit(self._task, task)
        except RuntimeError:  # shutting down: do it now rather than lose it
            self._task(task)

    def _task(self, task: NewJob) -> None:
        try:
            perform_safely(self.performer, task)
        finally:
            with self._lock:
                self._in_flight -= 1


def retry_num(headers: Mapping[str, Any]) -> int:
    """``X-Slack-Retry-Num`` (Bolt maps Socket Mode's ``retry_attempt`` onto it too)."""
    raw = headers.get("x-slack-retry-num")
    value = raw[0] if isinstance(raw, list | tuple) and raw else raw
    try:
        return max(0, int(str(value))) if value is not None else 0
    except ValueError:
        return 0


def bot_user_id(context: BoltContext, body: Mapping[str, Any]) -> str | None:
    """The bot's own user id: from Bolt's authorization, else from the event's authorizations
    (so a worker that has not reached Slack yet still knows who it is)."""
    if context.bot_user_id:
        return str(context.bot_user_id)
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], dict):
        user = authorizations[0].get("user_id")
        return str(user) if user else None
    return None


def team_of(body: Mapping[str, Any]) -> str | None:
    """The workspace a request comes from. On an org-wide Grid install Bolt's context has no
    team id (the installation is the organisation's), but state is kept per workspace."""
    team, user = body.get("team"), body.get("user")
    candidates = (
        body.get("team_id"),  # events, slash commands
        team.get("id") if isinstance(team, Mapping) else None,  # interactivity
        user.get("team_id") if isinstance(user, Mapping) else None,
    )
    return next((c for c in candidates if isinstance(c, str) and c), None)


def bolt_listener(listener: Listener, dispatcher: Dispatcher) -> Callable[[BoltRequest], None]:
    """Adapt a pure listener to Bolt's request (``bolt_adapter.DirectListener`` calls it)."""

    def handle(request: BoltRequest) -> None:
        body, context = request.body, request.context
        workspace = Workspace(context.enterprise_id, context.team_id or team_of(body))
        try:
            outcome = listener(Incoming(body, bot_user_id(context, body), workspace))
        except Exception:
            # Our bug, not Slack's: a traceback (once a minute), and an ack all the same, since
            # a non-200 counts toward Slack disabling the event subscription.
            name = getattr(listener, "__name__", "listener")
            throttled.exception(("listener", name), "the %s listener failed", name)
            outcome = Outcome()
        dispatcher.handle(outcome, context.ack, retry_num=retry_num(request.headers))

    handle.__name__ = getattr(listener, "__name__", "listener")
    return handle
