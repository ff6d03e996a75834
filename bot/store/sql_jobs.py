"""The jobs table's statements, each run inside a transaction ``SqlStore`` opens (or, alone on
PostgreSQL, in autocommit: see ``SqlStore._write``).

Claiming locks the rows it picks: PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (a concurrent
claimer skips them and takes the next ones, nobody waits), SQLite by the ``BEGIN IMMEDIATE``
write lock that serialises whole transactions (SQLAlchemy drops ``FOR UPDATE`` there). Every
change to a claimed job matches its lease token, so a worker whose lease was taken over
changes nothing: neither a renewal (which only extends a lease still ours) nor a settlement.

On PostgreSQL a claim (an ``UPDATE`` of the rows its ``WITH`` picked and locked) and a job
queued with its once-key (a data-modifying ``WITH``) are one statement each: most of
PostgreSQL's CPU per job went to round trips, not to the statements' work
(bench/RESULTS-serve.md). SQLite, in-process, has no round trips to save, nor such ``WITH``.

Each statement is compiled once per dialect and run on the driver's cursor with parameters
("k_": not a column's name; see ``bot.store.compiled``). Building one per call (``.where(...)``,
``.values(...)``, then its cache key) cost more CPU than the database did: a claim of four jobs
three times over, a finish twice; running it through SQLAlchemy's execution, again as much.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Double,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql

from bot.store import compiled
from bot.store.base import JOB_ERROR_MAX_CHARS, Job, JobStats, NewJob
from bot.store.compiled import Conn, Prepared
from bot.store.schema import insert_new, jobs, once_keys, stored, stored_workspace


def enqueue(conn: Conn, new_jobs: Sequence[NewJob], now: float) -> int:
    """Insert the jobs; a dedupe key is also kept as a once-key, so a Slack retry that arrives
    after the job finished (and was deleted) is still recognised. On PostgreSQL the once-key
    and the job go in one statement (``_ONCE_THEN_JOB``), one round trip instead of two."""
    added = 0
    postgres = conn.dialect.name == "postgresql"
    for job in new_jobs:
        values = {
            "kind": job.kind,
            "payload": json.dumps(job.payload, separators=(",", ":")),
            "dedupe_key": job.dedupe_key,
            "status": "queued",
            "attempts": 0,
            "available_at": now,
            "created_at": now,
            **stored(job.workspace),
        }
        if job.dedupe_key is None:
            added += insert_new(conn, jobs, **values)
        elif postgres:
            params = {f"k_{name}": value for name, value in values.items()}
            once = {"k_key": f"job:{job.dedupe_key}", "k_now": now}
            added += bool(compiled.rows(conn, _ONCE_THEN_JOB, {**params, **once}))
        elif insert_new(conn, once_keys, key=f"job:{job.dedupe_key}", claimed_at=now):
            added += insert_new(conn, jobs, **values)
    return added


_JOB_COLUMNS = (
    "kind",
    "payload",
    "dedupe_key",
    "status",
    "attempts",
    "available_at",
    "created_at",
    "enterprise_id",
    "team_id",
)


def _once_then_job(dialect: str) -> Any:
    """PostgreSQL: the once-key, and the job only if the key went in, in one statement (a
    data-modifying ``WITH``, which SQLite has not). Parameters: ``k_key``, ``k_now`` and
    ``k_<column>`` for each of ``_JOB_COLUMNS``; returns the job's id if it was added."""
    if dialect != "postgresql":
        raise ValueError(
            f"one statement for the once-key and the job needs PostgreSQL, not {dialect}"
        )
    new_key = (
        postgresql.insert(once_keys)
        .values(key=bindparam("k_key"), claimed_at=bindparam("k_now"))
        .on_conflict_do_nothing()
        .returning(once_keys.c.key)
        .cte("new_key")
    )
    job = select(
        *(bindparam(f"k_{name}", type_=jobs.c[name].type) for name in _JOB_COLUMNS)
    ).select_from(new_key)
    insert = postgresql.insert(jobs).from_select(list(_JOB_COLUMNS), job)
    return insert.on_conflict_do_nothing().returning(jobs.c.id)


