"""An in-memory ``Store`` for handler tests and the console: same rules as ``SqlStore``, no I/O.

One lock guards all state, which is what makes each claim atomic across threads. Jobs live in
``memory_jobs``; channel settings, opt-outs and suggestions in ``memory_governance``. Nothing
survives the process, so it is not for production; it has no installation store either, so
``purge`` deletes no installations here.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.store.base import (
    ONCE_KEYS_KEPT_S,
    PURGE_KIND,
    Job,
    JobStats,
    Miss,
    NewJob,
    Pruned,
    Store,
    StoreError,
    StoreHealth,
    Workspace,
    cooldown_cutoff,
    purge_criteria,
)
from bot.store.memory_governance import GovernanceMethods, GovernanceTables
from bot.store.memory_jobs import JobTable
from bot.store.misses import rank_misses

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Lookup:
    query: str
    term: str | None
    at: float
    user: str
    workspace: Workspace


@dataclass(frozen=True, slots=True)
class _Explained:
    at: float
    workspace: Workspace
    claim_id: str = ""


def _belongs(workspace: Workspace, criteria: dict[str, str]) -> bool:
    """``workspace`` matches the purge's workspace criteria (``user_id`` is checked apart)."""
    return all(
        getattr(workspace, name) == value for name, value in criteria.items() if name != "user_id"
    )


