"""What a readiness probe asks of ``SqlStore``: is the database reachable, and at the schema
revision the code needs?

Apart from the store (bot/store/sql.py), which owns connections and transactions, because probes
come every few seconds from every replica while a migration is rare: the revision is read again
only after ``SCHEMA_CHECK_TTL_S``, and a failure is an answer (``StoreHealth``), never raised.
``HealthMethods`` is the ``Store`` side of it, which ``SqlStore`` inherits.
"""

from __future__ import annotations

import abc
import contextlib
import time

from sqlalchemy import Connection, select

from bot.store.base import StoreError, StoreHealth
from bot.store.migrate import current_revision, head

SCHEMA_CHECK_TTL_S = 5.0
"""``health`` reads the schema version at most this often; a migration is rare, probes are not."""


class HealthMethods:
    """``schema_current`` and ``health`` for ``SqlStore``, which provides the transactions."""

    backend: str
    _schema_seen: tuple[float, str | None] | None

    @abc.abstractmethod
    def _transaction(
        self, action: str, *, read_only: bool = False
    ) -> contextlib.AbstractContextManager[Connection]:
        """One committed transaction; database errors become a one-line ``StoreError``."""

    def schema_current(self) -> bool:
        """True when the database is at the schema revision the code needs; may raise StoreError."""
        with self._transaction("read the schema version", read_only=True) as conn:
            return current_revision(conn) == head()

    def health(self) -> StoreHealth:
        try:
            with self._transaction("answer a health check", read_only=True) as conn:
                conn.execute(select(1))
                revision = self._schema_revision(conn)
        except StoreError as exc:
            return StoreHealth(False, self.backend, schema_current=False, detail=str(exc))
        if revision != head():
            detail = (
                f"schema at {revision or 'nothing'}, the code needs {head()}: "
                "run `python -m bot migrate`"
            )
            return StoreHealth(ok=False, backend=self.backend, schema_current=False, detail=detail)
        return StoreHealth(ok=True, backend=self.backend, schema_current=True)

    def _schema_revision(self, conn: Connection) -> str | None:
        """The schema revision, read again only after ``SCHEMA_CHECK_TTL_S``."""
        seen = self._schema_seen
        if seen is None or time.monotonic() - seen[0] >= SCHEMA_CHECK_TTL_S:
            seen = (time.monotonic(), current_revision(conn))
            self._schema_seen = seen
        return seen[1]
