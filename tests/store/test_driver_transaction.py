"""``compiled.transaction``: the hot path's transactions, begun and ended on the driver, keep
what SQLAlchemy's gave: SQLite's write lock from BEGIN for writers only, rollback on any error,
the connection back in the pool, a lost one replaced, a failed COMMIT one ``DBAPIError``.

The contract tests run every hot method through it on both databases; here, what they cannot
show (the store's own messages for these failures are in test_sql_store and test_sql_postgres).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, literal_column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from bot.store import compiled
from bot.store.compiled import Prepared
from bot.store.engine import begin_statement, make_engine, parse_url, reason
from bot.store.migrate import upgrade
from bot.store.schema import once_keys

ONE = Prepared(select(literal_column("1")))
CLAIM = Prepared(once_keys.insert().inline(), keys=("key", "claimed_at"))
COUNT = Prepared(select(literal_column("count(*)")).select_from(once_keys))


def checked_out(engine: Engine) -> int:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    return make_engine(parse_url(url))


@pytest.mark.parametrize(("read_only", "other_writer"), [(False, "database is locked"), (True, "")])
def test_on_sqlite_a_writer_holds_the_write_lock_from_begin_a_reader_none(
    sqlite_engine: Engine, tmp_path: Path, read_only: bool, other_writer: str
) -> None:
    other = sqlite3.connect(tmp_path / "state.sqlite3", timeout=0, isolation_level=None)
    try:
        begin = begin_statement(sqlite_engine, read_only=read_only)
        with compiled.transaction(sqlite_engine, begin):
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                refused = ""
            except sqlite3.OperationalError as exc:
                refused = str(exc)
        assert refused == other_writer
    finally:
        other.close()
        sqlite_engine.dispose()


def test_an_error_rolls_back_and_every_connection_goes_back_to_the_pool(
    sqlite_engine: Engine,
) -> None:
    begin = begin_statement(sqlite_engine, read_only=False)
    try:
        with pytest.raises(ValueError), compiled.transaction(sqlite_engine, begin) as tx:
            compiled.run(tx, CLAIM, {"key": "event:rolled-back", "claimed_at": 1.0})
            raise ValueError("after the insert")
        with pytest.raises(DBAPIError) as caught, compiled.transaction(sqlite_engine, begin) as tx:
            compiled.run(tx, CLAIM, {"key": "event:twice", "claimed_at": 1.0})
            compiled.run(tx, CLAIM, {"key": "event:twice", "claimed_at": 2.0})
        assert reason(caught.value) == "UNIQUE constraint failed: once_keys.key"
        with compiled.transaction(sqlite_engine, begin) as tx:
            compiled.run(tx, CLAIM, {"key": "event:kept", "claimed_at": 1.0})
        with compiled.transaction(
            sqlite_engine, begin_statement(sqlite_engine, read_only=True)
        ) as tx:
            assert compiled.rows(tx, COUNT, {}) == [(1,)]
        assert checked_out(sqlite_engine) == 0
    finally:
        sqlite_engine.dispose()


def test_a_connection_lost_mid_transaction_is_replaced(fresh_postgres_url: str) -> None:
    engine = make_engine(parse_url(fresh_postgres_url), pool_size=1, max_overflow=0)
    own_end = Prepared(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    try:
        with pytest.raises(DBAPIError) as caught, compiled.transaction(engine, None) as tx:
            compiled.rows(tx, own_end, {})
        assert caught.value.connection_invalidated is True
        assert reason(caught.value) == "terminating connection due to administrator command"
        assert checked_out(engine) == 0
        with compiled.transaction(engine, None) as tx:
            assert compiled.rows(tx, ONE, {}) == [(1,)]
    finally:
        engine.dispose()


def test_a_failed_commit_is_one_error_and_the_connection_stays_in_use(
    fresh_postgres_url: str,
) -> None:
    engine = make_engine(parse_url(fresh_postgres_url), pool_size=1, max_overflow=0)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE deferred (k TEXT, UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)"
            )
        twice = Prepared(text("INSERT INTO deferred VALUES ('a'), ('a')"))
        with pytest.raises(DBAPIError) as caught, compiled.transaction(engine, None) as tx:
            compiled.run(tx, twice, {})  # accepted: the unique check waits for COMMIT
        assert caught.value.statement == "COMMIT"
        assert caught.value.connection_invalidated is False
        assert reason(caught.value).startswith("duplicate key value violates unique constraint")
        with compiled.transaction(engine, None) as tx:
            assert compiled.rows(tx, ONE, {}) == [(1,)]
    finally:
        engine.dispose()
