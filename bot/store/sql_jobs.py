"""The jobs table's statements, each run inside a transaction ``SqlStore`` opens.

Claiming locks the rows it picks: PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (a concurrent
claimer skips them and takes the next ones, nobody waits), SQLite by the ``BEGIN IMMEDIATE``
write lock that serialises whole transactions (SQLAlchemy drops ``FOR UPDATE`` there). Every
change to a claimed job matches its lease token, so a worker whose lease was taken over
changes nothing: neither a renewal (which only extends a lease still ours) nor a settlement.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)

from bot.store.base import JOB_ERROR_MAX_CHARS, Job, JobStats, NewJob
from bot.store.schema import insert_new, jobs, once_keys, stored, workspace_of


def enqueue(conn: Connection, new_jobs: Sequence[NewJob], now: float) -> int:
    """Insert the jobs; a dedupe key is also kept as a once-key, so a Slack retry that arrives
    after the job finished (and was deleted) is still recognised."""
    added = 0
    for job in new_jobs:
        payload = json.dumps(job.payload, separators=(",", ":"))
        if job.dedupe_key is not None and not insert_new(
            conn, once_keys, key=f"job:{job.dedupe_key}", claimed_at=now
        ):
            continue
        added += insert_new(
            conn,
            jobs,
            kind=job.kind,
            payload=payload,
            dedupe_key=job.dedupe_key,
            status="queued",
            attempts=0,
            available_at=now,
            created_at=now,
            **stored(job.workspace),
        )
    return added


def _claimable(now: float) -> ColumnElement[bool]:
    """Queued and due, or running with a lease that has ended (its worker died)."""
    return or_(
        and_(jobs.c.status == "queued", jobs.c.available_at <= now),
        and_(jobs.c.status == "running", jobs.c.lease_until <= now),
    )


def claim(conn: Connection, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
    """Lease up to ``limit`` jobs, oldest first; exhausted ones are marked failed on the way."""
    claimed: list[Job] = []
    while len(claimed) < limit:
        rows = conn.execute(
            select(
                jobs.c.id,
                jobs.c.kind,
                jobs.c.payload,
                jobs.c.attempts,
                jobs.c.enterprise_id,
                jobs.c.team_id,
            )
            .where(_claimable(now))
            .order_by(jobs.c.id)
            .limit(limit - len(claimed))
            .with_for_update(skip_locked=True)
        ).all()
        gave_up = False
        for row in rows:
            if row.attempts >= max_attempts:
                gave_up = True
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id)
                    .values(
                        status="failed",
                        lease=None,
                        lease_until=None,
                        error=f"gave up after {row.attempts} attempts",
                    )
                )
                continue
            lease = uuid.uuid4().hex
            conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id)
                .values(
                    status="running",
                    lease=lease,
                    lease_until=now + lease_s,
                    attempts=row.attempts + 1,
                )
            )
            payload = json.loads(row.payload)
            claimed.append(
                Job(row.id, row.kind, payload, row.attempts + 1, lease, workspace_of(row))
            )
        if not gave_up:  # otherwise look again: the failed ones left room under ``limit``
            break
    return claimed


def _ours(job: Job) -> ColumnElement[bool]:
    return and_(jobs.c.id == job.id, jobs.c.lease == job.lease, jobs.c.status == "running")


_RENEW = (
    update(jobs)
    .where(
        jobs.c.id == bindparam("k_id"),
        jobs.c.lease == bindparam("k_lease"),
        jobs.c.status == "running",
    )
    .values(lease_until=bindparam("k_until"))
)
"""Extend one lease still ours; built once, run with parameters ("k_": not a column's name)."""


def renew(conn: Connection, held: Sequence[Job], now: float, lease_s: float) -> list[int]:
    """The ids whose lease was extended to ``now + lease_s``. In id order, the order claims
    lock rows in, so two transactions never wait on each other's rows in a cycle."""
    renewed: list[int] = []
    for job in sorted(held, key=lambda job: job.id):
        params = {"k_id": job.id, "k_lease": job.lease, "k_until": now + lease_s}
        if conn.execute(_RENEW, params).rowcount == 1:
            renewed.append(job.id)
    return renewed


def finish(conn: Connection, job: Job) -> bool:
    return conn.execute(delete(jobs).where(_ours(job))).rowcount == 1


def fail(conn: Connection, job: Job, error: str) -> bool:
    result = conn.execute(
        update(jobs)
        .where(_ours(job))
        .values(status="failed", lease=None, lease_until=None, error=error[:JOB_ERROR_MAX_CHARS])
    )
    return result.rowcount == 1


def release(conn: Connection, claimed: Sequence[Job], now: float) -> int:
    """Queue the jobs again, due now; the attempt they never started is not counted."""
    released = 0
    for job in claimed:
        result = conn.execute(
            update(jobs)
            .where(_ours(job))
            .values(
                status="queued",
                lease=None,
                lease_until=None,
                available_at=now,
                attempts=jobs.c.attempts - 1,
            )
        )
        released += result.rowcount
    return released


def stats(conn: Connection, now: float) -> JobStats:
    counts = {"queued": 0, "running": 0, "failed": 0}
    oldest = now
    rows = conn.execute(
        select(jobs.c.status, func.count(), func.min(jobs.c.created_at)).group_by(jobs.c.status)
    )
    for status, count, first in rows:
        counts[status] = int(count)
        if status == "queued":
            oldest = float(first)
    return JobStats(
        queued=counts["queued"],
        running=counts["running"],
        failed=counts["failed"],
        oldest_queued_s=max(0.0, now - oldest),
    )
