"""The tables ``SqlStore`` queries. Alembic (``bot/store/migrations``) creates and changes them;
these definitions must match the latest migration, which ``tests/store/test_migrate.py`` checks.

Times are float epoch seconds (``Double``), as the ``Store`` interface passes them.

``insert_for`` picks the dialect's INSERT, whose ``ON CONFLICT`` clauses make claims atomic
without catching errors (and without filling PostgreSQL's log with unique violations).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite

metadata = MetaData()

# Durable work: written before the ack, claimed under a lease, deleted when done.
jobs = Table(
    "jobs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("dedupe_key", String(255), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease", String(32), nullable=True),
    Column("lease_until", Double, nullable=True),
    Column("available_at", Double, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("error", Text, nullable=True),
    UniqueConstraint("dedupe_key", name="uq_jobs_dedupe_key"),
    CheckConstraint("status IN ('queued', 'running', 'failed')", name="ck_jobs_status"),
    Index("ix_jobs_status_id", "status", "id"),
)
# "Exactly once" claims: Slack retries, replayed clicks, one-replica duties.
once_keys = Table(
    "once_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("claimed_at", Double, nullable=False, index=True),
)
# One row per term explained in a thread: the primary key enforces "once per thread, ever".
explanations = Table(
    "explanations",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("thread_ts", String(64), primary_key=True),
    Column("term", String(255), primary_key=True),
    Column("explained_at", Double, nullable=False, index=True),
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
    Column("at", Double, nullable=False, index=True),
    Column("query", Text, nullable=False),
    Column("term", String(255), nullable=True, index=True),
    Column("user_id", String(64), nullable=False),
)


def insert_for(conn: Connection) -> type[postgresql.Insert] | type[sqlite.Insert]:
    """The INSERT with ``on_conflict_do_nothing``/``on_conflict_do_update`` for ``conn``."""
    return postgresql.Insert if conn.dialect.name == "postgresql" else sqlite.Insert


def insert_new(conn: Connection, table: Table, **values: object) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if the row went in (no unique key already held).

    RETURNING tells, where an INSERT's rowcount is not reliable across drivers."""
    statement = insert_for(conn)(table).values(**values).on_conflict_do_nothing()
    return conn.execute(statement.returning(*table.primary_key)).first() is not None
