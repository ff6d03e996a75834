"""The hot-path statements, compiled once per dialect and run on the driver's cursor.

SQLAlchemy Core spends ~50 µs of Python per statement beyond the database's own work (cache
key, execution context, result wrapping, events), more than SQLite itself on our small
statements. The statements run on every request are fixed, so each is compiled once per
dialect by SQLAlchemy (the tables in ``schema.py`` stay the one definition) and executed on
the cursor of the connection whose transaction ``SqlStore`` opened: a SQLAlchemy ``Connection``
or, on the hot path, a ``Transaction`` of this module (below).

A driver error is raised as SQLAlchemy's ``DBAPIError``, so ``SqlStore`` turns it into the
same one-line ``StoreError``; a lost connection is invalidated (its pool-mates then pinged
when next used, see ``engine``). Rows are the driver's tuples, without SQLAlchemy's result
types: callers convert the columns they read (``bool``, ``float``) themselves. SQLAlchemy's
execution events and ``echo`` do not see these statements (the bot registers no such listener).
Statements off the hot path (counts, upkeep, suggestions) keep SQLAlchemy's execution.

Their transactions are the driver's too (``transaction``): SQLAlchemy's ``Connection``, its
transaction objects and events cost ~16 µs of CPU per transaction, twice SQLite's own BEGIN,
SELECT and COMMIT. The connection is still checked out of the engine's pool (its size,
timeout, idle ping and invalidation stay the engine's, as do the connect-time settings: WAL,
busy timeout, PostgreSQL's timeouts), and the transaction begins and ends as SQLAlchemy's
would: SQLite with the ``BEGIN`` the engine's hook issues (``engine.begin_statement``),
PostgreSQL implicitly at the first statement; COMMIT on success, ROLLBACK on any error.

PostgreSQL's reads may run in autocommit instead (``transaction(..., autocommit=True)``): no
BEGIN and no COMMIT, one round trip instead of three. Under READ COMMITTED (PostgreSQL's
default, and the bot's) every statement of a transaction takes its own snapshot anyway, and a
read holds no lock worth keeping, so a read sees the same rows either way. Measured on a
channel's gate (``explain_gate``, read once per explanation job): 297–317 → 166–174 µs of
client CPU per read, 512–538 → 262–276 µs of wall time (bench/RESULTS-serve.md). The
connection is switched back before it returns to the pool, as SQLAlchemy's own ``do_ping``
does, or invalidated if it cannot be: a transaction never gets a connection left in
autocommit. A write of one statement may run in autocommit too, the statement being its own
transaction (``SqlStore`` does so for a lone write, see ``SqlStore._write``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement

Params = Mapping[str, Any]
T = TypeVar("T")


class Conn(Protocol):
    """What the statements run on: SQLAlchemy's ``Connection`` or a driver ``Transaction``."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def connection(self) -> PoolProxiedConnection: ...

    def invalidate(self, exception: BaseException | None = None) -> None: ...


class Compiled:
    """One statement's SQL for one dialect, and how to lay its parameters out for the driver."""

    __slots__ = ("_constants", "_order", "_processors", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys) or None)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError(f"not compiled once: rendered per execution: {compiled.string}")
        self.sql: str = compiled.string
        self._order: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional else None
        )
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        # Literals of the statement (``status == "running"``) are parameters too.
        self._constants = {
            name: bind.effective_value for name, bind in binds.items() if not bind.required
        }
        self._processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors[name] = processor

    def arguments(self, params: Params) -> Any:
        """``params`` (by bind name) as the driver takes them: a tuple or a mapping."""
        values = {**self._constants, **params} if self._constants else params
        if self._processors:
            values = dict(values) if values is params else values
            for name, processor in self._processors.items():
                values[name] = processor(values[name])  # type: ignore[index]
        if self._order is None:
            return values
        return tuple([values[name] for name in self._order])


class Prepared:
    """A statement to compile once per dialect; ``keys`` name an INSERT's columns.

    ``statement`` may be a function of the dialect's name, for the dialects' own constructs
    (``INSERT … ON CONFLICT``)."""

    __slots__ = ("_by_dialect", "keys", "statement")

    def __init__(
        self, statement: ClauseElement | Callable[[str], ClauseElement], keys: Sequence[str] = ()
    ) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._by_dialect: dict[tuple[str, str], Compiled] = {}

    def on(self, dialect: Dialect) -> Compiled:
        key = (dialect.name, dialect.driver)
        found = self._by_dialect.get(key)
        if found is None:  # a race compiles twice, to the same result
            statement = self.statement
            if not isinstance(statement, ClauseElement):
                statement = statement(dialect.name)
            found = self._by_dialect[key] = Compiled(statement, dialect, self.keys)
        return found