_ONCE_THEN_JOB = Prepared(_once_then_job)


_RUNNING_ABANDONED = and_(jobs.c.status == "running", jobs.c.lease_until <= bindparam("k_now"))
"""Running with a lease that has ended: its worker died."""
_QUEUED_DUE = and_(jobs.c.status == "queued", jobs.c.available_at <= bindparam("k_now"))
_JOB_ROW = (
    jobs.c.id,
    jobs.c.kind,
    jobs.c.payload,
    jobs.c.attempts,
    jobs.c.enterprise_id,
    jobs.c.team_id,
)


def _oldest(claimable: ColumnElement[bool], *columns: ColumnElement[Any]) -> Select[Any]:
    """The oldest ``k_limit`` claimable rows of one status, locked (others skip them). One
    status per query, so the ``(status, id)`` index yields them in order and the scan stops
    at ``k_limit``: with both statuses in one ``OR``, SQLite read and sorted every queued row,
    so each claim cost more the longer the backlog was."""
    return (
        select(*columns)
        .where(claimable)
        .order_by(jobs.c.id)
        .limit(bindparam("k_limit"))
        .with_for_update(skip_locked=True)
    )


_ABANDONED = Prepared(_oldest(_RUNNING_ABANDONED, *_JOB_ROW))
"""Rows of it and ``_DUE`` locked but not taken (beyond the limit, by id) are skipped by other
claimers until our commit, no longer."""
_DUE = Prepared(_oldest(_QUEUED_DUE, *_JOB_ROW))
_TAKE = Prepared(
    update(jobs)
    .where(jobs.c.id == bindparam("k_id"))
    .values(
        status="running",
        lease=bindparam("k_lease"),
        lease_until=bindparam("k_until"),
        attempts=bindparam("k_attempts"),
    )
)
_GIVE_UP = Prepared(
    update(jobs)
    .where(jobs.c.id == bindparam("k_id"))
    .values(status="failed", lease=None, lease_until=None, error=bindparam("k_error"))
)


