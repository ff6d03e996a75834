"""``SqlStore``: the state store on SQLite (one host) or PostgreSQL (any number of replicas).

This module owns connections and transactions; the statements live beside it (``sql_jobs``,
``sql_explanations``, ``sql_lookups``, ``sql_upkeep``; the governance methods come with theirs
from ``sql_governance``, the health checks from ``sql_health``), the hot ones compiled once and
run on the driver's cursor inside a transaction opened here on the driver too
(``_driver_transaction``, see ``compiled``), the others through SQLAlchemy's (``_transaction``).
Atomicity comes from the database, not from Python: claims are ``INSERT … ON CONFLICT`` against
a primary or unique key, so a repeat is recognised across threads and processes alike.

The store never creates or changes the schema (``bot.store.migrate`` does, once, before
workers start), so constructing one needs no write lock. The exception is an in-memory SQLite
database, private to its store, which is migrated on construction.

``engine`` is shared with slack_sdk's installation and state stores (OAuth mode), whose tables
the same migrations make: one pool, one set of timeouts, and ``purge`` deletes a workspace's
tokens in the same transaction as the rest of its rows.

SQLite: the processes of this host take turns to write (``sqlite_turn``) rather than wait in
SQLite's busy handler, which sleeps 1–100 ms between retries; within a process the hot writes
share transactions, one turn per batch (``group_commit``, through ``_write``); readers take no
lock at all (WAL). The file's identity is checked before each use: a database file deleted or
replaced while the bot runs makes every operation fail and ``health`` not ok, instead of
writes going to a file nobody will open again.

PostgreSQL: the hot writes of a process share transactions too (``group_commit``), for the
round trips and COMMITs they save on both sides; a write of one statement (a job queued,
claimed, finished or failed, a lookup, a once-only key) that is alone in its batch runs in
autocommit, one round trip instead of three. A claim of explanations takes its rows in sorted
order so that two claims never wait on each other in a cycle; a batch of several writes
cannot promise that, so two replicas' batches touching the same cooldown rows in opposite order
can deadlock. PostgreSQL then aborts one after its ``deadlock_timeout`` (1 s by default) and the
batch's writes run again each alone, as they all did before: a rare second's delay, not an error.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.store import compiled, sql_explanations, sql_jobs, sql_lookups, sql_upkeep
from bot.store.base import (
    Job,
    JobStats,
    Later,
    NewJob,
    Pruned,
    Store,
    StoreError,
    Workspace,
    purge_criteria,
)
from bot.store.engine import (
    SQLITE_BUSY_TIMEOUT_S,
    backend_label,
    begin_statement,
    make_engine,
    parse_url,
    reason,
    shown,
    sqlite_path,
    transaction,
)
from bot.store.group_commit import GroupCommit
from bot.store.migrate import upgrade_connection
from bot.store.schema import insert_new, once_keys
from bot.store.sql_governance import GovernanceMethods
from bot.store.sql_health import HealthMethods
from bot.store.sqlite_turn import NoTurn, SqliteWriteTurn

T = TypeVar("T")


class SqlStore(GovernanceMethods, HealthMethods, Store):
    """The production store; safe to share between threads."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 0,
        connect_timeout_s: float = 5.0,
        statement_timeout_s: float = 10.0,
        gives_way: bool = False,
    ) -> None:
        """``gives_way``: this process's writes can wait, so on a SQLite file they let other
        processes' writers go first, a bounded time (the job worker: ``sqlite_turn``)."""
        parsed = parse_url(url)
        self.url = shown(parsed)
        self.backend = backend_label(parsed)
        self._closed = False
        self._path = sqlite_path(parsed)
        self._identity = _identity(self._path) if self._path is not None else None
        if self._path is not None and self._identity is None:
            raise StoreError(
                f"cannot open the state store at {self.url}: no database file there "
                "(create it with `python -m bot migrate`)"
            )
        sqlite = parsed.get_backend_name() == "sqlite"
        self._postgres = parsed.get_backend_name() == "postgresql"
        in_memory = sqlite and self._path is None
        # A SQLite file: this host's bot processes take turns to write (``sqlite_turn``).
        # In memory: one shared connection, which two threads must not use at once.
        self._turn = (
            SqliteWriteTurn(self._path, SQLITE_BUSY_TIMEOUT_S, gives_way=gives_way)
            if self._path is not None
            else None
        )
        self._write_lock: contextlib.AbstractContextManager[object] = self._turn or (
            threading.Lock() if sqlite else contextlib.nullcontext()
        )
        self._read_lock = self._write_lock if in_memory else contextlib.nullcontext()
        self._group = (
            None
            if in_memory
            else GroupCommit(
                self._driver_transaction,
                partial(self._driver_transaction, one_statement=True) if self._postgres else None,
            )
        )
        """The hot writes share transactions (``group_commit``): on a SQLite file one turn of the
        write lock per batch; on PostgreSQL one COMMIT and one connection per batch rather than
        per write, which kept acks at p99 42–54 ms at 1,000 requests/s where they had reached
        86–137 ms (bench/RESULTS-serve.md). In memory: one connection, no batches."""
        self._schema_seen: tuple[float, str | None] | None = None
        self._engine = make_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_timeout_s=connect_timeout_s,
            statement_timeout_s=statement_timeout_s,
        )
        if in_memory:
            with self._transaction("create the in-memory database") as conn:
                upgrade_connection(conn)

    @property
    def engine(self) -> Engine:
        """The store's engine, for slack_sdk's ``SQLAlchemyInstallationStore`` and
        ``SQLAlchemyOAuthStateStore``. On SQLite their transactions take the write lock up
        front like the store's own unless given the ``READ_ONLY`` option (see ``engine.py``),
        and outside the store's thread lock; so an in-memory database, one connection, must
        not be used through it by two threads at once."""
        return self._engine

    def _transaction(
        self, action: str, *, read_only: bool = False
    ) -> contextlib.AbstractContextManager[Connection]:
        """One committed transaction; database errors become a one-line ``StoreError``."""
        return self._guarded(action, read_only, transaction(self._engine, read_only=read_only))

    def _driver_transaction(
        self, action: str, *, read_only: bool = False, one_statement: bool = False
    ) -> contextlib.AbstractContextManager[compiled.Transaction]:
        """As ``_transaction``, begun and committed on the driver: for statements that run on
        its cursor (``compiled``), ~16 µs of CPU less per transaction. On PostgreSQL reads, and
        writes of ``one_statement``, run in autocommit (one round trip, not three; see
        ``compiled``)."""
        begin = begin_statement(self._engine, read_only=read_only)
        autocommit = self._postgres and (read_only or one_statement)
        transaction = compiled.transaction(self._engine, begin, autocommit=autocommit)
        return self._guarded(action, read_only, transaction)

    def _write(
        self, action: str, work: Callable[[compiled.Transaction], T], *, one_statement: bool = False
    ) -> T:
        """``work`` in a committed write transaction on the driver: shared with this process's
        other writers (``group_commit``), except in memory, where it has one of its own.

        ``one_statement``: on PostgreSQL ``work`` sends one statement, or several that each
        stand whole by themselves (SQLite ignores it). When its batch holds it alone, it runs in
        autocommit, one round trip instead of BEGIN, statement, COMMIT: a lone enqueue ~350 µs
        of wall time instead of ~600 (bench/RESULTS-serve.md). Writers that queue behind a
        batch still share the next one, so a busy PostgreSQL commits, and flushes its log, once
        per batch: autocommit for every such write, batch or not, cost PostgreSQL ~15 % more
        CPU and raised the acks' median wait (6–15 → 14–17 ms) at 1,000 requests/s with
        durable commits (each write its own log flush)."""
        if self._group is not None:
            return self._group.run(action, work, one_statement=one_statement)
        with self._driver_transaction(action) as tx:
            return work(tx)

    @contextlib.contextmanager
    def _guarded(
        self, action: str, read_only: bool, transaction: contextlib.AbstractContextManager[T]
    ) -> Iterator[T]:
        """``transaction`` on the file opened, in this process's turn, errors as one line."""
        if self._closed:
            raise StoreError("the state store is closed")
        self._check_file(action)
        try:
            with self._read_lock if read_only else self._write_lock, transaction as conn:
                yield conn
        except (SQLAlchemyError, NoTurn) as exc:
            raise StoreError(f"state store failed to {action}: {reason(exc)}") from exc

    def _check_file(self, action: str) -> None:
        """Refuse to go on when the SQLite file is not the one opened (deleted or replaced)."""
        if self._path is None or _identity(self._path) == self._identity:
            return
        self._engine.dispose()  # pooled connections would write to the vanished file
        raise StoreError(
            f"state store failed to {action}: the database file {self._path} was deleted or "
            "replaced while the bot ran (restore it, or restart after `python -m bot migrate`)"
        )

    # -- durable work ----------------------------------------------------------------------
    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        if not jobs:
            return 0
        return self._write(
            "queue work",
            lambda tx: sql_jobs.enqueue(tx, jobs, now),
            one_statement=len(jobs) == 1,  # on PostgreSQL a job is one statement, key or not
        )

    def enqueue_later(self, jobs: Sequence[NewJob], now: float) -> Later[int]:
        if self._group is None or not jobs:
            return super().enqueue_later(jobs, now)
        return self._group.later(
            "queue work",
            lambda tx: sql_jobs.enqueue(tx, jobs, now),
            one_statement=len(jobs) == 1,  # as ``enqueue``
        )

    def claim_jobs(self, limit: int, now: float, lease_s: float, max_attempts: int) -> list[Job]:
        if limit <= 0:
            return []
        return self._write(
            "claim work",
            lambda tx: sql_jobs.claim(tx, limit, now, lease_s, max_attempts),
            # On PostgreSQL one statement; another only after jobs that gave up, each one whole
            # by itself (the jobs failed stay failed whatever the next one finds).
            one_statement=True,
        )

    def renew_jobs(self, jobs: Sequence[Job], now: float, lease_s: float) -> list[int]:
        if not jobs:
            return []
        return self._write("renew job leases", lambda tx: sql_jobs.renew(tx, jobs, now, lease_s))

    def finish_job(self, job: Job, now: float) -> bool:
        return self._write("finish a job", lambda tx: sql_jobs.finish(tx, job), one_statement=True)

    def finish_job_later(self, job: Job, now: float) -> Later[bool]:
        if self._group is None:
            return super().finish_job_later(job, now)
        return self._group.later(
            "finish a job", lambda tx: sql_jobs.finish(tx, job), one_statement=True
        )

    def fail_job(self, job: Job, error: str, now: float) -> bool:
        return self._write(
            "record a failed job", lambda tx: sql_jobs.fail(tx, job, error), one_statement=True
        )

    def release_jobs(self, jobs: Sequence[Job], now: float) -> int:
        if not jobs:
            return 0
        return self._write("give back jobs", lambda tx: sql_jobs.release(tx, jobs, now))

    def job_stats(self, now: float) -> JobStats:
        with self._transaction("count jobs", read_only=True) as conn:
            return sql_jobs.stats(conn, now)

    # -- once only --------------------------------------------------------------------------
    def claim_once(self, key: str, now: float) -> bool:
        return self._write(
            "claim a once-only key",
            lambda tx: insert_new(tx, once_keys, key=key, claimed_at=now),
            one_statement=True,
        )

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
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return []
        granted = self._write(
            "record explanations",
            lambda tx: sql_explanations.claim(
                tx, workspace, channel, thread_ts, wanted, now, cooldown_s, claim_id
            ),
        )
        return [term for term in wanted if term in granted]

    def release_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        claimed_at: float,
    ) -> None:
        if not terms:
            return
        with self._transaction("release explanations") as conn:
            sql_explanations.release(conn, workspace, channel, thread_ts, terms, claimed_at)

    # -- lookups ----------------------------------------------------------------------------
    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        self._write(
            "record a lookup",
            lambda tx: sql_lookups.record(tx, workspace, query, term, now, user),
            one_statement=True,
        )

    def top_terms(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        if limit <= 0:  # SQLite reads LIMIT -1 as "no limit"
            return []
        with self._transaction("read the top terms", read_only=True) as conn:
            return sql_lookups.top_terms(conn, workspace, limit)

    def recent_misses(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        if limit <= 0:
            return []
        with self._transaction("read the missed lookups", read_only=True) as conn:
            return sql_lookups.recent_misses(conn, workspace, limit)

    # -- upkeep -----------------------------------------------------------------------------
    def prune(self, now: float, *, cooldown_s: float, retention_s: float) -> Pruned:
        with self._transaction("prune expired state") as conn:
            return sql_upkeep.prune(conn, now, cooldown_s, retention_s)

    def purge(
        self,
        *,
        enterprise_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
    ) -> Pruned:
        criteria = purge_criteria(enterprise_id, team_id, user_id)
        with self._transaction("delete a workspace's or person's data") as conn:
            return sql_upkeep.purge(conn, criteria)

    def close(self) -> None:
        self._closed = True
        self._engine.dispose()
        if self._turn is not None:
            self._turn.close()


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at ``path`` (device, inode), None when there is no regular file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None
