"""Migration 0002 (workspaces, slack_sdk's OAuth tables) on a database an older release left:
its rows are kept and belong to no workspace; and the way back to 0001 works too."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from bot.store import NO_WORKSPACE, SqlStore
from bot.store.base import JobStats, Pruned
from bot.store.engine import create_sqlite_file, make_engine, parse_url, sqlite_path
from bot.store.migrate import MIGRATIONS, current_revision, upgrade, upgrade_connection
from tests.store.helpers import ACME, SOLO

HOUR = 3600.0
OLD_ROWS = """
INSERT INTO jobs (kind, payload, status, attempts, available_at, created_at, dedupe_key)
    VALUES ('explain', '{"n": 1}', 'queued', 0, 100.0, 100.0, 'event:Ev1');
INSERT INTO jobs (kind, payload, status, attempts, available_at, created_at, error)
    VALUES ('share', '{"n": 2}', 'failed', 5, 100.0, 100.0, 'boom');
INSERT INTO once_keys (key, claimed_at) VALUES ('job:event:Ev1', 100.0);
INSERT INTO explanations (channel, thread_ts, term, explained_at)
    VALUES ('C1', '1700.1', 'EQL', 1000.0);
INSERT INTO explanation_cooldowns (channel, term, explained_at) VALUES ('C1', 'EQL', 1000.0);
INSERT INTO lookups (at, query, term, user_id) VALUES (5.0, 'eql', 'EQL', 'U1');
INSERT INTO lookups (at, query, term, user_id) VALUES (6.0, 'qbr', NULL, '')
"""


def migrate_to(url: str, revision: str, *, down: bool = False) -> None:
    """Bring the database at ``url`` to ``revision`` (a SQLite file is created if need be)."""
    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if path is not None:
        create_sqlite_file(path)
    engine = make_engine(parsed, statement_timeout_s=None, pooled=False)
    try:
        with engine.connect() as conn, conn.begin():
            if not down:
                upgrade_connection(conn, revision)
                return
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def execute(url: str, script: str) -> list[tuple[object, ...]]:
    """Run ``;``-separated statements; the rows of the last one."""
    engine = make_engine(parse_url(url), statement_timeout_s=None, pooled=False)
    try:
        with engine.connect() as conn, conn.begin():
            found = [conn.execute(text(s)) for s in script.split(";") if s.strip()][-1]
            return [tuple(row) for row in found] if found.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite-file", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path}/state.sqlite3"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def test_an_0001_database_keeps_its_rows_as_no_workspaces(empty_url: str) -> None:
    migrate_to(empty_url, "0001")
    execute(empty_url, OLD_ROWS)

    assert upgrade(empty_url) == "schema at 0004 (was 0001)"

    store = SqlStore(empty_url)
    try:
        assert store.purge(team_id="T1") == Pruned()  # none of them is a workspace's
        assert store.purge(enterprise_id="E1") == Pruned()
        assert store.top_terms(NO_WORKSPACE, 5) == [("EQL", 1)]
        assert store.recent_misses(NO_WORKSPACE, 5) == [("qbr", 1)]
        assert store.top_terms(SOLO, 5) == []
        # The thread and the channel's cooldown still hold, for what belongs to no workspace...
        assert store.claim_explanations(NO_WORKSPACE, "C1", "1700.1", ["EQL"], 9e9, HOUR) == []
        assert store.claim_explanations(NO_WORKSPACE, "C1", "1700.2", ["EQL"], 1001.0, HOUR) == []
        # ...while a workspace has a cooldown of its own.
        assert store.claim_explanations(ACME, "C1", "1700.3", ["EQL"], 1001.0, HOUR) == ["EQL"]
        assert store.job_stats(100.0) == JobStats(queued=1, running=0, failed=1, oldest_queued_s=0)
        [job] = store.claim_jobs(5, now=101.0, lease_s=30.0, max_attempts=5)
        assert (job.kind, job.payload, job.workspace) == ("explain", {"n": 1}, NO_WORKSPACE)
    finally:
        store.close()


def test_the_way_back_to_0001_merges_workspaces_and_drops_the_oauth_tables(
    empty_url: str,
) -> None:
    upgrade(empty_url)
    store = SqlStore(empty_url)
    try:
        store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR)
        store.claim_explanations(SOLO, "C1", "1700.2", ["EQL"], 2000.0, HOUR)
        store.record_lookup(ACME, "eql", "EQL", 5.0, user="U1")
    finally:
        store.close()

    migrate_to(empty_url, "0001", down=True)

    assert execute(empty_url, "SELECT channel, term, explained_at FROM explanation_cooldowns") == [
        ("C1", "EQL", 2000.0)
    ]
    assert execute(empty_url, "SELECT query, term, user_id FROM lookups") == [("eql", "EQL", "U1")]
    engine = make_engine(parse_url(empty_url), statement_timeout_s=None, pooled=False)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == "0001"
            assert sorted(inspect(conn).get_table_names()) == [
                "alembic_version",
                "explanation_cooldowns",
                "explanations",
                "jobs",
                "lookups",
                "once_keys",
            ]
            assert [c["name"] for c in inspect(conn).get_columns("explanations")] == [
                "channel",
                "thread_ts",
                "term",
                "explained_at",
            ]
    finally:
        engine.dispose()
    assert upgrade(empty_url) == "schema at 0004 (was 0001)"