def claim(conn: Conn, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
    """Lease up to ``limit`` jobs, oldest first; exhausted ones are marked failed on the way.
    On PostgreSQL one statement picks, locks and leases them (``_CLAIM_AT_ONCE``); on SQLite,
    which holds the whole database locked, a read and one batch of updates."""
    if conn.dialect.name == "postgresql":
        return _claim_at_once(conn, limit, now, lease_s, max_attempts)
    claimed: list[Job] = []
    while len(claimed) < limit:
        params = {"k_now": now, "k_limit": limit - len(claimed)}
        found = [*compiled.rows(conn, _ABANDONED, params), *compiled.rows(conn, _DUE, params)]
        rows = sorted(found)[: limit - len(claimed)]  # by id, the first column
        taken: list[dict[str, object]] = []
        given_up: list[dict[str, object]] = []
        for job_id, kind, payload, tried, enterprise_id, team_id in rows:
            if tried >= max_attempts:
                given_up.append({"k_id": job_id, "k_error": f"gave up after {tried} attempts"})
                continue
            lease = uuid.uuid4().hex
            taken.append(
                {
                    "k_id": job_id,
                    "k_lease": lease,
                    "k_until": now + lease_s,
                    "k_attempts": tried + 1,
                }
            )
            whose = stored_workspace(enterprise_id, team_id)
            claimed.append(Job(job_id, kind, json.loads(payload), tried + 1, lease, whose))
        if taken:
            compiled.run_many(conn, _TAKE, taken)
        if not given_up:  # otherwise look again: the failed ones left room under ``limit``
            break
        compiled.run_many(conn, _GIVE_UP, given_up)
    return claimed


def _claim_at_once(
    conn: Conn, limit: int, now: float, lease_s: float, max_attempts: int
) -> list[Job]:
    """``claim`` on PostgreSQL: each statement leases what it picked and fails the exhausted
    jobs among them; only when some were, it looks again for the room they left."""
    claimed: list[Job] = []
    while len(claimed) < limit:
        params = {
            "k_now": now,
            "k_limit": limit - len(claimed),
            "k_until": now + lease_s,
            "k_max": max_attempts,
        }
        rows = compiled.rows(conn, _CLAIM_AT_ONCE, params)
        taken = sorted(row for row in rows if row[6] == "running")  # by id, the first column
        claimed += [
            Job(job_id, kind, json.loads(payload), attempts, lease, stored_workspace(ent, team))
            for job_id, kind, payload, attempts, ent, team, _, lease in taken
        ]
        if len(taken) == len(rows):  # none gave up: there is no more room to look for
            break
    return claimed


def _claiming(dialect: str) -> Any:
    """PostgreSQL: the oldest ``k_limit`` claimable jobs (``_ABANDONED`` and ``_DUE``, each
    locked with ``SKIP LOCKED``), leased in the same statement, a new token each, or failed if
    they have had ``k_max`` attempts; returns each job's row, with its status and lease."""
    if dialect != "postgresql":
        raise ValueError(f"a claim in one statement needs PostgreSQL, not {dialect}")
    abandoned = _oldest(_RUNNING_ABANDONED, jobs.c.id).cte("abandoned")
    due = _oldest(_QUEUED_DUE, jobs.c.id).cte("due")
    both = union_all(select(abandoned.c.id), select(due.c.id)).subquery("claimable")
    picked = select(both.c.id).order_by(both.c.id).limit(bindparam("k_limit")).cte("picked")
    spent = jobs.c.attempts >= bindparam("k_max", type_=Integer)
    token = func.replace(cast(func.gen_random_uuid(), String), "-", "")
    gave_up = literal("gave up after ") + cast(jobs.c.attempts, String) + literal(" attempts")
    return (
        update(jobs)
        .where(jobs.c.id == picked.c.id)
        .values(
            status=case((spent, "failed"), else_="running"),
            lease=case((spent, null()), else_=token),
            lease_until=case((spent, null()), else_=bindparam("k_until", type_=Double)),
            attempts=case((spent, jobs.c.attempts), else_=jobs.c.attempts + 1),
            error=case((spent, gave_up), else_=jobs.c.error),
        )
        .returning(*_JOB_ROW, jobs.c.status, jobs.c.lease)
    )


_CLAIM_AT_ONCE = Prepared(_claiming)


_OURS = and_(
    jobs.c.id == bindparam("k_id"),
    jobs.c.lease == bindparam("k_lease"),
    jobs.c.status == "running",
)
"""One job still running under the lease token we hold."""

_RENEW = Prepared(update(jobs).where(_OURS).values(lease_until=bindparam("k_until")))
_FINISH = Prepared(delete(jobs).where(_OURS))
_FAIL = Prepared(
    update(jobs)
    .where(_OURS)
    .values(status="failed", lease=None, lease_until=None, error=bindparam("k_error"))
)
_RELEASE = Prepared(
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


def renew(conn: Conn, held: Sequence[Job], now: float, lease_s: float) -> list[int]:
    """The ids whose lease was extended to ``now + lease_s``. In id order, the order claims
    lock rows in, so two transactions never wait on each other's rows in a cycle."""
    renewed: list[int] = []
    for job in sorted(held, key=lambda job: job.id):
        if compiled.run(conn, _RENEW, {**_key(job), "k_until": now + lease_s}) == 1:
            renewed.append(job.id)
    return renewed


def finish(conn: Conn, job: Job) -> bool:
    return compiled.run(conn, _FINISH, _key(job)) == 1


def fail(conn: Conn, job: Job, error: str) -> bool:
    params = {**_key(job), "k_error": error[:JOB_ERROR_MAX_CHARS]}
    return compiled.run(conn, _FAIL, params) == 1


def release(conn: Conn, claimed: Sequence[Job], now: float) -> int:
    """Queue the jobs again, due now; the attempt they never started is not counted. One
    statement per job: a batch's total row count is not reliable on every driver."""
    return sum(compiled.run(conn, _RELEASE, {**_key(job), "k_now": now}) for job in claimed)


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
