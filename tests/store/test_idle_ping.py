"""PostgreSQL's pooled connections are pinged at checkout only when idle past a threshold, or
idle since a pool-mate was found lost (``engine._IdlePing``): what that guarantees, and the
window it leaves. Thresholds of 0 and an hour make both sides deterministic, with no waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Engine, literal_column, select, text
from sqlalchemy.exc import DBAPIError

from bot.store import compiled
from bot.store.compiled import Prepared
from bot.store.engine import make_engine, parse_url, reason

ONE = Prepared(select(literal_column("1")))
PID = Prepared(text("SELECT pg_backend_pid()"))
HOUR = 3600.0


@pytest.fixture
def kill(fresh_postgres_url: str) -> Iterator[Callable[[], int]]:
    """Ends every bot connection to the test's database, waiting until they are gone; returns
    how many it ended."""
    # Autocommit: in a transaction, pg_stat_activity would stay the snapshot of its first read.
    plain_url = fresh_postgres_url.replace("postgresql+psycopg", "postgresql")
    killer = psycopg.connect(plain_url, autocommit=True)

    def kill_all() -> int:
        ended = killer.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE application_name = 'glossary-bot' AND datname = current_database()"
        ).fetchall()
        assert set(ended) == {(True,)}
        return len(ended)

    yield kill_all
    killer.close()


def engine_for(url: str, *, pool_size: int, ping_idle_after_s: float) -> Engine:
    return make_engine(
        parse_url(url), pool_size=pool_size, max_overflow=0, ping_idle_after_s=ping_idle_after_s
    )


def backend_pid(engine: Engine) -> int:
    with compiled.transaction(engine, None) as tx:
        [(pid,)] = compiled.rows(tx, PID, {})
    assert isinstance(pid, int)
    return pid


def test_a_connection_killed_while_idle_past_the_threshold_is_replaced_before_use(
    fresh_postgres_url: str, kill: Callable[[], int]
) -> None:
    engine = engine_for(fresh_postgres_url, pool_size=1, ping_idle_after_s=0.0)
    try:
        first = backend_pid(engine)
        assert kill() == 1
        second = backend_pid(engine)  # driver transaction: pinged, reconnected
        assert second != first
        assert kill() == 1
        with engine.connect() as conn:  # SQLAlchemy's Connection (off the hot path): the same
            assert conn.execute(select(literal_column("1"))).all() == [(1,)]
    finally:
        engine.dispose()


def test_within_the_threshold_a_killed_connection_fails_one_transaction(
    fresh_postgres_url: str, kill: Callable[[], int]
) -> None:
    engine = engine_for(fresh_postgres_url, pool_size=1, ping_idle_after_s=HOUR)
    try:
        backend_pid(engine)
        assert kill() == 1
        with pytest.raises(DBAPIError) as caught, compiled.transaction(engine, None) as tx:
            compiled.rows(tx, ONE, {})
        assert caught.value.connection_invalidated is True
        assert reason(caught.value) == "terminating connection due to administrator command"
        with compiled.transaction(engine, None) as tx:
            assert compiled.rows(tx, ONE, {}) == [(1,)]
    finally:
        engine.dispose()


def test_a_lost_connection_has_its_idle_pool_mates_pinged(
    fresh_postgres_url: str, kill: Callable[[], int]
) -> None:
    engine = engine_for(fresh_postgres_url, pool_size=2, ping_idle_after_s=HOUR)
    try:
        with compiled.transaction(engine, None), compiled.transaction(engine, None):
            pass  # both pooled connections open, then idle
        assert kill() == 2
        with pytest.raises(DBAPIError), compiled.transaction(engine, None) as tx:
            compiled.rows(tx, ONE, {})
        # Both at once: one is the other killed connection, pinged and replaced before use.
        with compiled.transaction(engine, None) as one, compiled.transaction(engine, None) as two:
            assert compiled.rows(one, ONE, {}) == [(1,)]
            assert compiled.rows(two, ONE, {}) == [(1,)]
    finally:
        engine.dispose()
