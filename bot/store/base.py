"""The state store's interface: what the bot must remember between requests and replicas.

Four jobs:
- **durable work**: a ``jobs`` table written before Slack is acked, taken by worker threads
  of any replica under a lease that their worker renews while it holds them (``enqueue``,
  ``claim_jobs``, ``renew_jobs``, ``finish_job``…);
- **once only**: Slack's retries and double clicks (a job's ``dedupe_key``), and any "exactly
  one replica does this" claim (``claim_once``);
- **explanations**: which terms were explained where, so a thread is never told twice and a
  channel not again within a cooldown (``claim_explanations`` / ``release_explanations``);
- **lookups**: counts for "most looked up" and the misses maintainers read.

Everything a workspace causes is kept with its ``Workspace`` (enterprise id, team id), so one
workspace's cooldowns and counts never change another's, and ``purge`` can delete exactly one
workspace's (or one organisation's, or one person's) rows when Slack says the app was
uninstalled or someone asks to be forgotten. Thread claims are the exception that proves the
rule: a channel id is global, so a Slack Connect channel shared by two of our workspaces has
one thread history and is explained once.

Callers pass the time in (float epoch seconds) so tests control the clock. Every claim is
atomic: several threads and several processes share one database, so "check, then write" must
never let two callers win the same claim. Every backend failure surfaces as ``StoreError``, the
one exception type callers catch; the store itself never logs it (the caller decides).
"""

from __future__ import annotations

import abc
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

ONCE_KEYS_KEPT_S = 24 * 3600.0
"""How long ``prune`` keeps once-keys (and job dedupe keys): far beyond Slack's retries."""
JOB_ERROR_MAX_CHARS = 2000
"""``fail_job`` keeps this much of the error: enough for an operator's first look."""


def cooldown_cutoff(now: float, cooldown_s: float) -> float:
    """A term last explained in a channel at or before this may be explained there again.

    No cooldown (0) means no cutoff at all, not "at or before now": concurrent claims stamp
    their own ``now``, taken a moment before they reach the store, so one stamped a millisecond
    later must not hold back one stamped earlier (its message would go unexplained)."""
    return now - cooldown_s if cooldown_s > 0 else math.inf


class StoreError(Exception):
    """The store could not do its job (database unreachable, unwritable file, store closed)."""


@dataclass(frozen=True, slots=True)
class Workspace:
    """Whose state this is: a workspace, within an Enterprise Grid organisation or not.

    Keyed by the pair, never by ``team_id`` alone: on Grid one organisation holds many
    workspaces, and an org-wide install serves them all.
    """

    enterprise_id: str | None = None
    team_id: str | None = None

    def __post_init__(self) -> None:
        """An empty id is no id (payloads carry both ``""`` and null), so equal pairs are equal."""
        for name in ("enterprise_id", "team_id"):
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)

    @property
    def key(self) -> str:
        """A stable string form, e.g. ``"E123:T456"`` or ``"-:T456"`` (for logs and keys)."""
        return f"{self.enterprise_id or '-'}:{self.team_id or '-'}"


PURGE_KIND = "purge"
"""The job kind that purges a workspace: ``purge`` leaves such jobs for their runner to settle."""

NO_WORKSPACE = Workspace()
"""For state that belongs to no workspace (the console, maintenance)."""


@dataclass(frozen=True, slots=True)
class NewJob:
    """Work to do after the ack. ``payload`` is JSON-serialisable; a repeated ``dedupe_key``
    (a Slack retry, a replayed click) is silently not inserted again."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    """One key space for every workspace, as Slack's event ids are unique across them."""
    workspace: Workspace = NO_WORKSPACE
    """Whose work this is: the worker answers with that workspace's token, purge deletes it."""


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job. ``lease`` is the token of this claim: finishing or failing a job whose
    lease was taken over by another worker (ours expired) changes nothing."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    lease: str
    workspace: Workspace = NO_WORKSPACE


