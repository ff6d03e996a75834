"""``bot.store.compiled``: statements run on the driver's cursor behave as through SQLAlchemy.

The contract tests run every hot statement on both databases; here, what they cannot show: a
statement's own literals reach the driver, and a connection lost in the middle of a
transaction is one ``DBAPIError`` (invalidated), after which the pool hands out a working one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import bindparam, literal_column, select, text
from sqlalchemy.exc import DBAPIError

from bot.store import compiled
from bot.store.compiled import Prepared
from bot.store.engine import make_engine, parse_url, reason
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