def rows(conn: Conn, statement: Prepared, params: Params) -> list[tuple[Any, ...]]:
    """Run a statement that returns rows (SELECT, or DML with RETURNING); all its rows."""
    compiled = statement.on(conn.dialect)
    arguments = compiled.arguments(params)

    def execute(cursor: Any) -> list[tuple[Any, ...]]:
        cursor.execute(compiled.sql, arguments)
        return list(cursor.fetchall())

    return _on_cursor(conn, compiled.sql, arguments, execute)


def run(conn: Conn, statement: Prepared, params: Params) -> int:
    """Run a statement that returns no rows; the rows it matched."""
    compiled = statement.on(conn.dialect)
    arguments = compiled.arguments(params)

    def execute(cursor: Any) -> int:
        cursor.execute(compiled.sql, arguments)
        return int(cursor.rowcount)

    return _on_cursor(conn, compiled.sql, arguments, execute)


def run_many(conn: Conn, statement: Prepared, batch: Iterable[Params]) -> None:
    """Run a statement once per parameter set, in one driver call."""
    compiled = statement.on(conn.dialect)
    arguments = [compiled.arguments(params) for params in batch]
    _on_cursor(
        conn, compiled.sql, arguments, lambda cursor: cursor.executemany(compiled.sql, arguments)
    )


def run_text(conn: Conn, sql: str) -> None:
    """Run SQL text without parameters (``BEGIN IMMEDIATE``)."""
    _on_cursor(conn, sql, (), lambda cursor: cursor.execute(sql))


def _on_cursor(conn: Conn, sql: str, arguments: Any, call: Callable[[Any], T]) -> T:
    """``call(cursor)`` on the transaction's connection; driver errors as SQLAlchemy's."""
    fairy = conn.connection
    cursor = fairy.cursor()
    try:
        return call(cursor)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _failed(conn, sql, arguments, exc, cursor) from exc
    finally:
        cursor.close()


def _failed(conn: Conn, sql: str, arguments: Any, exc: Any, cursor: Any) -> StatementError:
    """The driver's error as SQLAlchemy's; a lost connection invalidated (the pool drops it)."""
    dbapi = conn.dialect.loaded_dbapi
    invalidated = conn.dialect.is_disconnect(exc, conn.connection, cursor)
    if invalidated:
        conn.invalidate(exc)
    error: StatementError = DBAPIError.instance(
        sql, arguments, exc, dbapi.Error, connection_invalidated=invalidated
    )
    return error


class Transaction:
    """One transaction on a connection of the engine's pool, driven on the driver itself."""

    __slots__ = ("connection", "dialect")

    def __init__(self, connection: PoolProxiedConnection, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect

    def invalidate(self, exception: BaseException | None = None) -> None:
        """Close the connection for good; the pool opens a new one when next asked."""
        self.connection.invalidate(exception)


@contextlib.contextmanager
def transaction(
    engine: Engine, begin: str | None, *, autocommit: bool = False
) -> Iterator[Transaction]:
    """A committed transaction begun with ``begin`` (None: the driver begins it implicitly),
    rolled back on any error; driver errors as SQLAlchemy's, as on ``Connection``. With
    ``autocommit`` (PostgreSQL reads and lone writes, see the module doc) each statement
    commits on its own."""
    dialect = engine.dialect
    try:
        fairy = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:  # connecting: the pool has already given up
        raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error) from exc
    tx = Transaction(fairy, dialect)
    try:
        if autocommit:
            _set_autocommit(tx, True)
        if begin is not None:
            run_text(tx, begin)
        yield tx
        try:
            fairy.commit()
        except dialect.loaded_dbapi.Error as exc:
            raise _failed(tx, "COMMIT", (), exc, None) from exc
    except BaseException:
        _roll_back(tx)
        raise
    finally:
        if autocommit and fairy.is_valid:
            _back_to_transactions(tx)
        if fairy.is_valid:  # an invalidated one is back in the pool already
            fairy.close()


def _set_autocommit(tx: Transaction, on: bool) -> None:
    """The driver's autocommit switch (no round trip); its error as SQLAlchemy's."""
    try:
        tx.connection.driver_connection.autocommit = on  # type: ignore[union-attr]
    except tx.dialect.loaded_dbapi.Error as exc:
        raise _failed(tx, f"autocommit = {on}", (), exc, None) from exc


def _back_to_transactions(tx: Transaction) -> None:
    """Out of autocommit before the pool hands the connection to anyone else; a connection that
    cannot switch back is not used again."""
    try:
        _set_autocommit(tx, False)
    except DBAPIError as exc:
        if tx.connection.is_valid:
            tx.invalidate(exc)


def _roll_back(tx: Transaction) -> None:
    """Undo the transaction; a connection that cannot even roll back is not used again (the
    error being raised already says what went wrong)."""
    if not tx.connection.is_valid:
        return
    try:
        tx.connection.rollback()
    except tx.dialect.loaded_dbapi.Error as exc:
        tx.invalidate(exc)
