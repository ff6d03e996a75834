"""Turning a database URL into a SQLAlchemy engine, the same way for the store and migrations.

Two backends are supported: SQLite (one host) and PostgreSQL through psycopg 3. Anything else
is refused with one line, as is a URL that does not parse or a driver that is not installed.

SQLite: the store opens an existing file only (``mode=rw``), so a database file deleted while
the bot runs is an error rather than a new empty database; migrations create the file, 0600
and already in WAL mode.
Every connection runs in WAL mode with a busy timeout, and transactions start with
``BEGIN IMMEDIATE`` (the write lock up front, so waiting happens before any work) unless the
connection carries the ``READ_ONLY`` execution option, which gets a plain deferred ``BEGIN``
and so never waits for, nor blocks, a writer. The store's transactions on the driver
(``compiled.transaction``) begin with the same statements (``begin_statement``).

PostgreSQL: pooled connections with a connect timeout and a server-side statement timeout,
so a stalled database costs a bounded wait, never a hung thread. A connection is pinged at
checkout only if it sat in the pool ``IDLE_PING_AFTER_S`` or longer, or since a pool-mate was
found lost (``_IdlePing``); a failed ping replaces it before use. ``pool_pre_ping`` pinged at
every checkout: a round trip more per transaction (~4 per explained message), ~15% of the
store's client CPU. The window left: a connection used less than that ago whose server has
died (restart, ``pg_terminate_backend``, a proxy dropping it) fails its next transaction once,
a one-line ``StoreError`` handled as a brief outage: enqueue answers a first delivery
in-process, a retry not (``dispatch.py``); a job thread's claim backs off, a job's store call
leaves it to its lease, a failed ``finish_job`` may let it run again (``jobs.py``); a lookup
is answered uncounted (``perform.py``).
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, StaticPool

from bot.store import compiled
from bot.store.base import StoreError

SQLITE_BUSY_TIMEOUT_S = 15.0
READ_ONLY = "glossary_read_only"
"""Execution option: this connection only reads (SQLite: deferred BEGIN, no write lock)."""
NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
"""``link()`` errors of filesystems without hard links (some network and FUSE mounts)."""
IDLE_PING_AFTER_S = 1.0
"""PostgreSQL: ping a connection idle this long. Under load connections come back within
milliseconds and are never pinged; an idle replica's next transaction pays one ping."""
URL_EXAMPLE = "'sqlite:///data/glossary-bot.sqlite3' or 'postgresql+psycopg://user:pw@host/db'"


