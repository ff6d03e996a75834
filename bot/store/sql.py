"""``SqlStore``: the state store on any SQLAlchemy database (SQLite file by default, or Postgres).

Atomicity comes from the database, not from Python: every claim is an INSERT against a primary
key, and a duplicate shows up as ``IntegrityError`` - which is how a repeat is recognised, across
threads and processes alike. The per-channel cooldown lives in its own row per (channel, term),
moved forward only by a conditional UPDATE, so two callers cannot both pass the same cooldown.

SQLite specifics: WAL journal (readers never block the writer), a busy timeout (writers queue
instead of failing with "database is locked"), and ``BEGIN IMMEDIATE`` emitted by us instead of
the sqlite3 driver, so each transaction takes the write lock up front and SAVEPOINTs work.
An in-memory SQLite URL (``sqlite://``) shares one connection, serialised by a lock.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Double,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from bot.store.base import Store, StoreError

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 15.0

metadata = MetaData()

events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("seen_at", Double, nullable=False, index=True),
)
# One row per term explained in a thread: the primary key enforces "once per thread, ever".
explanations = Table(
    "explanations",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("thread_ts", String(64), primary_key=True),
    Column("term", String(255), primary_key=True),
    Column("explained_at", Double, nullable=False),
)
# The last explanation of a term in a channel: the row the cooldown check updates atomically.
cooldowns = Table(
    "explanation_cooldowns",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("term", String(255), primary_key=True),
    Column("explained_at", Double, nullable=False),
)
lookups = Table(
    "lookups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Double, nullable=False),
    Column("query", Text, nullable=False),
    Column("term", String(255), nullable=True, index=True),
    Column("user_id", String(64), nullable=False),
)


class SqlStore(Store):
    """The production store; safe to share between Bolt's worker threads."""

    def __init__(self, url: str) -> None:
        self._closed = False
        self._lock: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
        try:
            parsed = make_url(url)
        except SQLAlchemyError as exc:
            raise StoreError(
                "cannot open the state store: not a SQLAlchemy URL (expected e.g. "
                "'sqlite:///data/glossary-bot.sqlite3' or 'postgresql+psycopg://user:pw@host/db')"
            ) from exc
        self.url = parsed.render_as_string(hide_password=True)
        engine: Engine | None = None
        try:
            engine = self._create_engine(parsed)
            with self._lock, engine.begin() as conn:
                metadata.create_all(conn)
        except (SQLAlchemyError, OSError, ImportError) as exc:
            if engine is not None:
                engine.dispose()
            logger.exception("Cannot open the state store at %s", self.url)
            raise StoreError(f"cannot open the state store at {self.url}: {_reason(exc)}") from exc
        self._engine = engine

    def _create_engine(self, url: URL) -> Engine:
        """An engine with the SQLite settings above; other databases use SQLAlchemy's defaults."""
        if url.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        # SQLite runs one write transaction at a time. Threads of this process queue on a lock
        # (microseconds) rather than on SQLite's busy handler, which sleeps 1–100 ms between
        # retries: measured under load, that handler alone pushed ack p99 past 350 ms.
        # Other processes sharing the file still wait through the busy handler.
        self._lock = threading.Lock()
        if url.database in (None, "", ":memory:"):
            engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        else:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine

    @contextlib.contextmanager
    def _transaction(self, action: str) -> Iterator[Connection]:
        """One committed transaction; database errors become ``StoreError``, logged once here.

        Claims catch their expected ``IntegrityError`` inside a SAVEPOINT, so one that gets here
        is a real failure like any other.
        """
        if self._closed:
            raise StoreError("the state store is closed")
        try:
            with self._lock, self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            logger.exception("State store failed to %s", action)
            raise StoreError(f"state store failed to {action}: {_reason(exc)}") from exc

    def claim_event(self, event_id: str, now: float) -> bool:
        with self._transaction("record a Slack event") as conn:
            try:
                with conn.begin_nested():
                    conn.execute(insert(events).values(event_id=event_id, seen_at=now))
            except IntegrityError:  # the id is taken: this is a retry
                return False
        return True

    def prune_events(self, older_than: float) -> int:
        with self._transaction("prune old Slack events") as conn:
            result = conn.execute(delete(events).where(events.c.seen_at < older_than))
            return result.rowcount

    def claim_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return []
        with self._transaction("record explanations") as conn:
            # Sorted, so concurrent callers lock cooldown rows in the same order (no deadlock).
            granted = {
                term
                for term in sorted(wanted)
                if _claim_term(conn, channel, thread_ts, term, now, cooldown_s)
            }
        return [term for term in wanted if term in granted]

    def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
        with self._transaction("record a lookup") as conn:
            conn.execute(insert(lookups).values(at=now, query=query, term=term, user_id=user))

    def top_terms(self, limit: int) -> list[tuple[str, int]]:
        if limit <= 0:  # SQLite reads LIMIT -1 as "no limit"
            return []
        count = func.count().label("n")
        query = (
            select(lookups.c.term, count)
            .where(lookups.c.term.is_not(None))
            .group_by(lookups.c.term)
            .order_by(count.desc(), lookups.c.term)
            .limit(limit)
        )
        with self._transaction("read the top terms") as conn:
            return [(str(term), int(n)) for term, n in conn.execute(query)]

    def recent_misses(self, limit: int) -> list[tuple[str, int]]:
        if limit <= 0:
            return []
        count = func.count().label("n")
        query = (
            select(lookups.c.query, count)
            .where(lookups.c.term.is_(None))
            .group_by(lookups.c.query)
            .order_by(count.desc(), func.max(lookups.c.at).desc(), lookups.c.query)
            .limit(limit)
        )
        with self._transaction("read the missed lookups") as conn:
            return [(str(text), int(n)) for text, n in conn.execute(query)]

    def healthy(self) -> bool:
        try:
            with self._transaction("answer a health check") as conn:
                conn.execute(select(1))
        except StoreError:
            return False
        return True

    def close(self) -> None:
        self._closed = True
        self._engine.dispose()


def _claim_term(
    conn: Connection, channel: str, thread_ts: str, term: str, now: float, cooldown_s: float
) -> bool:
    """Record one explanation inside a SAVEPOINT; False (and nothing kept) if it is not allowed."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(explanations).values(
                    channel=channel, thread_ts=thread_ts, term=term, explained_at=now
                )
            )  # IntegrityError: already explained in this thread
            moved = conn.execute(
                update(cooldowns)
                .where(
                    cooldowns.c.channel == channel,
                    cooldowns.c.term == term,
                    cooldowns.c.explained_at <= now - cooldown_s,
                )
                .values(explained_at=now)
            )
            if moved.rowcount == 0:  # no row yet, or still cooling down (then this INSERT fails)
                conn.execute(insert(cooldowns).values(channel=channel, term=term, explained_at=now))
    except IntegrityError:
        return False
    return True


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers; driver-side BEGIN off so ``_sqlite_begin_immediate`` rules.

    ``synchronous=NORMAL`` is SQLite's recommended setting in WAL mode: commits no longer wait
    for an fsync each (the slowest part of a claim), and the database cannot be corrupted —
    only the last moments before a power cut may be lost, which for dedupe ids and cooldowns
    means at worst one repeated explanation.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    """Take the write lock when the transaction starts, so it waits (busy timeout) up front."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _reason(exc: BaseException) -> str:
    """The driver's own one-line message, without SQLAlchemy's SQL echo and links."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
