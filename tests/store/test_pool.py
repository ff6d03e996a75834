"""The pool a process gets from its settings keeps the connections it opened, on either database.

Why it matters: SQLAlchemy closes an overflow connection when it is returned, so a process whose
steady need is above ``DATABASE_POOL_SIZE`` opens a new connection for nearly every use; on
PostgreSQL that is a new server process each time. The job worker did this with the old default
of 5 + 5 (246 connections opened in 9 s), hence the default of 10 + 0 (bench/RESULTS-serve.md).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.config import load_settings
from bot.slack.bootstrap import make_store
from bot.store.migrate import upgrade

HOLDERS = 8
"""Connections held at once: more than the old pool of 5, fewer than the new one of 10."""


@pytest.fixture(params=["sqlite-file", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("migrated_postgres_url"))
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    return url


def test_a_process_that_needs_eight_connections_at_once_opens_eight_and_keeps_them(
    database_url: str,
) -> None:
    store = make_store(load_settings({"DATABASE_URL": database_url}, dotenv_path=None))
    opened: list[object] = []
    event.listen(store.engine, "connect", lambda connection, record: opened.append(connection))
    together = threading.Barrier(HOLDERS)

    def hold() -> None:
        with store.engine.connect():
            together.wait(timeout=30.0)  # every holder has its connection at this moment

    try:
        for _ in range(3):
            holders = [threading.Thread(target=hold) for _ in range(HOLDERS)]
            for holder in holders:
                holder.start()
            for holder in holders:
                holder.join(30.0)
            assert not together.broken
    finally:
        store.close()
    # With 5 + 5: 14 (five kept; three more opened, then closed on return, in every round).
    assert len(opened) == 8