def parse_url(url: str) -> URL:
    """The URL, with plain ``postgres(ql)://`` meaning psycopg 3; a bad or unsupported one is a
    ``StoreError`` that never shows the password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"cannot open the state store: not a SQLAlchemy URL (expected e.g. {URL_EXAMPLE})"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"cannot open the state store at {shown(parsed)}: unsupported database "
            f"{backend!r} (use sqlite or postgresql)"
        )
    return parsed


def shown(url: URL) -> str:
    """The URL as it may appear in messages and logs."""
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL, absolute; None for an in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser().absolute()


def backend_label(url: URL) -> str:
    """What readiness reports: a SQLite file serves one host only, whatever the replica count."""
    return "postgresql" if url.get_backend_name() == "postgresql" else "sqlite (one host only)"


def make_engine(
    url: URL,
    *,
    pool_size: int = 10,
    max_overflow: int = 0,
    connect_timeout_s: float = 5.0,
    statement_timeout_s: float | None = 10.0,
    pooled: bool = True,
    ping_idle_after_s: float = IDLE_PING_AFTER_S,
) -> Engine:
    """An engine for ``url`` (see the module docstring); ``StoreError`` if the driver is missing.

    Migrations pass ``pooled=False`` and ``statement_timeout_s=None``: one connection, and
    statements (and the advisory-lock wait) that run as long as they need. Nothing connects yet.
    ``ping_idle_after_s`` (PostgreSQL) is for tests: 0 pings always, an hour never in a test.
    """
    # Most recently returned first (LIFO): a process that once needed many connections keeps
    # reusing its few warm ones when traffic is light, instead of rotating through all of them
    # (each then idle past IDLE_PING_AFTER_S, so a ping more per transaction).
    pool: dict[str, Any] = (
        {"pool_size": pool_size, "max_overflow": max_overflow, "pool_use_lifo": True}
        if pooled
        else {"poolclass": NullPool}
    )
    try:
        if url.get_backend_name() == "postgresql":
            engine = _postgres_engine(url, pool, connect_timeout_s, statement_timeout_s)
            _IdlePing(engine.dialect, ping_idle_after_s).listen(engine)
            return engine
        return _sqlite_engine(url, pool)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"cannot open the state store at {shown(url)}: database driver missing ({reason(exc)}; "
            "for PostgreSQL install the 'postgres' extra)"
        ) from None


def _postgres_engine(
    url: URL, pool: dict[str, Any], connect_timeout_s: float, statement_timeout_s: float | None
) -> Engine:
    # libpq takes whole seconds; it treats anything below 2 as 2.
    connect_args: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(connect_timeout_s)),
        "application_name": "glossary-bot",
    }
    if statement_timeout_s is not None:
        connect_args["options"] = f"-c statement_timeout={round(statement_timeout_s * 1000)}"
        if "pool_size" in pool:
            # A connection comes back within one statement timeout unless the database is stuck.
            pool["pool_timeout"] = statement_timeout_s
    return create_engine(url, connect_args=connect_args, **pool)


class _IdlePing:
    """SQLAlchemy's custom pessimistic disconnect handling ("Dealing with Disconnects"), on
    idle connections only: a checkout event pings a connection idle for ``after_s`` or since
    before a pool-mate was invalidated; a failed ping raises ``DisconnectionError``, and the
    pool replaces the connection (its new one is not pinged: the record's ``info`` goes with
    the old one)."""

    __slots__ = ("_after_s", "_dialect", "_lost_at")

    def __init__(self, dialect: Dialect, after_s: float) -> None:
        self._dialect = dialect
        self._after_s = after_s
        self._lost_at = -math.inf

    def listen(self, engine: Engine) -> None:
        event.listen(engine, "checkin", self._checkin)
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "invalidate", self._invalidated)

    def _checkin(self, dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        if dbapi_connection is not None:  # None: invalidated, nothing to stamp
            record.info[_IDLE_SINCE] = time.monotonic()

    def _checkout(self, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: object) -> None:
        idle_since: float | None = record.info.get(_IDLE_SINCE)
        if idle_since is None:  # a new connection
            return
        if time.monotonic() - idle_since < self._after_s and idle_since > self._lost_at:
            return
        try:
            self._dialect.do_ping(dbapi_connection)
        except self._dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(reason(exc)) from exc

    def _invalidated(self, _dbapi_connection: Any, _record: object, _exc: object) -> None:
        """A connection was found lost: its pool-mates may be too, whenever last used."""
        self._lost_at = time.monotonic()


_IDLE_SINCE = "glossary_idle_since"


def _sqlite_engine(url: URL, pool: dict[str, Any]) -> Engine:
    path = sqlite_path(url)
    if path is None:
        # One shared connection: each ``sqlite://`` connection would be a new, empty database.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            poolclass=StaticPool,
        )
    else:
        uri = f"{path.as_uri()}?mode=rw"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(
                uri, uri=True, check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_S
            )

        # The URL names the file (a file database gets a QueuePool); ``creator`` opens it.
        engine = create_engine(url, creator=connect, **pool)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def create_sqlite_file(path: Path) -> bool:
    """Create the database file (and its folder), owner-only and already in WAL mode; True if
    it is new.

    The file is made aside and hard-linked into place, so no process ever opens it before it
    is in WAL mode: SQLite refuses at once ("database is locked", whatever the busy timeout)
    when two processes switch one new file to WAL together, as replicas starting together
    would. SQLite gives its -wal and -shm files the database file's mode, so they stay private.
    """
    if path.exists():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        os.close(fd)
        try:
            db = sqlite3.connect(draft)
            try:
                db.execute("PRAGMA journal_mode=WAL")
            finally:
                db.close()
            os.link(draft, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in NO_HARD_LINKS:
                raise
            return _create_empty_file(path)
        finally:
            os.unlink(draft)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot create the state store at {path}: {reason(exc)}") from None
    return True


def _create_empty_file(path: Path) -> bool:
    """Where the filesystem has no hard links: an empty file, switched to WAL on first use."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers; driver-side BEGIN off so ``_sqlite_begin`` rules.

    ``synchronous=NORMAL`` is SQLite's recommended setting in WAL mode: commits no longer wait
    for an fsync each, and the database cannot be corrupted; only the last moments before a
    power cut may be lost, which for claims means at worst one repeated explanation.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take the write lock when the transaction starts, so they wait up front. On the
    driver's cursor: through SQLAlchemy's execution it cost as much CPU as a claim."""
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    compiled.run_text(conn, _SQLITE_BEGIN[bool(read_only)])


_SQLITE_BEGIN = {False: "BEGIN IMMEDIATE", True: "BEGIN"}


@contextlib.contextmanager
def transaction(engine: Engine, *, read_only: bool) -> Iterator[Connection]:
    """One SQLAlchemy transaction, begun as the module docstring says."""
    with engine.connect() as conn:
        if read_only:
            conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            yield conn


def begin_statement(engine: Engine, *, read_only: bool) -> str | None:
    """What begins a transaction on the driver as SQLAlchemy's would on ``engine`` (see
    ``compiled.transaction``); None where the driver begins one at the first statement."""
    return _SQLITE_BEGIN[read_only] if engine.dialect.name == "sqlite" else None


def reason(exc: BaseException) -> str:
    """The driver's own one-line message, without SQLAlchemy's SQL echo and links."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__
