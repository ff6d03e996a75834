"""An in-memory ``Store`` for handler tests and the console: same rules as ``SqlStore``, no I/O.

One lock guards all state, which is what makes each claim atomic across threads. Job payloads
go through JSON as they would in a database, so a test catches a payload production could not
store. Nothing survives the process, so it is not for production.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from bot.store.base import (
    JOB_ERROR_MAX_CHARS,
    ONCE_KEYS_KEPT_S,
    Job,
    JobStats,
    NewJob,
    Pruned,
    Store,
    StoreError,
    StoreHealth,
)

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Lookup:
    query: str
    term: str | None
    at: float
    user: str


@dataclass(frozen=True, slots=True)
class _JobRow:
    id: int
    kind: str
    payload: str
    dedupe_key: str | None
    created_at: float
    status: str = "queued"
    attempts: int = 0
    available_at: float = 0.0
    lease: str | None = None
    lease_until: float | None = None
    error: str | None = None

    def claimable(self, now: float) -> bool:
        if self.status == "queued":
            return self.available_at <= now
        return self.status == "running" and self.lease_until is not None and self.lease_until <= now


class MemoryStore(Store):
    """Keeps jobs, keys, explanations and lookups in dicts behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._jobs: dict[int, _JobRow] = {}  # insertion order is id order
        self._next_id = 1
        self._once: dict[str, float] = {}
        self._explained: dict[tuple[str, str, str], float] = {}
        self._last_in_channel: dict[tuple[str, str], float] = {}
        self._lookups: list[_Lookup] = []

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the state store is closed")

    # -- durable work ----------------------------------------------------------------------
    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        rows = [(job, json.dumps(job.payload, separators=(",", ":"))) for job in jobs]
        added = 0
        with self._lock:
            self._check_open()
            for job, payload in rows:
                if job.dedupe_key is not None:
                    key = f"job:{job.dedupe_key}"
                    taken = any(row.dedupe_key == job.dedupe_key for row in self._jobs.values())
                    if key in self._once or taken:
                        continue
                    self._once[key] = now
                row = _JobRow(
                    self._next_id, job.kind, payload, job.dedupe_key, now, available_at=now
                )
                self._jobs[row.id] = row
                self._next_id += 1
                added += 1
        return added

    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        claimed: list[Job] = []
        with self._lock:
            self._check_open()
            for row in list(self._jobs.values()):
                if len(claimed) >= limit:
                    break
                if not row.claimable(now):
                    continue
                if row.attempts >= max_attempts:
                    error = f"gave up after {row.attempts} attempts"
                    self._jobs[row.id] = replace(
                        row, status="failed", lease=None, lease_until=None, error=error
                    )
                    continue
                lease = uuid.uuid4().hex
                attempts = row.attempts + 1
                self._jobs[row.id] = replace(
                    row, status="running", lease=lease, lease_until=now + lease_s, attempts=attempts
                )
                claimed.append(Job(row.id, row.kind, json.loads(row.payload), attempts, lease))
        return claimed

    def _ours(self, job: Job) -> _JobRow | None:
        row = self._jobs.get(job.id)
        return row if row and row.status == "running" and row.lease == job.lease else None

    def finish_job(self, job: Job, now: float) -> bool:
        with self._lock:
            self._check_open()
            if self._ours(job) is None:
                return False
            del self._jobs[job.id]
            return True

    def fail_job(self, job: Job, error: str, now: float) -> bool:
        with self._lock:
            self._check_open()
            row = self._ours(job)
            if row is None:
                return False
            self._jobs[job.id] = replace(
                row,
                status="failed",
                lease=None,
                lease_until=None,
                error=error[:JOB_ERROR_MAX_CHARS],
            )
            return True

    def release_jobs(self, jobs: Sequence[Job], now: float) -> int:
        released = 0
        with self._lock:
            self._check_open()
            for job in jobs:
                row = self._ours(job)
                if row is None:
                    continue
                self._jobs[job.id] = replace(
                    row,
                    status="queued",
                    lease=None,
                    lease_until=None,
                    available_at=now,
                    attempts=row.attempts - 1,
                )
                released += 1
        return released

    def job_stats(self, now: float) -> JobStats:
        with self._lock:
            self._check_open()
            rows = list(self._jobs.values())
        queued = [row.created_at for row in rows if row.status == "queued"]
        return JobStats(
            queued=len(queued),
            running=sum(row.status == "running" for row in rows),
            failed=sum(row.status == "failed" for row in rows),
            oldest_queued_s=max(0.0, now - min(queued, default=now)),
        )

    # -- once only --------------------------------------------------------------------------
    def claim_once(self, key: str, now: float) -> bool:
        with self._lock:
            self._check_open()
            if key in self._once:
                return False
            self._once[key] = now
            return True

    # -- explanations -----------------------------------------------------------------------
    def claim_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        granted: list[str] = []
        with self._lock:
            self._check_open()
            for term in dict.fromkeys(terms):
                last = self._last_in_channel.get((channel, term))
                # Same comparison as SqlStore's upsert WHERE, so both agree at the boundary.
                cooling = last is not None and not last <= now - cooldown_s
                if (channel, thread_ts, term) in self._explained or cooling:
                    continue
                self._explained[(channel, thread_ts, term)] = now
                self._last_in_channel[(channel, term)] = now
                granted.append(term)
        return granted

    def release_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], claimed_at: float
    ) -> None:
        with self._lock:
            self._check_open()
            for term in terms:
                if self._explained.get((channel, thread_ts, term)) == claimed_at:
                    del self._explained[(channel, thread_ts, term)]
                if self._last_in_channel.get((channel, term)) == claimed_at:
                    del self._last_in_channel[(channel, term)]

    # -- lookups ----------------------------------------------------------------------------
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

    # -- upkeep -----------------------------------------------------------------------------
    def prune(self, now: float, *, cooldown_s: float, retention_s: float) -> Pruned:
        kept_from = now - retention_s
        with self._lock:
            self._check_open()
            return Pruned(
                events=_drop(self._once, lambda at: at < now - ONCE_KEYS_KEPT_S),
                explanations=_drop(self._explained, lambda at: at < kept_from),
                cooldowns=_drop(self._last_in_channel, lambda at: at <= now - cooldown_s),
                lookups=self._drop_lookups(kept_from),
                jobs=_drop(
                    self._jobs, lambda row: row.status == "failed" and row.created_at < kept_from
                ),
            )

    def _drop_lookups(self, kept_from: float) -> int:
        before = len(self._lookups)
        self._lookups = [x for x in self._lookups if x.at >= kept_from]
        return before - len(self._lookups)

    def health(self) -> StoreHealth:
        if self._closed:
            return StoreHealth(
                False, "memory", schema_current=False, detail="the state store is closed"
            )
        return StoreHealth(True, "memory", schema_current=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True


def _drop(rows: dict[K, V], expired: Callable[[V], bool]) -> int:
    """Delete the entries whose value has expired; returns how many."""
    gone = [key for key, value in rows.items() if expired(value)]
    for key in gone:
        del rows[key]
    return len(gone)
