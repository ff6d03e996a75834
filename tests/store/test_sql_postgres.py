"""``SqlStore`` on PostgreSQL, beyond the contract: statement timeouts, no schema changes from
the store, and the tables in ``schema.py`` matching what the migrations make (on SQLite too)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from bot.store import SqlStore, StoreError
from bot.store.migrate import upgrade
from bot.store.schema import metadata

# --- the tables in schema.py are the ones the migrations make ---------------------------------


def assert_schema_matches_migrations(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    # slack_sdk's tables are checked against slack_sdk in test_oauth_tables.
                    "include_name": lambda name, kind, _parents: (
                        kind != "table" or name in metadata.tables
                    ),
                },
            )
            assert compare_metadata(context, metadata) == []
            assert sorted(inspect(conn).get_table_names()) == [
                "alembic_version",
                "channel_settings",
                "explanation_cooldowns",
                "explanations",
                "jobs",
                "lookups",
                "once_keys",
                "preferences",
                "slack_bots",
                "slack_installations",
                "slack_oauth_states",
                "suggestions",
            ]
    finally:
        engine.dispose()


def test_schema_py_matches_the_migrations_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    assert_schema_matches_migrations(url)


def test_schema_py_matches_the_migrations_on_postgres(fresh_postgres_url: str) -> None:
    upgrade(fresh_postgres_url)
    assert_schema_matches_migrations(fresh_postgres_url)


def test_a_postgres_statement_that_waits_too_long_is_cancelled(fresh_postgres_url: str) -> None:
    upgrade(fresh_postgres_url)
    store = SqlStore(fresh_postgres_url, statement_timeout_s=0.5)
    holder = psycopg.connect(fresh_postgres_url.replace("postgresql+psycopg", "postgresql"))
    try:
        holder.execute("INSERT INTO once_keys VALUES ('event:held', 1.0)")  # not committed
        with pytest.raises(StoreError) as caught:
            store.claim_once("event:held", now=2.0)
        assert str(caught.value) == (
            "state store failed to claim a once-only key: "
            "canceling statement due to statement timeout"
        )
    finally:
        holder.rollback()
        holder.close()
        store.close()


def test_the_postgres_store_does_not_create_tables(fresh_postgres_url: str) -> None:
    store = SqlStore(fresh_postgres_url)
    try:
        health = store.health()
        assert (health.ok, health.backend, health.schema_current) == (False, "postgresql", False)
        with pytest.raises(StoreError) as caught:
            store.claim_once("event:Ev01ABC", now=1.0)
        assert str(caught.value) == (
            'state store failed to claim a once-only key: relation "once_keys" does not exist'
        )
    finally:
        store.close()
    engine = create_engine(fresh_postgres_url, poolclass=NullPool)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()
