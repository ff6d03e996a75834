"""An in-memory ``Store`` for handler tests and the console: same rules as ``SqlStore``, no I/O.

One lock guards all state, which is what makes each claim atomic across Bolt's worker threads.
Nothing survives the process, so it is not for production.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.base import Store, StoreError


@dataclass(frozen=True, slots=True)
class _Lookup:
    query: str
    term: str | None
    at: float
    user: str


class MemoryStore(Store):
    """Keeps events, explanations and lookups in dicts behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._events: dict[str, float] = {}
        self._explained: set[tuple[str, str, str]] = set()
        self._last_in_channel: dict[tuple[str, str], float] = {}
        self._lookups: list[_Lookup] = []

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the state store is closed")

    def claim_event(self, event_id: str, now: float) -> bool:
        with self._lock:
            self._check_open()
            if event_id in self._events:
                return False
            self._events[event_id] = now
            return True

    def prune_events(self, older_than: float) -> int:
        with self._lock:
            self._check_open()
            old = [event_id for event_id, seen in self._events.items() if seen < older_than]
            for event_id in old:
                del self._events[event_id]
            return len(old)

    def claim_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        granted: list[str] = []
        with self._lock:
            self._check_open()
            for term in dict.fromkeys(terms):
                last = self._last_in_channel.get((channel, term))
                # Same comparison as SqlStore's UPDATE ... WHERE, so both agree at the boundary.
                cooling = last is not None and not last <= now - cooldown_s
                if (channel, thread_ts, term) in self._explained or cooling:
                    continue
                self._explained.add((channel, thread_ts, term))
                self._last_in_channel[(channel, term)] = now
                granted.append(term)
        return granted

    def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
        with self._lock:
            self._check_open()
            self._lookups.append(_Lookup(query, term, now, user))

    def top_terms(self, limit: int) -> list[tuple[str, int]]:
        with self._lock:
            self._check_open()
            counts = Counter(x.term for x in self._lookups if x.term is not None)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked[: max(limit, 0)]

    def recent_misses(self, limit: int) -> list[tuple[str, int]]:
        with self._lock:
            self._check_open()
            misses = [x for x in self._lookups if x.term is None]
        counts = Counter(x.query for x in misses)
        last: dict[str, float] = {}
        for miss in misses:
            last[miss.query] = max(miss.at, last.get(miss.query, miss.at))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], -last[item[0]], item[0]))
        return ranked[: max(limit, 0)]

    def healthy(self) -> bool:
        return not self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