class MemoryStore(GovernanceMethods, Store):
    """Keeps jobs, keys, explanations and lookups in dicts behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._jobs = JobTable()
        self._once: dict[str, float] = {}
        self._explained: dict[tuple[str, str, str], _Explained] = {}
        self._last_in_channel: dict[tuple[Workspace, str, str], float] = {}
        self._lookups: list[_Lookup] = []
        self._gov = GovernanceTables()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the state store is closed")

    @contextlib.contextmanager
    def _open(self) -> Iterator[None]:
        """Hold the lock of an open store."""
        with self._lock:
            self._check_open()
            yield

    # -- durable work ----------------------------------------------------------------------
    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        with self._lock:
            self._check_open()
            return self._jobs.enqueue(jobs, self._once, now)

    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        with self._lock:
            self._check_open()
            return self._jobs.claim(limit, now, lease_s, max_attempts)

    def renew_jobs(self, jobs: Sequence[Job], now: float, lease_s: float) -> list[int]:
        with self._lock:
            self._check_open()
            return self._jobs.renew(jobs, now, lease_s)

    def finish_job(self, job: Job, now: float) -> bool:
        with self._lock:
            self._check_open()
            return self._jobs.finish(job)

    def fail_job(self, job: Job, error: str, now: float) -> bool:
        with self._lock:
            self._check_open()
            return self._jobs.fail(job, error)

    def release_jobs(self, jobs: Sequence[Job], now: float) -> int:
        with self._lock:
            self._check_open()
            return self._jobs.release(jobs, now)

    def job_stats(self, now: float) -> JobStats:
        with self._lock:
            self._check_open()
            return self._jobs.stats(now)

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
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        now: float,
        cooldown_s: float,
        claim_id: str = "",
    ) -> list[str]:
        granted: list[str] = []
        with self._lock:
            self._check_open()
            for term in dict.fromkeys(terms):
                held = self._explained.get((channel, thread_ts, term))
                if held is not None and claim_id and held.claim_id == claim_id:
                    self._explained[(channel, thread_ts, term)] = _Explained(
                        now, workspace, claim_id
                    )
                    self._last_in_channel[(workspace, channel, term)] = now
                    granted.append(term)  # our own earlier claim: this attempt posts it
                    continue
                last = self._last_in_channel.get((workspace, channel, term))
                # Same comparison as SqlStore's upsert WHERE, so both agree at the boundary.
                cooling = last is not None and not last <= cooldown_cutoff(now, cooldown_s)
                if held is not None or cooling:
                    continue
                self._explained[(channel, thread_ts, term)] = _Explained(now, workspace, claim_id)
                self._last_in_channel[(workspace, channel, term)] = now
                granted.append(term)
        return granted

    def release_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        claimed_at: float,
    ) -> None:
        with self._lock:
            self._check_open()
            for term in terms:
                held = self._explained.get((channel, thread_ts, term))
                if held is not None and (held.at, held.workspace) == (claimed_at, workspace):
                    del self._explained[(channel, thread_ts, term)]
                if self._last_in_channel.get((workspace, channel, term)) == claimed_at:
                    del self._last_in_channel[(workspace, channel, term)]

    # -- lookups ----------------------------------------------------------------------------
    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        lookup = _Lookup(query, term, now, user if term is not None else "", workspace)
        with self._lock:
            self._check_open()
            self._lookups.append(lookup)

    def _lookups_of(self, workspace: Workspace) -> list[_Lookup]:
        with self._lock:
            self._check_open()
            return [x for x in self._lookups if x.workspace == workspace]

    def top_terms(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        counts = Counter(x.term for x in self._lookups_of(workspace) if x.term is not None)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked[: max(limit, 0)]

    def recent_misses(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        misses = [x for x in self._lookups_of(workspace) if x.term is None]
        counts = Counter(x.query for x in misses)
        last: dict[str, float] = {}
        for miss in misses:
            last[miss.query] = max(miss.at, last.get(miss.query, miss.at))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], -last[item[0]], item[0]))
        return ranked[: max(limit, 0)]

    def misses(self, workspace: Workspace | None, since: float, limit: int) -> list[Miss]:
        groups: dict[str, tuple[str, int, float, float]] = {}
        with self._open():
            for x in self._lookups:
                if x.term is None and x.at >= since and workspace in (None, x.workspace):
                    _, n, first, last = groups.get(x.query, (x.query, 0, x.at, x.at))
                    groups[x.query] = (x.query, n + 1, min(first, x.at), max(last, x.at))
        return rank_misses(groups.values(), limit)

    def explanations_by_channel(
        self, workspace: Workspace, since: float, limit: int
    ) -> list[tuple[str, int]]:
        with self._open():
            counts = Counter(
                channel
                for (channel, _, _), row in self._explained.items()
                if row.workspace == workspace and row.at >= since
            )
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: max(limit, 0)]

    # -- upkeep -----------------------------------------------------------------------------
    def prune(self, now: float, *, cooldown_s: float, retention_s: float) -> Pruned:
        kept_from = now - retention_s
        with self._lock:
            self._check_open()
            return Pruned(
                events=_drop(self._once, lambda at: at < now - ONCE_KEYS_KEPT_S),
                explanations=_drop(self._explained, lambda row: row.at < kept_from),
                cooldowns=_drop(self._last_in_channel, lambda at: at <= now - cooldown_s),
                lookups=self._drop_lookups(lambda x: x.at < kept_from),
                jobs=self._jobs.delete(
                    lambda row: row.status == "failed" and row.created_at < kept_from
                ),
                suggestions=self._gov.prune(kept_from),
            )

    def purge(
        self,
        *,
        enterprise_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
    ) -> Pruned:
        criteria = purge_criteria(enterprise_id, team_id, user_id)
        with self._lock:
            self._check_open()

            def belongs(workspace: Workspace) -> bool:
                return _belongs(workspace, criteria)

            if user_id is not None:  # lookups, preferences and ids in governance rows
                settings, preferences, suggestions = self._gov.purge_person(user_id, belongs)
                return Pruned(
                    lookups=self._drop_lookups(
                        lambda x: x.user == user_id and _belongs(x.workspace, criteria)
                    ),
                    channel_settings=settings,
                    preferences=preferences,
                    suggestions=suggestions,
                )
            settings, preferences, suggestions = self._gov.purge_workspaces(belongs)
            return Pruned(
                channel_settings=settings,
                preferences=preferences,
                suggestions=suggestions,
                jobs=self._jobs.delete(
                    lambda row: _belongs(row.workspace, criteria) and row.kind != PURGE_KIND
                ),
                explanations=_drop(self._explained, lambda row: _belongs(row.workspace, criteria)),
                cooldowns=_drop_keys(self._last_in_channel, lambda key: _belongs(key[0], criteria)),
                lookups=self._drop_lookups(lambda x: _belongs(x.workspace, criteria)),
            )

    def _drop_lookups(self, doomed: Callable[[_Lookup], bool]) -> int:
        before = len(self._lookups)
        self._lookups = [x for x in self._lookups if not doomed(x)]
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
    return _drop_keys(rows, lambda key: expired(rows[key]))


def _drop_keys(rows: dict[K, V], doomed: Callable[[K], bool]) -> int:
    """Delete the entries whose key is doomed; returns how many."""
    gone = [key for key in rows if doomed(key)]
    for key in gone:
        del rows[key]
    return len(gone)