@dataclass(frozen=True, slots=True)
class JobStats:
    queued: int
    running: int
    failed: int
    oldest_queued_s: float
    """Age of the oldest queued job (0 when none): the backlog an operator watches."""


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """What readiness reports about the store (never raises to get it)."""

    ok: bool
    backend: str
    """"postgresql", "sqlite (one host only)" or "memory"."""
    schema_current: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows ``prune`` or ``purge`` deleted, per kind.

    ``events`` counts once-keys (Slack event claims); ``installations`` and ``bots`` are rows of
    slack_sdk's installation store (``slack_installations``, ``slack_bots``: the tokens), and
    ``oauth_states`` expired rows of its state store (``slack_oauth_states``). ``MemoryStore``
    has no installation store, so those stay 0 there.
    """

    events: int = 0
    explanations: int = 0
    cooldowns: int = 0
    lookups: int = 0
    jobs: int = 0
    installations: int = 0
    bots: int = 0
    oauth_states: int = 0
    channel_settings: int = 0
    preferences: int = 0
    suggestions: int = 0


@dataclass(frozen=True, slots=True)
class Miss:
    """A query that found nothing, counted anonymously (no user id is ever stored with it)."""

    query: str
    count: int
    first_seen: float
    last_seen: float


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """What a channel's members chose with ``/define settings``; the defaults change nothing."""

    explain: bool = True
    """False: no automatic explanations in this channel."""
    paused_until: float = 0.0
    """Epoch seconds; explanations are paused while ``now < paused_until``."""
    cooldown_hours: float | None = None
    """None: the bot's EXPLAIN_COOLDOWN_HOURS."""
    max_terms: int | None = None
    """None: the bot's EXPLAIN_MAX_TERMS."""
    partner_view: bool = False
    """Treat the channel as shared with partners even if Slack does not mark it so."""
    updated_by: str = ""
    updated_at: float = 0.0


SUGGESTION_STATUSES = ("waiting", "approved", "rejected")
DECISIONS = SUGGESTION_STATUSES[1:]
"""What a waiting suggestion may become: approved or rejected."""


def check_decision(status: str) -> None:
    """``ValueError`` unless ``status`` is a decision (``waiting`` is not one)."""
    if status not in DECISIONS:
        raise ValueError(f"a suggestion is decided as one of {DECISIONS}, not {status!r}")


