"""The jobs table's statements, each run inside a transaction ``SqlStore`` opens.

Claiming locks the rows it picks: PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (a concurrent
claimer skips them and takes the next ones, nobody waits), SQLite by the ``BEGIN IMMEDIATE``
write lock that serialises whole transactions (SQLAlchemy drops ``FOR UPDATE`` there). Every
change to a claimed job matches its lease token, so a worker whose lease was taken over
changes nothing: neither a renewal (which only extends a lease still ours) nor a settlement.

Each statement is built once and run with parameters ("k_": not a column's name). Building one
per call (``.where(...)``, ``.values(...)``, then its cache key) cost more CPU than the database
did: a claim of four jobs three times over, a finish twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    func,
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


def _oldest(claimable: ColumnElement[bool]) -> Select[Any]:
    """The oldest ``k_limit`` claimable rows of one status, locked (others skip them). One
    status per query, so the ``(status, id)`` index yields them in order and the scan stops
    at ``k_limit``: with both statuses in one ``OR``, SQLite read and sorted every queued row,
    so each claim cost more the longer the backlog was."""
    return (
        select(
            jobs.c.id,
            jobs.c.kind,
            jobs.c.payload,
            jobs.c.attempts,
            jobs.c.enterprise_id,
            jobs.c.team_id,
        )
        .where(claimable)
        .order_by(jobs.c.id)
        .limit(bindparam("k_limit"))
        .with_for_update(skip_locked=True)
    )


_ABANDONED = _oldest(and_(jobs.c.status == "running", jobs.c.lease_until <= bindparam("k_now")))
"""Running with a lease that has ended: its worker died. Rows of it and ``_DUE`` locked but
not taken (beyond the limit, by id) are skipped by other claimers until our commit, no longer."""
_DUE = _oldest(and_(jobs.c.status == "queued", jobs.c.available_at <= bindparam("k_now")))
_TAKE = (
    update(jobs)
    .where(jobs.c.id == bindparam("k_id"))
    .values(
        status="running",
        lease=bindparam("k_lease"),
        lease_until=bindparam("k_until"),
        attempts=bindparam("k_attempts"),
    )
)
_GIVE_UP = (
    update(jobs)
    .where(jobs.c.id == bindparam("k_id"))
    .values(status="failed", lease=None, lease_until=None, error=bindparam("k_error"))
)


def claim(conn: Connection, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
    """Lease up to ``limit`` jobs, oldest first; exhausted ones are marked failed on the way.
    The rows picked are locked (or, on SQLite, the whole database is), so their updates go in
    one batch of parameters."""
    claimed: list[Job] = []
    while len(claimed) < limit:
        params = {"k_now": now, "k_limit": limit - len(claimed)}
        found = [*conn.execute(_ABANDONED, params), *conn.execute(_DUE, params)]
        rows = sorted(found, key=lambda row: row.id)[: limit - len(claimed)]
        taken: list[dict[str, object]] = []
        given_up: list[dict[str, object]] = []
        for row in rows:
            if row.attempts >= max_attempts:
                error = f"gave up after {row.attempts} attempts"
                given_up.append({"k_id": row.id, "k_error": error})
                continue
            lease = uuid.uuid4().hex
            attempts = row.attempts + 1
            taken.append(
                {"k_id": row.id, "k_lease": lease, "k_until": now + lease_s, "k_attempts": attempts}
            )
            payload = json.loads(row.payload)
            claimed.append(Job(row.id, row.kind, payload, attempts, lease, workspace_of(row)))
        if taken:
            conn.execute(_TAKE, taken)
        if not given_up:  # otherwise look again: the failed ones left room under ``limit``
            break
        conn.execute(_GIVE_UP, given_up)
    return claimed


_OURS = and_(
    jobs.c.id == bindparam("k_id"),
    jobs.c.lease == bindparam("k_lease"),
    jobs.c.status == "running",
)
"""One job still running under the lease token we hold."""

_RENEW = update(jobs).where(_OURS).values(lease_until=bindparam("k_until"))
_FINISH = delete(jobs).where(_OURS)
_FAIL = (
    update(jobs)
    .where(_OURS)
    .values(status="failed", lease=None, lease_until=None, error=bindparam("k_error"))
)
_RELEASE = (
    update(jobs)
    .where(_OURS)
    .values(
        status="queued",
        lease=None,
        lease_until=None,
        available_at=bindparam("k_now"),
        attempts=jobs.c.attempts - 1,
    )
)


def _key(job: Job) -> dict[str, object]:
    return {"k_id": job.id, "k_lease": job.lease}


def renew(conn: Connection, held: Sequence[Job], now: float, lease_s: float) -> list[int]:
    """The ids whose lease was extended to ``now + lease_s``. In id order, the order claims
    lock rows in, so two transactions never wait on each other's rows in a cycle."""
    renewed: list[int] = []
    for job in sorted(held, key=lambda job: job.id):
        if conn.execute(_RENEW, {**_key(job), "k_until": now + lease_s}).rowcount == 1:
            renewed.append(job.id)
    return renewed


def finish(conn: Connection, job: Job) -> bool:
    return conn.execute(_FINISH, _key(job)).rowcount == 1


def fail(conn: Connection, job: Job, error: str) -> bool:
    params = {**_key(job), "k_error": error[:JOB_ERROR_MAX_CHARS]}
    return conn.execute(_FAIL, params).rowcount == 1


def release(conn: Connection, claimed: Sequence[Job], now: float) -> int:
    """Queue the jobs again, due now; the attempt they never started is not counted. One
    statement per job: a batch's total row count is not reliable on every driver."""
    return sum(conn.execute(_RELEASE, {**_key(job), "k_now": now}).rowcount for job in claimed)


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
