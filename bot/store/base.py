"""The state store's interface: what the bot must remember between requests and replicas.

Four jobs:
- **durable work**: a ``jobs`` table written before Slack is acked, taken by worker threads
  of any replica under a lease (``enqueue``, ``claim_jobs``, ``finish_job``…);
- **once only**: Slack's retries and double clicks (a job's ``dedupe_key``), and any "exactly
  one replica does this" claim (``claim_once``);
- **explanations**: which terms were explained where, so a thread is never told twice and a
  channel not again within a cooldown (``claim_explanations`` / ``release_explanations``);
- **lookups**: counts for "most looked up" and the misses maintainers read.

Callers pass the time in (float epoch seconds) so tests control the clock. Every claim is
atomic: several threads and several processes share one database, so "check, then write" must
never let two callers win the same claim. Every backend failure surfaces as ``StoreError``, the
one exception type callers catch; the store itself never logs it (the caller decides).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ONCE_KEYS_KEPT_S = 24 * 3600.0
"""How long ``prune`` keeps once-keys (and job dedupe keys): far beyond Slack's retries."""
JOB_ERROR_MAX_CHARS = 2000
"""``fail_job`` keeps this much of the error: enough for an operator's first look."""


class StoreError(Exception):
    """The store could not do its job (database unreachable, unwritable file, store closed)."""


@dataclass(frozen=True, slots=True)
class NewJob:
    """Work to do after the ack. ``payload`` is JSON-serialisable; a repeated ``dedupe_key``
    (a Slack retry, a replayed click) is silently not inserted again."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job. ``lease`` is the token of this claim: finishing or failing a job whose
    lease was taken over by another worker (ours expired) changes nothing."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    lease: str


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
    """How many rows ``prune`` deleted; ``events`` counts once-keys (Slack event claims)."""

    events: int = 0
    explanations: int = 0
    cooldowns: int = 0
    lookups: int = 0
    jobs: int = 0


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
    def finish_job(self, job: Job, now: float) -> bool:
        """The job is done (it is deleted); False if our lease was lost meanwhile."""

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
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        """The terms (input order, without repeats) that may be explained in this thread now.

        A term qualifies if it was never explained in this thread and not explained anywhere in
        this channel during the last ``cooldown_s`` seconds (``now - last < cooldown_s`` blocks).
        The qualifying terms are recorded as explained at ``now`` in the same atomic step, so two
        concurrent calls never both get the same term.
        """

    @abc.abstractmethod
    def release_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], claimed_at: float
    ) -> None:
        """Undo a claim made at ``claimed_at`` whose post failed: the terms were not explained."""

    # -- lookups ----------------------------------------------------------------------------
    @abc.abstractmethod
    def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
        """Count one lookup of ``query`` that found ``term``; ``term=None`` records a miss."""

    @abc.abstractmethod
    def top_terms(self, limit: int) -> list[tuple[str, int]]:
        """The most looked-up terms with their counts: count descending, then name."""

    @abc.abstractmethod
    def recent_misses(self, limit: int) -> list[tuple[str, int]]:
        """Queries that found nothing, with counts: most frequent first, then most recent."""

    # -- upkeep -----------------------------------------------------------------------------
    @abc.abstractmethod
    def prune(self, now: float, *, cooldown_s: float, retention_s: float) -> Pruned:
        """Delete what has expired: once-keys (``ONCE_KEYS_KEPT_S``), cooldown rows
        older than ``cooldown_s`` (they block nothing), explanations, lookups and failed jobs
        older than ``retention_s``."""

    @abc.abstractmethod
    def health(self) -> StoreHealth:
        """Read-only and fast (no write lock): reachable? schema current? Never raises."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; afterwards every operation raises ``StoreError``."""
