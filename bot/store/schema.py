"""The tables ``SqlStore`` queries. Alembic (``bot/store/migrations``) creates and changes them;
these definitions must match the latest migration, which ``tests/store/test_migrate.py`` checks.

Times are float epoch seconds (``Double``), as the ``Store`` interface passes them.

Workspace columns (``enterprise_id``, ``team_id``) hold ``""`` for "none" rather than NULL: the
cooldown's primary key includes them, and a primary key cannot hold NULL (nor would two NULLs
conflict in an upsert). Rows written before workspaces existed got ``""`` too: no workspace.

slack_sdk's installation and state stores own their tables (``slack_installations``,
``slack_bots``, ``slack_oauth_states``; created by migration 0002); ``purge`` and ``prune`` only
need a few of their columns, named below, and ``metadata`` leaves them out.

``insert_for`` picks the dialect's INSERT, whose ``ON CONFLICT`` clauses make claims atomic
without catching errors (and without filling PostgreSQL's log with unique violations).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    column,
)
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import compiled
from bot.store.base import Workspace

metadata = MetaData()


def _workspace() -> list[Column[str]]:
    """Whose row this is (see the module docstring for ``""``)."""
    return [
        Column("enterprise_id", String(32), nullable=False, server_default=""),
        Column("team_id", String(32), nullable=False, server_default=""),
    ]


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
    *_workspace(),
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
# One row per term explained in a thread: the primary key enforces "once per thread, ever",
# whichever workspace explained it (channel ids are global: a shared channel is explained once).
explanations = Table(
    "explanations",
    metadata,
    Column("channel", String(64), primary_key=True),
    Column("thread_ts", String(64), primary_key=True),
    Column("term", String(255), primary_key=True),
    Column("explained_at", Double, nullable=False, index=True),
    *_workspace(),
    # The job that claimed it (its dedupe key): that job's next attempt may post it again.
    Column("claimed_by", String(255), nullable=False, server_default=""),
)
# A workspace's last explanation of a term in a channel: the row the cooldown check updates
# atomically. Per workspace, so one workspace's explanation never silences another's.
cooldowns = Table(
    "explanation_cooldowns",
    metadata,
    *_workspace(),
    Column("channel", String(64), nullable=False),
    Column("term", String(255), nullable=False),
    Column("explained_at", Double, nullable=False),
    PrimaryKeyConstraint(
        "enterprise_id", "team_id", "channel", "term", name="pk_explanation_cooldowns"
    ),
)
lookups = Table(
    "lookups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Double, nullable=False, index=True),
    Column("query", Text, nullable=False),
    Column("term", String(255), nullable=True),
    Column("user_id", String(64), nullable=False),
    *_workspace(),
    # Counts are read per workspace; a purge by team finds its rows here too.
    Index("ix_lookups_workspace_term", "team_id", "enterprise_id", "term"),
)
# What a channel's members chose with ``/define settings`` (one row per channel, replaced).
channel_settings = Table(
    "channel_settings",
    metadata,
    *_workspace(),
    Column("channel", String(64), nullable=False),
    Column("explain", Boolean, nullable=False),
    Column("paused_until", Double, nullable=False),
    Column("cooldown_hours", Double, nullable=True),
    Column("max_terms", Integer, nullable=True),
    Column("partner_view", Boolean, nullable=False),
    Column("updated_by", String(64), nullable=False, server_default=""),
    Column("updated_at", Double, nullable=False),
    PrimaryKeyConstraint("enterprise_id", "team_id", "channel", name="pk_channel_settings"),
)
# A person's own choices (App Home's opt-out toggle); ``user_id`` as in lookups, for purge.
preferences = Table(
    "preferences",
    metadata,
    *_workspace(),
    Column("user_id", String(64), nullable=False),
    Column("opted_out", Boolean, nullable=False),
    Column("updated_at", Double, nullable=False),
    PrimaryKeyConstraint("enterprise_id", "team_id", "user_id", name="pk_preferences"),
)
# Terms proposed from Slack, waiting for a maintainer's decision (``decide`` is one UPDATE …
# WHERE status = 'waiting', so the first decision wins).
suggestions = Table(
    "suggestions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    *_workspace(),
    Column("term", Text, nullable=False),
    Column("acronym", Text, nullable=False, server_default=""),
    Column("definition", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("why", Text, nullable=False, server_default=""),
    Column("suggester", String(64), nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("decided_by", String(64), nullable=False, server_default=""),
    Column("decided_at", Double, nullable=False, server_default="0"),
    Column("review_channel", String(64), nullable=False, server_default=""),
    Column("review_ts", String(64), nullable=False, server_default=""),
    CheckConstraint("status IN ('waiting', 'approved', 'rejected')", name="ck_suggestions_status"),
    Index("ix_suggestions_status", "status"),
)
# slack_sdk's installation store: what ``purge`` matches on.
slack_installations = table_clause(
    "slack_installations", column("enterprise_id"), column("team_id")
)
slack_bots = table_clause("slack_bots", column("enterprise_id"), column("team_id"))
# slack_sdk's state store: a row per install started, deleted when used; ``prune`` drops the rest.
slack_oauth_states = table_clause("slack_oauth_states", column("expire_at", DateTime))


def stored(workspace: Workspace) -> dict[str, str]:
    """The workspace columns' values for ``workspace``."""
    return {"enterprise_id": workspace.enterprise_id or "", "team_id": workspace.team_id or ""}


def in_workspace(rows: Table, workspace: Workspace) -> ColumnElement[bool]:
    """Rows of ``rows`` that belong to ``workspace``."""
    values = stored(workspace)
    return and_(
        rows.c.enterprise_id == values["enterprise_id"], rows.c.team_id == values["team_id"]
    )


def workspace_of(row: Any) -> Workspace:
    """The workspace of a selected row that has the workspace columns."""
    return stored_workspace(row.enterprise_id, row.team_id)


def stored_workspace(enterprise_id: str, team_id: str) -> Workspace:
    """The workspace whose columns hold these values (``""``: none)."""
    return Workspace(enterprise_id or None, team_id or None)


def insert_for(conn: Connection) -> type[postgresql.Insert] | type[sqlite.Insert]:
    """The INSERT with ``on_conflict_do_nothing``/``on_conflict_do_update`` for ``conn``."""
    return postgresql.Insert if conn.dialect.name == "postgresql" else sqlite.Insert


def insert_new(conn: compiled.Conn, table: Table, **values: object) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if the row went in (no unique key already held).

    RETURNING tells, where an INSERT's rowcount is not reliable across drivers. The statement
    is compiled once per dialect, table and set of columns, and run on the driver's cursor
    (``bot.store.compiled``): building it per call cost more CPU than the database did."""
    return bool(compiled.rows(conn, _insert_new(table, tuple(values)), values))


@functools.cache
def _insert_new(table: Table, keys: tuple[str, ...]) -> compiled.Prepared:
    def build(dialect: str) -> Any:
        insert = postgresql.Insert if dialect == "postgresql" else sqlite.Insert
        return insert(table).on_conflict_do_nothing().returning(*table.primary_key)

    return compiled.Prepared(build, keys)
