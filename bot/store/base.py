"""The state store's interface: the little the bot must remember between messages.

Three jobs: drop Slack's event retries (``claim_event``), remember which terms were explained where
so a thread is never told twice and a channel is not told again within a cooldown
(``claim_explanations``), and count lookups for the stats on the Home tab (``record_lookup``).

Callers pass the time in (float epoch seconds) so tests control the clock. Every claim is atomic:
Bolt runs listeners on a thread pool and several processes may share one database, so "check, then
write" must never let two callers win the same claim. Every backend failure surfaces as
``StoreError``, the one exception type callers need to catch.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence


class StoreError(Exception):
    """The store could not do its job (database unreachable, unwritable file, store closed)."""


class Store(abc.ABC):
    """What the bot remembers; ``SqlStore`` in production, ``MemoryStore`` in handler tests."""

    @abc.abstractmethod
    def claim_event(self, event_id: str, now: float) -> bool:
        """True the first time ``event_id`` is seen, False for a repeat (a Slack retry)."""

    @abc.abstractmethod
    def prune_events(self, older_than: float) -> int:
        """Forget event ids first seen before ``older_than``; returns how many were deleted.

        Slack retries for about five minutes, so ids older than an hour or so are dead weight.
        """

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
    def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
        """Count one lookup of ``query`` that found ``term``; ``term=None`` records a miss.

        Queries are stored as given: normalise them first if "EQL" and "eql" should count as one.
        """

    @abc.abstractmethod
    def top_terms(self, limit: int) -> list[tuple[str, int]]:
        """The most looked-up terms with their counts: count descending, then name."""

    @abc.abstractmethod
    def recent_misses(self, limit: int) -> list[tuple[str, int]]:
        """Queries that found nothing, with counts: most frequent first, then most recent.

        These are the glossary's to-do list: what people asked for that it does not have.
        """

    @abc.abstractmethod
    def healthy(self) -> bool:
        """True when the store can serve requests right now (for health checks; never raises)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; afterwards every operation raises ``StoreError``."""
