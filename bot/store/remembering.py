"""A store wrapper that remembers its own recent explanation claims, to skip the database.

Busy partner channels repeat the same terms all day, and after the first explanation every
repeat is refused by the cooldown — but finding that out costs a write transaction. What this
process itself claimed is known without asking: a term it explained in a channel less than a
cooldown ago, or in the same thread ever, would be refused by the database too, because the
database holds at least that claim. So those are filtered out here; everything else (other
processes' claims, anything forgotten) still goes to the wrapped store, which stays the only
authority. Forgetting is always safe, so memory is bounded by simply starting afresh.

Thread claims are remembered by (channel, thread, term) alone, as the database keeps them
(a shared channel is explained once, whichever workspace asks); channel claims by workspace
too, as cooldowns are kept, so two workspaces never share one here either.

A release, prune or purge made through this wrapper is forgotten here too. One made by another
process is not: this process may then refuse a term the database would allow, never repeat one,
so claim and release an explanation in the same process.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from bot.store.base import (
    ChannelSettings,
    Job,
    JobStats,
    Later,
    Miss,
    NewJob,
    NewSuggestion,
    Pruned,
    Store,
    StoreHealth,
    Suggestion,
    Workspace,
    cooldown_cutoff,
)

MAX_REMEMBERED = 100_000


class RememberingStore(Store):
    """Delegates everything; answers refusals it can prove from its own claims."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._channel_claims: dict[tuple[Workspace, str, str], float] = {}
        self._thread_claims: dict[tuple[str, str, str], float] = {}
        self._own_claim_ids: set[str] = set()
        """Claims made here with an id: a retry of that job must ask the store, which knows."""

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
        retried = bool(claim_id) and claim_id in self._own_claim_ids
        with self._lock:
            fresh = [
                term
                for term in terms
                # A job retried in this process: only the store knows what it claimed before.
                if retried
                or (
                    (channel, thread_ts, term) not in self._thread_claims
                    and self._channel_claims.get((workspace, channel, term), -math.inf)
                    <= cooldown_cutoff(now, cooldown_s)
                )
            ]
        if not fresh:
            return []
        allowed = self.store.claim_explanations(
            workspace, channel, thread_ts, fresh, now, cooldown_s, claim_id
        )
        with self._lock:
            if claim_id:
                if len(self._own_claim_ids) > MAX_REMEMBERED:
                    self._own_claim_ids.clear()
                self._own_claim_ids.add(claim_id)
            if len(self._thread_claims) + len(allowed) > MAX_REMEMBERED:
                self._thread_claims.clear()
                self._channel_claims.clear()
            for term in allowed:
                self._thread_claims[(channel, thread_ts, term)] = now
                self._channel_claims[(workspace, channel, term)] = now
        return allowed

    def release_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        claimed_at: float,
    ) -> None:
        """Forget our own claims first: a remembered claim that was undone would refuse wrongly.

        A thread claim of the same time by another workspace is forgotten too: that is safe."""
        with self._lock:
            for term in terms:
                if self._thread_claims.get((channel, thread_ts, term)) == claimed_at:
                    del self._thread_claims[(channel, thread_ts, term)]
                if self._channel_claims.get((workspace, channel, term)) == claimed_at:
                    del self._channel_claims[(workspace, channel, term)]
        self.store.release_explanations(workspace, channel, thread_ts, terms, claimed_at)

    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        return self.store.enqueue(jobs, now)

    def enqueue_later(self, jobs: Sequence[NewJob], now: float) -> Later[int]:
        return self.store.enqueue_later(jobs, now)

    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        return self.store.claim_jobs(limit, now, lease_s, max_attempts)

    def renew_jobs(self, jobs: Sequence[Job], now: float, lease_s: float) -> list[int]:
        return self.store.renew_jobs(jobs, now, lease_s)

    def finish_job(self, job: Job, now: float) -> bool:
        return self.store.finish_job(job, now)

    def finish_job_later(self, job: Job, now: float) -> Later[bool]:
        return self.store.finish_job_later(job, now)

    def fail_job(self, job: Job, error: str, now: float) -> bool:
        return self.store.fail_job(job, error, now)

    def release_jobs(self, jobs: Sequence[Job], now: float) -> int:
        return self.store.release_jobs(jobs, now)

    def job_stats(self, now: float) -> JobStats:
        return self.store.job_stats(now)

    def claim_once(self, key: str, now: float) -> bool:
        return self.store.claim_once(key, now)

    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        self.store.record_lookup(workspace, query, term, now, user)

    def top_terms(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        return self.store.top_terms(workspace, limit)

    def recent_misses(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        return self.store.recent_misses(workspace, limit)

    def misses(self, workspace: Workspace | None, since: float, limit: int) -> list[Miss]:
        return self.store.misses(workspace, since, limit)

    def explanations_by_channel(
        self, workspace: Workspace, since: float, limit: int
    ) -> list[tuple[str, int]]:
        return self.store.explanations_by_channel(workspace, since, limit)

    def channel_settings(self, workspace: Workspace, channel: str) -> ChannelSettings:
        return self.store.channel_settings(workspace, channel)

    def set_channel_settings(
        self, workspace: Workspace, channel: str, settings: ChannelSettings
    ) -> None:
        self.store.set_channel_settings(workspace, channel, settings)

    def opted_out(self, workspace: Workspace, user: str) -> bool:
        return self.store.opted_out(workspace, user)

    def set_opted_out(self, workspace: Workspace, user: str, opted_out: bool, now: float) -> None:
        self.store.set_opted_out(workspace, user, opted_out, now)

    def explain_gate(
        self, workspace: Workspace, channel: str, user: str
    ) -> tuple[ChannelSettings, bool]:
        return self.store.explain_gate(workspace, channel, user)

    def add_suggestion(
        self, workspace: Workspace, suggestion: NewSuggestion, now: float
    ) -> Suggestion:
        return self.store.add_suggestion(workspace, suggestion, now)

    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        return self.store.suggestion(suggestion_id)

    def suggestions(
        self, status: str | None = None, workspace: Workspace | None = None, limit: int = 1000
    ) -> list[Suggestion]:
        return self.store.suggestions(status, workspace, limit)

    def edit_suggestion(
        self, suggestion_id: int, suggestion: NewSuggestion, now: float
    ) -> Suggestion | None:
        return self.store.edit_suggestion(suggestion_id, suggestion, now)

    def decide_suggestion(
        self, suggestion_id: int, status: str, by: str, now: float
    ) -> Suggestion | None:
        return self.store.decide_suggestion(suggestion_id, status, by, now)

    def set_suggestion_review(self, suggestion_id: int, channel: str, ts: str) -> None:
        self.store.set_suggestion_review(suggestion_id, channel, ts)

    def prune(self, now: float, *, cooldown_s: float, retention_s: float) -> Pruned:
        """Forget what the database forgets: a thread may hear a term again after retention."""
        with self._lock:
            self._thread_claims = {
                key: at for key, at in self._thread_claims.items() if at >= now - retention_s
            }
            self._channel_claims = {
                key: at for key, at in self._channel_claims.items() if at > now - cooldown_s
            }
        return self.store.prune(now, cooldown_s=cooldown_s, retention_s=retention_s)

    def purge(
        self,
        *,
        enterprise_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
    ) -> Pruned:
        """Forget everything once the database has purged (forgetting is always safe): a
        workspace installed again must not be refused what its deleted claims refused."""
        pruned = self.store.purge(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        with self._lock:
            self._thread_claims.clear()
            self._channel_claims.clear()
        return pruned

    def health(self) -> StoreHealth:
        return self.store.health()

    def close(self) -> None:
        self.store.close()
