"""``MemoryStore``'s job table: the same rules as ``sql_jobs``, on a dict.

Not thread-safe on its own: ``MemoryStore`` calls it under its one lock. Payloads go through
JSON as they would in a database, so a test catches a payload production could not store.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.store.base import JOB_ERROR_MAX_CHARS, NO_WORKSPACE, Job, JobStats, NewJob, Workspace


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    kind: str
    payload: str
    dedupe_key: str | None
    created_at: float
    workspace: Workspace = NO_WORKSPACE
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


class JobTable:
    """Jobs by id (insertion order is id order); dedupe keys live in the caller's once-keys."""

    def __init__(self) -> None:
        self.rows: dict[int, JobRow] = {}
        self._next_id = 1

    def enqueue(self, jobs: Sequence[NewJob], once: dict[str, float], now: float) -> int:
        rows = [(job, json.dumps(job.payload, separators=(",", ":"))) for job in jobs]
        added = 0
        for job, payload in rows:
            if job.dedupe_key is not None:
                key = f"job:{job.dedupe_key}"
                taken = any(row.dedupe_key == job.dedupe_key for row in self.rows.values())
                if key in once or taken:
                    continue
                once[key] = now
            row = JobRow(
                self._next_id,
                job.kind,
                payload,
                job.dedupe_key,
                now,
                workspace=job.workspace,
                available_at=now,
            )
            self.rows[row.id] = row
            self._next_id += 1
            added += 1
        return added

    def claim(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        claimed: list[Job] = []
        for row in list(self.rows.values()):
            if len(claimed) >= limit:
                break
            if not row.claimable(now):
                continue
            if row.attempts >= max_attempts:
                error = f"gave up after {row.attempts} attempts"
                self.rows[row.id] = replace(
                    row, status="failed", lease=None, lease_until=None, error=error
                )
                continue
            lease = uuid.uuid4().hex
            attempts = row.attempts + 1
            self.rows[row.id] = replace(
                row, status="running", lease=lease, lease_until=now + lease_s, attempts=attempts
            )
            payload = json.loads(row.payload)
            claimed.append(Job(row.id, row.kind, payload, attempts, lease, row.workspace))
        return claimed

    def _ours(self, job: Job) -> JobRow | None:
        row = self.rows.get(job.id)
        return row if row and row.status == "running" and row.lease == job.lease else None

    def renew(self, jobs: Sequence[Job], now: float, lease_s: float) -> list[int]:
        renewed: list[int] = []
        for job in sorted(jobs, key=lambda job: job.id):
            row = self._ours(job)
            if row is not None:
                self.rows[job.id] = replace(row, lease_until=now + lease_s)
                renewed.append(job.id)
        return renewed

    def finish(self, job: Job) -> bool:
        if self._ours(job) is None:
            return False
        del self.rows[job.id]
        return True

    def fail(self, job: Job, error: str) -> bool:
        row = self._ours(job)
        if row is None:
            return False
        self.rows[job.id] = replace(
            row, status="failed", lease=None, lease_until=None, error=error[:JOB_ERROR_MAX_CHARS]
        )
        return True

    def release(self, jobs: Sequence[Job], now: float) -> int:
        released = 0
        for job in jobs:
            row = self._ours(job)
            if row is None:
                continue
            self.rows[job.id] = replace(
                row,
                status="queued",
                lease=None,
                lease_until=None,
                available_at=now,
                attempts=row.attempts - 1,
            )
            released += 1
        return released

    def stats(self, now: float) -> JobStats:
        rows = list(self.rows.values())
        queued = [row.created_at for row in rows if row.status == "queued"]
        return JobStats(
            queued=len(queued),
            running=sum(row.status == "running" for row in rows),
            failed=sum(row.status == "failed" for row in rows),
            oldest_queued_s=max(0.0, now - min(queued, default=now)),
        )

    def delete(self, doomed: Callable[[JobRow], bool]) -> int:
        """Delete the rows ``doomed`` picks (prune, purge); returns how many."""
        gone = [key for key, row in self.rows.items() if doomed(row)]
        for key in gone:
            del self.rows[key]
        return len(gone)
