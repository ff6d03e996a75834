"""bot.store.migrate: idempotent upgrades that replicas may run at the same moment, databases
made before migrations adopted with their data, and one-line errors."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.store import NO_WORKSPACE, SqlStore, StoreError
from bot.store.engine import create_sqlite_file
from bot.store.migrate import head, is_current, upgrade

REPO = Path(__file__).resolve().parents[2]
HOUR = 3600.0
# Each process waits until all are ready, then upgrades: the race is real, not sequential.
RACE = """
import pathlib, sys, time
from bot.store.migrate import upgrade
gate, me, n = pathlib.Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
(gate / me).touch()
while len(list(gate.iterdir())) < n:
    time.sleep(0.005)
print(upgrade(sys.argv[1]))
"""


def upgrade_together(url: str, n: int, gate: Path) -> list[str]:
    gate.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, url, str(gate), str(i), str(n)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [(proc.returncode, err) for proc, (_, err) in zip(procs, results, strict=True)] == [
        (0, "")
    ] * n
    return sorted(out.strip() for out, _ in results)


def test_head_is_the_latest_revision() -> None:
    assert head() == "0004"


def test_sqlite_upgrade_creates_a_private_file_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "glossary-bot.sqlite3"
    url = f"sqlite:///{path}"

    assert upgrade(url) == "schema at 0004 (was empty)"
    assert upgrade(url) == "schema at 0004 (already current)"

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert is_current(url) is True
    engine = create_engine(url, poolclass=NullPool)  # an engine the caller already has
    assert is_current(engine) is True
    engine.dispose()


def test_a_new_sqlite_file_is_born_in_wal_mode_with_nothing_left_beside_it(
    tmp_path: Path,
) -> None:
    # Two processes switching one new file to WAL together: one fails at once, "database is
    # locked", whatever the busy timeout. A file that is WAL from the start needs no switch.
    path = tmp_path / "glossary-bot.sqlite3"
    assert create_sqlite_file(path) is True
    assert create_sqlite_file(path) is False

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary-bot.sqlite3"]


def test_an_empty_database_is_not_current(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    sqlite3.connect(path).close()
    assert is_current(f"sqlite:///{path}") is False


def test_three_processes_upgrading_one_new_sqlite_file_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    assert upgrade_together(url, 3, tmp_path / "gate") == [
        "schema at 0004 (already current)",
        "schema at 0004 (already current)",
        "schema at 0004 (was empty)",
    ]


def test_a_database_from_before_migrations_is_adopted_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE processed_events (event_id VARCHAR(255) PRIMARY KEY, seen_at FLOAT);
            CREATE TABLE explanations (channel VARCHAR(64), thread_ts VARCHAR(64),
                term VARCHAR(255), explained_at FLOAT NOT NULL,
                PRIMARY KEY (channel, thread_ts, term));
            CREATE TABLE explanation_cooldowns (channel VARCHAR(64), term VARCHAR(255),
                explained_at FLOAT NOT NULL, PRIMARY KEY (channel, term));
            CREATE TABLE lookups (id INTEGER PRIMARY KEY, at FLOAT NOT NULL, query TEXT NOT NULL,
                term VARCHAR(255), user_id VARCHAR(64) NOT NULL);
            CREATE INDEX ix_lookups_term ON lookups (term);
            INSERT INTO processed_events VALUES ('Ev01', 1.0);
            INSERT INTO explanations VALUES ('C1', '1700.1', 'EQL', 1000.0);
            INSERT INTO explanation_cooldowns VALUES ('C1', 'EQL', 1000.0);
            INSERT INTO lookups (at, query, term, user_id) VALUES (5.0, 'eql', 'EQL', 'U1');
            """
        )
    db.close()

    assert upgrade(f"sqlite:///{path}") == "schema at 0004 (was unversioned)"

    store = SqlStore(f"sqlite:///{path}")
    try:
        assert store.top_terms(NO_WORKSPACE, 5) == [("EQL", 1)]
        assert store.claim_explanations(NO_WORKSPACE, "C1", "1700.1", ["EQL"], 99999.0, HOUR) == []
        assert store.claim_explanations(NO_WORKSPACE, "C1", "1700.2", ["EQL"], 1001.0, HOUR) == []
        assert store.claim_once("event:Ev01", now=2.0) is True
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert "processed_events" not in tables


# --- PostgreSQL ---------------------------------------------------------------------------------


def test_postgres_upgrade_is_idempotent(fresh_postgres_url: str) -> None:
    assert is_current(fresh_postgres_url) is False
    assert upgrade(fresh_postgres_url) == "schema at 0004 (was empty)"
    assert upgrade(fresh_postgres_url) == "schema at 0004 (already current)"
    assert is_current(fresh_postgres_url) is True


def test_three_processes_upgrading_one_empty_postgres_database_all_succeed(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    assert upgrade_together(fresh_postgres_url, 3, tmp_path / "gate") == [
        "schema at 0004 (already current)",
        "schema at 0004 (already current)",
        "schema at 0004 (was empty)",
    ]
    assert is_current(fresh_postgres_url) is True


def test_a_wrong_password_is_one_line_without_the_password(postgres_url: str) -> None:
    url = make_url(postgres_url).set(password="wrong-pw").render_as_string(hide_password=False)
    with pytest.raises(StoreError) as caught:
        upgrade(url)
    message = str(caught.value)
    assert message.startswith("cannot migrate the state store at postgresql+psycopg://bot:***@")
    assert message.endswith('password authentication failed for user "bot"')
    assert "wrong-pw" not in message


def test_an_upgrade_leaves_no_connection_or_lock_behind(fresh_postgres_url: str) -> None:
    upgrade(fresh_postgres_url)
    engine = create_engine(fresh_postgres_url, poolclass=NullPool)
    with engine.connect() as conn:
        locks = conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        sessions = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        )
        assert (locks.scalar(), sessions.scalar()) == (0, 1)
    engine.dispose()


# --- errors ---------------------------------------------------------------------------------------


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        upgrade("postgresql://bot:s3cret@127.0.0.1:1/glossary", connect_timeout_s=2.0)
    message = str(caught.value)
    assert message.startswith(
        "cannot migrate the state store at postgresql+psycopg://bot:***@127.0.0.1:1/glossary: "
        "connection failed: "
    )
    assert "\n" not in message
    assert "s3cret" not in message


def test_a_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StoreError) as caught:
        upgrade(f"sqlite:///{blocker}/glossary-bot.sqlite3")
    assert str(caught.value) == (
        f"cannot create the state store at {blocker}/glossary-bot.sqlite3: File exists: {blocker}"
    )


def test_a_path_sqlite_cannot_open_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        upgrade(f"sqlite:///{tmp_path}")  # a directory, not a database file
    assert str(caught.value) == (
        f"cannot migrate the state store at sqlite:///{tmp_path}: unable to open database file"
    )


def test_a_bad_url_is_refused_before_anything_is_touched() -> None:
    with pytest.raises(StoreError) as caught:
        upgrade("data/glossary-bot.sqlite3")
    assert str(caught.value).startswith("cannot open the state store: not a SQLAlchemy URL")
