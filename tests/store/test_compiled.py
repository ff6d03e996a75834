"""``bot.store.compiled``: statements run on the driver's cursor behave as through SQLAlchemy.

The contract tests run every hot statement on both databases; here, what they cannot show: a
statement's own literals reach the driver, and a connection lost in the middle of a
transaction is one ``DBAPIError`` (invalidated), after which the pool hands out a working one.
On PostgreSQL a read in autocommit leaves no transaction open after its statement (a plain
one does), and the connection goes back to the pool out of autocommit, even when the read
failed, so the next transaction on it is one again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import bindparam, literal_column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from bot.store import compiled
from bot.store.compiled import Prepared
from bot.store.engine import begin_statement, make_engine, parse_url, reason
from bot.store.migrate import upgrade
from bot.store.schema import jobs

QUEUED_AFTER = Prepared(
    select(jobs.c.kind).where(jobs.c.status == "queued", jobs.c.id > bindparam("k_id"))
)
INSERT_JOB = Prepared(
    jobs.insert().inline(),
    keys=("kind", "payload", "status", "attempts", "available_at", "created_at"),
)


def test_a_statements_own_literals_are_parameters_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    engine = make_engine(parse_url(url))
    try:
        with engine.connect() as conn, conn.begin():
            for kind, status in (("a", "queued"), ("b", "failed"), ("c", "queued")):
                row = {"payload": "{}", "attempts": 0, "available_at": 1.0, "created_at": 1.0}
                compiled.run(conn, INSERT_JOB, {**row, "kind": kind, "status": status})
            assert compiled.rows(conn, QUEUED_AFTER, {"k_id": 0}) == [("a",), ("c",)]
            assert compiled.rows(conn, QUEUED_AFTER, {"k_id": 1}) == [("c",)]
    finally:
        engine.dispose()


def test_a_connection_lost_mid_transaction_is_replaced(fresh_postgres_url: str) -> None:
    engine = make_engine(parse_url(fresh_postgres_url), pool_size=1, max_overflow=0)
    own_end = Prepared(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn, conn.begin():
            compiled.rows(conn, own_end, {})
        assert caught.value.connection_invalidated is True
        assert reason(caught.value) == "terminating connection due to administrator command"
        with engine.connect() as conn, conn.begin():
            assert compiled.rows(conn, Prepared(select(literal_column("1"))), {}) == [(1,)]
    finally:
        engine.dispose()


ONE = Prepared(select(literal_column("1")))


def driver_of(connection: PoolProxiedConnection) -> Any:
    """The psycopg connection under the pool's."""
    driver = connection.driver_connection
    assert driver is not None
    return driver


def test_a_postgresql_read_in_autocommit_leaves_no_transaction_open_and_ends_in_one(
    fresh_postgres_url: str,
) -> None:
    engine = make_engine(parse_url(fresh_postgres_url), pool_size=1, max_overflow=0)
    begin = begin_statement(engine, read_only=True)
    statuses: list[TransactionStatus] = []
    try:
        for autocommit in (True, False, True):
            with compiled.transaction(engine, begin, autocommit=autocommit) as tx:
                assert compiled.rows(tx, ONE, {}) == [(1,)]
                statuses.append(driver_of(tx.connection).info.transaction_status)
            with engine.connect() as conn:  # the pool's one connection, as a writer gets it
                assert driver_of(conn.connection).autocommit is False
        with pytest.raises(DBAPIError), compiled.transaction(engine, begin, autocommit=True) as tx:
            compiled.rows(tx, Prepared(text("SELECT 1 / 0")), {})
        with engine.connect() as conn:
            assert driver_of(conn.connection).autocommit is False
            assert driver_of(conn.connection).info.transaction_status == TransactionStatus.IDLE
    finally:
        engine.dispose()
    assert statuses == [TransactionStatus.IDLE, TransactionStatus.INTRANS, TransactionStatus.IDLE]