@dataclass(frozen=True, slots=True)
class NewSuggestion:
    """A term someone proposed from Slack (the *Suggest a term* modal)."""

    term: str
    definition: str
    category: str
    acronym: str = ""
    why: str = ""
    suggester: str = ""
    """The suggester's user id: they are told when it is approved."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    workspace: Workspace
    term: str
    definition: str
    category: str
    acronym: str
    why: str
    suggester: str
    status: str
    """One of ``SUGGESTION_STATUSES``."""
    created_at: float
    decided_by: str = ""
    decided_at: float = 0.0
    review_channel: str = ""
    review_ts: str = ""
    """The review post in SUGGESTIONS_CHANNEL, whose thread gets the approved YAML."""


def purge_criteria(
    enterprise_id: str | None, team_id: str | None, user_id: str | None
) -> dict[str, str]:
    """The ids a purge matches, by column name; ``ValueError`` for none or an empty one."""
    given = {
        name: value
        for name, value in (
            ("enterprise_id", enterprise_id),
            ("team_id", team_id),
            ("user_id", user_id),
        )
        if value is not None
    }
    if not given or "" in given.values():
        raise ValueError("purge needs at least one non-empty id: enterprise_id, team_id or user_id")
    return given


class Later(Protocol[T_co]):
    """A write queued to ride in a transaction that runs anyway (``Store.finish_job_later``):
    whether it has ended, and its result."""

    @property
    def ended(self) -> bool:
        """It has committed or failed: ``outcome()`` will not wait."""

    def outcome(self) -> T_co:
        """Its result once it has ended (committing it now if it is still queued), or raises
        StoreError."""


class Done(Generic[T]):
    """A ``Later`` write made at once: for stores whose writers share no transactions."""

    __slots__ = ("_error", "_result")

    def __init__(self, write: Callable[[], T]) -> None:
        self._result: T | None = None
        self._error: StoreError | None = None
        try:
            self._result = write()
        except StoreError as exc:
            self._error = exc

    @property
    def ended(self) -> bool:
        return True

    def outcome(self) -> T:
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]


class Deferred(Generic[T]):
    """A ``Later`` write made when its outcome is first asked for, on the asking thread: for
    stores whose writers share no transactions, so that queueing it never writes on the
    caller's thread (``Store.enqueue_later``: the HTTP worker's poller must never wait)."""

    __slots__ = ("_done", "_lock", "_write")

    def __init__(self, write: Callable[[], T]) -> None:
        self._write = write
        self._done: Done[T] | None = None
        self._lock = threading.Lock()

    @property
    def ended(self) -> bool:
        return self._done is not None

    def outcome(self) -> T:
        with self._lock:  # once, whoever asks first
            if self._done is None:
                self._done = Done(self._write)
        return self._done.outcome()


class Store(abc.ABC):
    """What the bot remembers; ``SqlStore`` in production, ``MemoryStore`` in handler tests."""

    # -- durable work ----------------------------------------------------------------------
    @abc.abstractmethod
    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        """Insert ``jobs`` in one transaction; returns how many were new (dedupe skips the rest)."""

    @abc.abstractmethod
    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        """Take up to ``limit`` jobs, oldest first: queued ones, and running ones whose lease
        ended (``lease_until <= now``: their worker died). Each gets a new lease token,
        ``lease_until = now + lease_s`` and one more attempt. A job that already had
        ``max_attempts`` is marked failed ("gave up after N attempts") instead of being taken.
        Two callers never get the same job (Postgres: ``FOR UPDATE SKIP LOCKED``)."""

    @abc.abstractmethod
    def renew_jobs(self, jobs: Sequence[Job], now: float, lease_s: float) -> list[int]:
        """Extend the leases we still hold, in one transaction: each job that is still running
        under its ``lease`` token gets ``lease_until = now + lease_s``. Returns the ids renewed
        (ascending); a job missing from them was taken over, finished or given back, and its
        holder must not start it. A worker renews well before ``lease_until``, so a slow Slack
        call never lets another worker take a job still in hand."""

    @abc.abstractmethod
    def finish_job(self, job: Job, now: float) -> bool:
        """The job is done (it is deleted); False if our lease was lost meanwhile."""

    def enqueue_later(self, jobs: Sequence[NewJob], now: float) -> Later[int]:
        """``enqueue``, queued without waiting: where this process's writers share transactions
        (``SqlStore``) it rides in the next one that runs, and ``outcome()`` commits it if none
        has; here it is written when ``outcome()`` is first asked for.

        Why: the HTTP worker's poller answers Slack's requests itself and must never wait on the
        store, so it used to hand each request's enqueue to a thread of its own: a thread woken
        per request, and its result handed back. Queued here instead, the enqueues of one turn
        of the poller go to one thread together, which asks for their outcomes
        (bot/slack/enqueue_batch.py); nothing is stored until then, and a killed process loses
        only what its acks were still waiting for."""
        return Deferred(lambda: self.enqueue(jobs, now))

    def finish_job_later(self, job: Job, now: float) -> Later[bool]:
        """``finish_job``, without waiting for a transaction of its own: where this process's
        writers share transactions (``SqlStore``), it is queued to ride in the next one that
        runs anyway, this caller's next write or any other writer's. Here, at once.

        Why: on SQLite every write transaction takes the host's one write turn, and the acks
        wait behind whoever holds it. A job worker's ends of jobs were a quarter of its turns,
        though its next write (the next job's explanation claim, its next claim of jobs) came
        milliseconds later. Until it has ended, a killed process loses the write: the caller
        asks for ``outcome()`` before anything that must come after it (bot/slack/jobs.py)."""
        return Done(lambda: self.finish_job(job, now))

    @abc.abstractmethod
    def fail_job(self, job: Job, error: str, now: float) -> bool:
        """The job failed for good; it is kept with ``error`` for operators. False if lease lost."""

    @abc.abstractmethod
    def release_jobs(self, jobs: Sequence[Job], now: float) -> int:
        """Give claimed, unstarted jobs back (graceful shutdown) so any replica takes them now;
        the attempt they never started is not counted. Returns how many were still ours."""

    @abc.abstractmethod
    def job_stats(self, now: float) -> JobStats:
        """Counts for metrics: queued, running, failed, and the oldest queued job's age."""

    # -- once only --------------------------------------------------------------------------
    @abc.abstractmethod
    def claim_once(self, key: str, now: float) -> bool:
        """True for the first caller ever to claim ``key`` (until pruned), False for the rest."""

    # -- explanations -----------------------------------------------------------------------
    @abc.abstractmethod
    def claim_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        now: float,
        cooldown_s: float,
        claim_id: str = "",
    ) -> list[str]:
        """The terms (input order, without repeats) that may be explained in this thread now.

        A term qualifies if it was never explained in this thread, by any workspace (a shared
        channel has one thread history), and ``workspace`` did not explain it anywhere in this
        channel during the last ``cooldown_s`` seconds (``now - last < cooldown_s`` blocks).
        The qualifying terms are recorded as explained by ``workspace`` at ``now`` in the same
        atomic step, so two concurrent calls never both get the same term.

        ``claim_id`` (a job's dedupe key) is stored with the claim: a later call with the same id
        is granted the terms that id claimed in this thread (a job taken over after its worker
        died before posting posts them), re-stamped at ``now``.
        """

    @abc.abstractmethod
    def release_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        claimed_at: float,
    ) -> None:
        """Undo ``workspace``'s claim made at ``claimed_at`` whose post failed: the terms were
        not explained."""

    # -- lookups ----------------------------------------------------------------------------
    @abc.abstractmethod
    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        """Count one lookup of ``query`` that found ``term``; ``term=None`` records a miss.

        ``user`` is kept with a hit only (for ``purge(user_id=…)`` until retention ends): a
        miss is stored without it, since maintainers read misses and need no one's id."""

    @abc.abstractmethod
    def top_terms(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        """``workspace``'s most looked-up terms with their counts: count descending, then name."""

    @abc.abstractmethod
    def recent_misses(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        """``workspace``'s queries that found nothing, with counts: most frequent first, then
        most recent."""

    @abc.abstractmethod
    def misses(self, workspace: Workspace | None, since: float, limit: int) -> list[Miss]:
        """Queries that found nothing since ``since``, most frequent first, then most recent;
        ``workspace`` None: every workspace together (the maintainer CLI)."""

    @abc.abstractmethod
    def explanations_by_channel(
        self, workspace: Workspace, since: float, limit: int
    ) -> list[tuple[str, int]]:
        """Terms explained per channel since ``since``: (channel, count), count descending."""

    # -- governance -------------------------------------------------------------------------
    @abc.abstractmethod
    def channel_settings(self, workspace: Workspace, channel: str) -> ChannelSettings:
        """The channel's settings (``ChannelSettings()`` when never set)."""

    @abc.abstractmethod
    def set_channel_settings(
        self, workspace: Workspace, channel: str, settings: ChannelSettings
    ) -> None:
        """Replace the channel's settings (an upsert)."""

    @abc.abstractmethod
    def opted_out(self, workspace: Workspace, user: str) -> bool:
        """True if ``user`` asked that terms in their messages are not explained."""

    @abc.abstractmethod
    def set_opted_out(self, workspace: Workspace, user: str, opted_out: bool, now: float) -> None:
        """Record the person's choice (App Home's toggle)."""

    def explain_gate(
        self, workspace: Workspace, channel: str, user: str
    ) -> tuple[ChannelSettings, bool]:
        """``channel_settings`` and ``opted_out`` together: every explanation asks both, so
        a database store answers them in one read transaction rather than two."""
        return self.channel_settings(workspace, channel), self.opted_out(workspace, user)

    @abc.abstractmethod
    def add_suggestion(
        self, workspace: Workspace, suggestion: NewSuggestion, now: float
    ) -> Suggestion:
        """Store a new suggestion, status ``waiting``; returns it with its id."""

    @abc.abstractmethod
    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """One suggestion by id, or None."""

    @abc.abstractmethod
    def suggestions(
        self, status: str | None = None, workspace: Workspace | None = None, limit: int = 1000
    ) -> list[Suggestion]:
        """Suggestions, oldest first, filtered by status and workspace when given."""

    @abc.abstractmethod
    def edit_suggestion(
        self, suggestion_id: int, suggestion: NewSuggestion, now: float
    ) -> Suggestion | None:
        """A maintainer's edit of a waiting suggestion (the suggester is kept); None if it is
        gone or already decided."""

    @abc.abstractmethod
    def decide_suggestion(
        self, suggestion_id: int, status: str, by: str, now: float
    ) -> Suggestion | None:
        """Approve or reject a waiting suggestion, atomically: only the first decision wins;
        later ones (a double click, two maintainers) get None."""

    @abc.abstractmethod
    def set_suggestion_review(self, suggestion_id: int, channel: str, ts: str) -> None:
        """Remember where the suggestion was posted for review."""

    # -- upkeep -----------------------------------------------------------------------------
    @abc.abstractmethod
    def prune(self, now: float, *, cooldown_s: float, retention_s: float) -> Pruned:
        """Delete what has expired: once-keys (``ONCE_KEYS_KEPT_S``), cooldown rows
        older than ``cooldown_s`` (they block nothing), explanations, lookups, failed jobs and
        decided suggestions (by ``decided_at``) older than ``retention_s``; and OAuth states
        that have expired.

        Channel settings and preferences are never pruned: they are choices people made, not
        a log of what happened, and expiring them would silently turn a channel's explanations
        back on or explain an opted-out person's messages again. They go when changed, or by
        ``purge``. Waiting suggestions stay until a maintainer decides them."""

    @abc.abstractmethod
    def purge(
        self,
        *,
        enterprise_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
    ) -> Pruned:
        """Delete, in one transaction, every row of every table that matches all the given ids:
        on ``app_uninstalled`` / ``tokens_revoked`` and for an erasure request.

        ``team_id`` alone matches that workspace in any organisation; ``enterprise_id`` alone,
        every workspace of the organisation and its org-wide installation. The installation
        store's rows (tokens) go with their workspace or organisation, as do channel settings,
        preferences and suggestions. ``user_id`` limits the purge to that person: their lookups
        and preferences are deleted; where their id only names them in a row that others still
        need (a suggestion they made or decided, channel settings they last changed), the id
        is blanked and the row stays for the maintainers and the channel (``Pruned`` counts
        those rows under ``suggestions`` and ``channel_settings``). Jobs are left alone
        even if their payload names them (a queued one runs within minutes, a failed one goes
        when retention ends), and the installer's id stays with the installation it belongs
        to. ``ValueError`` unless at least one id is given, and for an empty one (it would
        match rows of no workspace).
        """

    @abc.abstractmethod
    def health(self) -> StoreHealth:
        """Read-only and fast (no write lock): reachable? schema current? Never raises."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; afterwards every operation raises ``StoreError``."""
