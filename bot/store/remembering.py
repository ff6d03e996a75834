"""A store wrapper that remembers its own recent explanation claims, to skip the database.

Busy partner channels repeat the same terms all day, and after the first explanation every
repeat is refused by the cooldown — but finding that out costs a write transaction. What this
process itself claimed is known without asking: a term it explained in a channel less than a
cooldown ago, or in the same thread ever, would be refused by the database too, because the
database holds at least that claim. So those are filtered out here; everything else (other
processes' claims, anything forgotten) still goes to the wrapped store, which stays the only
authority. Forgetting is always safe, so memory is bounded by simply starting afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from bot.store.base import Store

MAX_REMEMBERED = 100_000


class RememberingStore(Store):
    """Delegates everything; answers refusals it can prove from its own claims."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._channel_claims: dict[tuple[str, str], float] = {}
        self._thread_claims: set[tuple[str, str, str]] = set()

    def claim_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        with self._lock:
            fresh = [
                term
                for term in terms
                if (channel, thread_ts, term) not in self._thread_claims
                and now - self._channel_claims.get((channel, term), -cooldown_s - 1) >= cooldown_s
            ]
        if not fresh:
            return []
        allowed = self.store.claim_explanations(channel, thread_ts, fresh, now, cooldown_s)
        with self._lock:
            if len(self._thread_claims) + len(allowed) > MAX_REMEMBERED:
                self._thread_claims.clear()
                self._channel_claims.clear()
            for term in allowed:
                self._thread_claims.add((channel, thread_ts, term))
                self._channel_claims[(channel, term)] = now
        return allowed

    def claim_event(self, event_id: str, now: float) -> bool:
        return self.store.claim_event(event_id, now)

    def prune_events(self, older_than: float) -> int:
        return self.store.prune_events(older_than)

    def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
        self.store.record_lookup(query, term, now, user)

    def top_terms(self, limit: int) -> list[tuple[str, int]]:
        return self.store.top_terms(limit)

    def recent_misses(self, limit: int) -> list[tuple[str, int]]:
        return self.store.recent_misses(limit)

    def healthy(self) -> bool:
        return self.store.healthy()

    def close(self) -> None:
        self.store.close()
