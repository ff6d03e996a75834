"""Migration 0004 (channel settings, preferences, suggestions) on SQLite and PostgreSQL: the
way up keeps every older row, the way back drops only the new tables, and the database holds
its own rules (one status set; misses without ids)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.store import NO_WORKSPACE, ChannelSettings, NewSuggestion, SqlStore
from bot.store.engine import make_engine, parse_url
from bot.store.migrate import upgrade
from tests.store.helpers import ACME, SOLO
from tests.store.test_migration_0002 import execute, migrate_to

NEW_TABLES = ["channel_settings", "preferences", "suggestions"]


@pytest.fixture(params=["sqlite-file", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path}/state.sqlite3"
    fresh: str = request.getfixturevalue("fresh_postgres_url")
    return fresh


def tables(url: str) -> list[str]:
    engine = make_engine(parse_url(url), statement_timeout_s=None, pooled=False)
    try:
        with engine.connect() as conn:
            return sorted(set(inspect(conn).get_table_names()) & {*NEW_TABLES, "lookups"})
    finally:
        engine.dispose()


def test_0004_goes_up_and_down_and_up_again_keeping_older_rows(url: str) -> None:
    migrate_to(url, "0003")
    execute(url, "INSERT INTO lookups (at, query, term, user_id) VALUES (5.0, 'eql', 'EQL', 'U1')")
    assert tables(url) == ["lookups"]

    assert upgrade(url) == "schema at 0004 (was 0003)"
    assert tables(url) == ["channel_settings", "lookups", "preferences", "suggestions"]
    store = SqlStore(url)
    try:
        store.set_channel_settings(ACME, "C1", ChannelSettings(explain=False))
        store.set_opted_out(ACME, "U1", True, now=1.0)
        store.add_suggestion(ACME, NewSuggestion("QBR", "Quarterly business review.", "Sales"), 1.0)
    finally:
        store.close()

    migrate_to(url, "0003", down=True)
    assert tables(url) == ["lookups"]
    assert execute(url, "SELECT query, term, user_id FROM lookups") == [("eql", "EQL", "U1")]

    assert upgrade(url) == "schema at 0004 (was 0003)"
    store = SqlStore(url)
    try:
        assert store.suggestions() == []
        assert store.top_terms(NO_WORKSPACE, 5) == [("EQL", 1)]
    finally:
        store.close()


def test_the_database_refuses_a_status_outside_the_three(url: str) -> None:
    upgrade(url)
    with pytest.raises(IntegrityError, match="ck_suggestions_status"):
        execute(
            url,
            "INSERT INTO suggestions (term, definition, category, status, created_at) "
            "VALUES ('QBR', 'Quarterly business review.', 'Sales', 'maybe', 1.0)",
        )


def test_misses_are_stored_and_read_without_any_user_id(sql_store: SqlStore) -> None:
    sql_store.record_lookup(ACME, "Tier  X", None, 10.0, user="U0ANA")
    sql_store.record_lookup(SOLO, "tier x", None, 20.0, user="U0BEN")
    sql_store.record_lookup(ACME, "eql", "EQL", 30.0, user="U0ANA")

    with sql_store.engine.connect() as conn:
        raw = conn.execute(text("SELECT query, term, user_id FROM lookups ORDER BY at")).all()
    assert [tuple(row) for row in raw] == [
        ("Tier  X", None, ""),
        ("tier x", None, ""),
        ("eql", "EQL", "U0ANA"),
    ]
    assert [(m.query, m.count) for m in sql_store.misses(None, 0.0, 10)] == [("tier x", 2)]
