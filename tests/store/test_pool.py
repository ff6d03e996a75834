"""The pool a process gets from its settings keeps the connections it opened, on either database,
and hands out the one returned last.

Why it matters: SQLAlchemy closes an overflow connection when it is returned, so a process whose
steady need is above ``DATABASE_POOL_SIZE`` opens a new connection for nearly every use; on
PostgreSQL that is a new server process each time. The job worker did this with the old default
of 5 + 5 (246 connections opened in 9 s), hence the default of 10 + 0 (bench/RESULTS-serve.md).
Last returned, first out: once traffic is light again, a process reuses a warm connection rather
than rotating through all it kept, each of which would then have sat idle long enough to be
pinged before use (``engine.IDLE_PING_AFTER_S``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.config import load_settings
from bot.slack.bootstrap import make_store
from bot.store import SqlStore
from bot.store.migrate import upgrade
from tests.store.helpers import run_together

HOLDERS = 8
"""Connections held at once: more than the old pool of 5, fewer than the new one of 10."""


@pytest.fixture(params=["sqlite-file", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("migrated_postgres_url"))
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    return url


def configured_store(database_url: str) -> SqlStore:
    return make_store(load_settings({"DATABASE_URL": database_url}, dotenv_path=None))


def hold_together(store: SqlStore, holders: int) -> None:
    """``holders`` threads each holding a connection at the same moment."""
    together = threading.Barrier(holders)

    def hold() -> None:
        with store.engine.connect():
            together.wait(timeout=30.0)  # every holder has its connection at this moment

    run_together(holders, hold)


def test_a_process_that_needs_eight_connections_at_once_opens_eight_and_keeps_them(
    database_url: str,
) -> None:
    store = configured_store(database_url)
    opened: list[object] = []
    event.listen(store.engine, "connect", lambda connection, record: opened.append(connection))
    try:
        for _ in range(3):
            hold_together(store, HOLDERS)
    finally:
        store.close()
    # With 5 + 5: 14 (five kept; three more opened, then closed on return, in every round).
    assert len(opened) == 8


def test_when_traffic_is_light_again_the_last_connection_returned_is_the_one_reused(
    database_url: str,
) -> None:
    store = configured_store(database_url)
    used: list[object] = []
    event.listen(store.engine, "checkout", lambda connection, record, proxy: used.append(record))
    try:
        hold_together(store, 3)  # three kept; the last one back is on top
        used.clear()
        for _ in range(3):
            with store.engine.connect():
                pass
    finally:
        store.close()
    assert used == [used[0]] * 3  # oldest first (FIFO) would have given three different ones
