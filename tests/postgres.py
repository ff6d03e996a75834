"""Empty PostgreSQL databases for tests, on the server ``tests/postgres.sh`` starts.

Each ``fresh_database`` is created from ``TEST_DATABASE_URL``'s server and dropped afterwards
(``WITH (FORCE)``, so a connection a failed test left open cannot keep it alive).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Yield the URL (password included) of a new, empty database on ``server_url``'s server."""
    url = make_url(server_url)
    name = f"t_{uuid.uuid4().hex}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
