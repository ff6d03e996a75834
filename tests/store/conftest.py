"""The ``store`` fixture: every contract test runs once per backend; ``sql_store`` once per
database (SQLite file, PostgreSQL), for tests that look at tables and slack_sdk's stores.

PostgreSQL uses one migrated database for the whole session, emptied before each test (much
faster than a database per test); without ``TEST_DATABASE_URL`` those runs skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from bot.store import MemoryStore, RememberingStore, SqlStore, Store
from bot.store.migrate import upgrade
from tests.postgres import fresh_database
from tests.store.helpers import sqlite_store

BACKENDS = ["memory", "sqlite-file", "sqlite-in-memory", "remembering-sqlite-file", "postgresql"]
TABLES = (
    "jobs, once_keys, explanations, explanation_cooldowns, lookups, "
    "slack_installations, slack_bots, slack_oauth_states, channel_settings, preferences, "
    "suggestions"
)


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_url: str) -> Iterator[str]:
    with fresh_database(postgres_url) as url:
        upgrade(url)
        yield url


def empty_postgres_store(url: str) -> SqlStore:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY")
    engine.dispose()
    return SqlStore(url)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    makers: dict[str, Callable[[], Store]] = {
        "memory": MemoryStore,
        "sqlite-file": lambda: sqlite_store(tmp_path),
        "sqlite-in-memory": lambda: SqlStore("sqlite://"),
        "remembering-sqlite-file": lambda: RememberingStore(sqlite_store(tmp_path)),
        "postgresql": lambda: empty_postgres_store(
            request.getfixturevalue("migrated_postgres_url")
        ),
    }
    made = makers[request.param]()
    yield made
    made.close()


@pytest.fixture(params=["sqlite-file", "postgresql"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    made = (
        sqlite_store(tmp_path)
        if request.param == "sqlite-file"
        else empty_postgres_store(request.getfixturevalue("migrated_postgres_url"))
    )
    yield made
    made.close()
