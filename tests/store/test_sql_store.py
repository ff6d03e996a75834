"""What only ``SqlStore`` has: a file that outlives the process, SQLite tuning, other processes,
and database failures turned into one clear ``StoreError``. The shared rules are in
``test_store_contract.py``."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.store import SqlStore, StoreError

REPO = Path(__file__).resolve().parents[2]
HOUR = 3600.0


def test_a_new_store_on_the_same_file_sees_the_old_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    first = SqlStore(url)
    first.claim_event("Ev01ABC", now=1000.0)
    first.claim_explanations("C1", "1700.1", ["EQL"], 1000.0, HOUR)
    first.record_lookup("eql", "EQL", now=1000.0, user="U1")
    first.record_lookup("qbr", None, now=1000.0, user="U1")
    first.close()

    second = SqlStore(url)
    try:
        assert second.claim_event("Ev01ABC", now=2000.0) is False
        assert second.claim_explanations("C1", "1700.1", ["EQL"], 1000.0 + 9 * HOUR, HOUR) == []
        assert second.claim_explanations("C1", "1700.2", ["EQL"], 1001.0, HOUR) == []
        assert second.top_terms(5) == [("EQL", 1)]
        assert second.recent_misses(5) == [("qbr", 1)]
    finally:
        second.close()


def test_sqlite_file_uses_wal_and_its_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "glossary-bot.sqlite3"
    store = SqlStore(f"sqlite:///{path}")
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_separate_processes_claiming_one_event_yield_exactly_one_winner(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite3"  # not created yet: the processes race for that too
    code = (
        "import sys; from bot.store import SqlStore; s = SqlStore(sys.argv[1]); "
        "print(s.claim_event('Ev-multi', 1.0)); s.close()"
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


def test_memory_urls_share_one_database_across_threads() -> None:
    store = SqlStore("sqlite://")
    try:
        assert store.claim_event("Ev01ABC", now=1.0) is True
        results: list[bool] = []
        thread = threading.Thread(target=lambda: results.append(store.claim_event("Ev01ABC", 2.0)))
        thread.start()
        thread.join()
        assert results == [False]
    finally:
        store.close()


# --- failures become one StoreError with a clear message ------------------------------------


def test_text_that_is_no_url_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore("data/glossary-bot.sqlite3")
    assert str(caught.value) == (
        "cannot open the state store: not a SQLAlchemy URL (expected e.g. "
        "'sqlite:///data/glossary-bot.sqlite3' or 'postgresql+psycopg://user:pw@host/db')"
    )


def test_an_unknown_database_kind_is_named() -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore("nosuchdb://host/db")
    assert str(caught.value) == (
        "cannot open the state store at nosuchdb://host/db: "
        "Can't load plugin: sqlalchemy.dialects:nosuchdb"
    )


def test_an_unreachable_database_never_shows_its_password() -> None:
    # Without psycopg installed this fails on the import, with it on the refused connection.
    with pytest.raises(StoreError) as caught:
        SqlStore("postgresql+psycopg://bot:s3cret@127.0.0.1:1/glossary")
    message = str(caught.value)
    assert message.startswith(
        "cannot open the state store at postgresql+psycopg://bot:***@127.0.0.1:1/glossary: "
    )
    assert "s3cret" not in message


def test_a_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StoreError) as caught:
        SqlStore(f"sqlite:///{blocker}/glossary-bot.sqlite3")
    assert str(caught.value) == (
        f"cannot open the state store at sqlite:///{blocker}/glossary-bot.sqlite3: "
        f"File exists: {blocker}"
    )


def test_a_path_sqlite_cannot_open_is_reported_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(StoreError) as caught:
        SqlStore(f"sqlite:///{tmp_path}")  # a directory, not a database file
    assert str(caught.value) == (
        f"cannot open the state store at sqlite:///{tmp_path}: unable to open database file"
    )
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.name, r.getMessage(), r.exc_info is not None) for r in errors] == [
        ("bot.store.sql", f"Cannot open the state store at sqlite:///{tmp_path}", True)
    ]


def test_a_failure_while_running_is_a_store_error_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.sqlite3"
    store = SqlStore(f"sqlite:///{path}")
    try:
        with sqlite3.connect(path) as db:
            db.execute("DROP TABLE processed_events")
        db.close()
        with pytest.raises(StoreError) as caught:
            store.claim_event("Ev01ABC", now=1.0)
        assert str(caught.value) == (
            "state store failed to record a Slack event: no such table: processed_events"
        )
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [(r.getMessage(), r.exc_info is not None) for r in errors] == [
            ("State store failed to record a Slack event", True)
        ]
        assert store.healthy() is True  # the database itself still answers
    finally:
        store.close()


def test_an_unexpected_constraint_violation_is_a_store_error_too(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/state.sqlite3")
    try:
        with pytest.raises(StoreError) as caught:
            store.record_lookup("eql", "EQL", now=1.0, user=None)  # type: ignore[arg-type]
        assert str(caught.value) == (
            "state store failed to record a lookup: NOT NULL constraint failed: lookups.user_id"
        )
    finally:
        store.close()
