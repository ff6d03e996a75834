"""Bring a database's schema to the latest revision, safely from any number of processes at once.

Alembic runs programmatically (no alembic.ini): the scripts ship inside the package, in
``bot/store/migrations``. ``upgrade`` is what ``python -m bot migrate`` and ``serve``'s
start-up call; it is idempotent, so running it on every start costs one read.

Replicas starting together must not race to create tables: on PostgreSQL the whole upgrade
runs under a session advisory lock on a fixed key, and the current revision is read only once
the lock is held, so the second replica finds the work done. On SQLite the upgrade is one
``BEGIN IMMEDIATE`` transaction, which serialises the same way. The SQLite file is created
here, not by the store, with mode 0600: lookups hold user ids.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.store.base import StoreError
from bot.store.engine import create_sqlite_file, make_engine, parse_url, reason, shown, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK_KEY = 0x676C6F7373617279  # "glossary": one fixed key for every replica
"""``pg_advisory_lock`` key held while migrating."""
VERSION_TABLE = "alembic_version"


def _config() -> Config:
    """Alembic's configuration, made in code; Alembic is imported here, quietly (see below)."""
    with _quiet_alembic():
        from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def head() -> str:
    """The latest revision the code knows (e.g. ``"0001"``)."""
    config = _config()  # first: it imports Alembic quietly
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(config).get_current_head()
    assert revision is not None, "bot/store/migrations has no revisions"
    return revision


def upgrade(url: str, *, connect_timeout_s: float = 5.0) -> str:
    """Migrate the database at ``url`` to :func:`head`; returns one line saying what was done.

    Examples: ``"schema at 0001 (was empty)"``, ``"schema at 0001 (already current)"``.
    Every failure (bad URL, unreachable, refused login, missing driver) is one-line ``StoreError``.
    """
    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if path is not None:
        create_sqlite_file(path)
    engine = make_engine(
        parsed, connect_timeout_s=connect_timeout_s, statement_timeout_s=None, pooled=False
    )
    try:
        with engine.connect() as conn, _migration_lock(conn), conn.begin():
            was = _describe(conn)
            upgrade_connection(conn)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot migrate the state store at {shown(parsed)}: {reason(exc)}"
        ) from None
    finally:
        engine.dispose()
    if was == head():
        return f"schema at {head()} (already current)"
    return f"schema at {head()} (was {was})"


def upgrade_connection(conn: Connection, revision: str = "head") -> None:
    """Run the migrations on ``conn`` up to ``revision``, inside the caller's transaction (and
    lock). Tests name an older revision to make a database as an older release left it."""
    config = _config()
    from alembic import command

    config.attributes["connection"] = conn
    with _quiet_alembic():
        command.upgrade(config, revision)


@contextlib.contextmanager
def _quiet_alembic() -> Iterator[None]:
    """Alembic narrates at INFO (plugins as it is imported, DDL mode, each step); ``upgrade``'s
    one-line summary says what matters. A level set on the "alembic" logger on purpose is kept."""
    alembic_logger = logging.getLogger("alembic")
    if alembic_logger.level != logging.NOTSET:
        yield
        return
    alembic_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        alembic_logger.setLevel(logging.NOTSET)


def is_current(target: Engine | str) -> bool:
    """True when the database at ``target`` is at :func:`head`. Only reads; ``StoreError`` if the
    database cannot be reached."""
    if isinstance(target, Engine):
        return _is_current_on(target)
    engine = make_engine(parse_url(target), statement_timeout_s=None, pooled=False)
    try:
        return _is_current_on(engine)
    finally:
        engine.dispose()


def _is_current_on(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return current_revision(conn) == head()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the state store's schema version: {reason(exc)}") from None


def current_revision(conn: Connection) -> str | None:
    """The database's revision, None if it was never migrated.

    Read directly rather than through Alembic, which logs two lines per look: ``health`` looks
    every few seconds."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one_or_none()


def _describe(conn: Connection) -> str:
    """The revision before upgrading, for the summary: a revision, "empty" or "unversioned"."""
    revision = current_revision(conn)
    if revision is not None:
        return revision
    return "unversioned" if inspect(conn).get_table_names() else "empty"


@contextlib.contextmanager
def _migration_lock(conn: Connection) -> Iterator[None]:
    """Postgres: hold the advisory lock (session level, so it outlives the commits inside)."""
    if conn.dialect.name != "postgresql":
        yield  # SQLite: the BEGIN IMMEDIATE transaction is the lock
        return
    conn.execute(select(func.pg_advisory_lock(ADVISORY_LOCK_KEY)))
    conn.commit()
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()
        conn.execute(select(func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
        conn.commit()
