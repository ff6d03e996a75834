"""What only ``SqlStore`` has: a file that outlives the process, SQLite's file rules, other
processes, and database failures turned into one clear ``StoreError`` that the store never logs
itself. The shared rules are in the two contract files; PostgreSQL's are in test_sql_postgres."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import SqlStore, StoreError
from bot.store.base import NewJob, StoreHealth
from bot.store.migrate import upgrade
from tests.store.helpers import ACME, count_transactions, sqlite_store

REPO = Path(__file__).resolve().parents[2]
HOUR = 3600.0
SQLITE = "sqlite (one host only)"


def test_a_new_store_on_the_same_file_sees_the_old_data(tmp_path: Path) -> None:
    first = sqlite_store(tmp_path)
    first.claim_once("event:Ev01ABC", now=1000.0)
    first.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR)
    first.record_lookup(ACME, "eql", "EQL", now=1000.0, user="U1")
    first.enqueue([NewJob("explain", {"n": 1})], now=1000.0)
    first.close()

    second = SqlStore(f"sqlite:///{tmp_path}/state.sqlite3")
    try:
        assert second.claim_once("event:Ev01ABC", now=2000.0) is False
        assert (
            second.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0 + 9 * HOUR, HOUR) == []
        )
        assert second.top_terms(ACME, 5) == [("EQL", 1)]
        assert [job.payload for job in second.claim_jobs(5, 2000.0, 30.0, 5)] == [{"n": 1}]
    finally:
        second.close()


def test_the_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    try:
        store.claim_once("event:Ev01ABC", now=1.0)  # the WAL file exists while the store is open
        for name in ("state.sqlite3", "state.sqlite3-wal"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_the_store_never_creates_a_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with pytest.raises(StoreError) as caught:
        SqlStore(f"sqlite:///{path}")
    assert str(caught.value) == (
        f"cannot open the state store at sqlite:///{path}: no database file there "
        "(create it with `python -m bot migrate`)"
    )
    assert not path.exists()


def test_construction_and_health_need_no_write_lock(tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path}/state.sqlite3")
    other_process = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # holds the write lock throughout
    try:
        store = SqlStore(f"sqlite:///{tmp_path}/state.sqlite3")
        assert store.health() == StoreHealth(ok=True, backend=SQLITE, schema_current=True)
        assert store.top_terms(ACME, 5) == []
        store.close()
    finally:
        other_process.rollback()
        other_process.close()


def test_an_unmigrated_database_is_reported_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    sqlite3.connect(path).close()  # an empty file, as if created by hand
    store = SqlStore(f"sqlite:///{path}")
    try:
        assert store.health() == StoreHealth(
            ok=False,
            backend=SQLITE,
            schema_current=False,
            detail="schema at nothing, the code needs 0004: run `python -m bot migrate`",
        )
        assert store.schema_current() is False
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []
    db.close()


def test_a_database_file_deleted_while_running_is_detected_and_not_recreated(
    tmp_path: Path,
) -> None:
    store = sqlite_store(tmp_path)
    path = tmp_path / "state.sqlite3"
    try:
        assert store.claim_once("event:Ev01ABC", now=1.0) is True
        for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"):
            (tmp_path / name).unlink()
        expected = (
            f"the database file {path} was deleted or replaced while the bot ran "
            "(restore it, or restart after `python -m bot migrate`)"
        )

        assert store.health() == StoreHealth(
            False,
            SQLITE,
            schema_current=False,
            detail=f"state store failed to answer a health check: {expected}",
        )
        with pytest.raises(StoreError) as caught:
            store.claim_once("event:Ev01ABC", now=2.0)
        assert str(caught.value) == f"state store failed to claim a once-only key: {expected}"
        assert not path.exists()
    finally:
        store.close()


def test_separate_processes_claiming_one_key_yield_exactly_one_winner(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    code = (
        "import sys; from bot.store import SqlStore; s = SqlStore(sys.argv[1]); "
        "print(s.claim_once('event:Ev-multi', 1.0)); s.close()"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, url], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    outputs = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 6
    assert sorted(outputs) == ["False"] * 5 + ["True"]


def test_an_in_memory_database_is_created_with_the_store(tmp_path: Path) -> None:
    store = SqlStore("sqlite://")
    try:
        assert store.health() == StoreHealth(ok=True, backend=SQLITE, schema_current=True)
        assert store.claim_once("event:Ev01ABC", now=1.0) is True
    finally:
        store.close()


def test_a_failed_job_keeps_its_error_for_operators(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    try:
        store.enqueue([NewJob("explain"), NewJob("share")], now=1.0)
        explain, share = store.claim_jobs(2, now=1.0, lease_s=30.0, max_attempts=1)
        store.fail_job(explain, "channel_not_found\n" + "x" * 3000, now=2.0)
        assert store.claim_jobs(2, now=40.0, lease_s=30.0, max_attempts=1) == []
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        rows = db.execute("SELECT kind, status, length(error), lease FROM jobs").fetchall()
        gave_up = db.execute("SELECT error FROM jobs WHERE kind = 'share'").fetchone()
    db.close()
    assert rows == [("explain", "failed", 2000, None), ("share", "failed", 24, None)]
    assert gave_up == ("gave up after 1 attempts",)
    assert share.attempts == 1


# --- failures become one StoreError with a clear message, and are never logged here ------------


def test_text_that_is_no_url_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore("data/glossary-bot.sqlite3")
    assert str(caught.value) == (
        "cannot open the state store: not a SQLAlchemy URL (expected e.g. "
        "'sqlite:///data/glossary-bot.sqlite3' or 'postgresql+psycopg://user:pw@host/db')"
    )


def test_an_unsupported_database_kind_is_named() -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore("mysql://bot:s3cret@host/db")
    assert str(caught.value) == (
        "cannot open the state store at mysql://bot:***@host/db: unsupported database 'mysql' "
        "(use sqlite or postgresql)"
    )


def test_a_missing_driver_is_named() -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore("postgresql+psycopg2://bot:s3cret@127.0.0.1/glossary")
    assert str(caught.value) == (
        "cannot open the state store at postgresql+psycopg2://bot:***@127.0.0.1/glossary: "
        "database driver missing (No module named 'psycopg2'; "
        "for PostgreSQL install the 'postgres' extra)"
    )


def test_an_unreachable_database_is_unhealthy_and_never_shows_its_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SqlStore("postgresql://bot:s3cret@127.0.0.1:1/glossary", connect_timeout_s=2.0)
    try:
        health = store.health()
        with pytest.raises(StoreError) as caught:
            store.record_lookup(ACME, "eql", "EQL", now=1.0)
    finally:
        store.close()
    assert (health.ok, health.backend, health.schema_current) == (False, "postgresql", False)
    assert health.detail.startswith("state store failed to answer a health check: connection")
    assert str(caught.value).startswith("state store failed to record a lookup: connection")
    assert "\n" not in str(caught.value)
    assert "s3cret" not in health.detail + str(caught.value)
    assert caplog.records == []


def test_a_failure_while_running_is_a_store_error_and_not_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = sqlite_store(tmp_path)
    try:
        with sqlite3.connect(tmp_path / "state.sqlite3") as db:
            db.execute("DROP TABLE once_keys")
        db.close()
        with pytest.raises(StoreError) as caught:
            store.claim_once("event:Ev01ABC", now=1.0)
        assert str(caught.value) == (
            "state store failed to claim a once-only key: no such table: once_keys"
        )
        with pytest.raises(StoreError) as caught:
            store.record_lookup(ACME, "eql", "EQL", now=1.0, user=None)  # type: ignore[arg-type]
        assert str(caught.value) == (
            "state store failed to record a lookup: NOT NULL constraint failed: lookups.user_id"
        )
        assert caplog.records == []
    finally:
        store.close()


def test_an_enqueue_queued_for_later_rides_in_the_next_write(tmp_path: Path) -> None:
    """It is queued before the claim, so the claim, in the same transaction, finds its job."""
    store = sqlite_store(tmp_path)
    opened = count_transactions(store)
    later = store.enqueue_later([NewJob("explain", {"n": 1})], now=100.0)
    assert (later.ended, opened) == (False, [])
    [job] = store.claim_jobs(1, now=100.0, lease_s=30.0, max_attempts=5)
    assert (later.ended, later.outcome(), job.payload) == (True, 1, {"n": 1})
    assert opened == ["queue work, claim work"]
