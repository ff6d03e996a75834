"""The lookups table's statements, each run inside a transaction ``SqlStore`` opens.

Counts are per workspace: each workspace's App Home shows its own "most looked up". A miss is
stored without the asker's id, whatever the caller passes: maintainers read misses, and a
query that found nothing is no reason to keep who asked.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from bot.store import compiled
from bot.store.base import Workspace
from bot.store.compiled import Conn, Prepared
from bot.store.schema import in_workspace, lookups, stored

_RECORD = Prepared(
    lookups.insert().inline(),  # no RETURNING of the new id, which nobody reads
    keys=("at", "query", "term", "user_id", "enterprise_id", "team_id"),
)
"""Compiled once and run on the driver's cursor (``bot.store.compiled``): every lookup writes."""


def record(
    conn: Conn, workspace: Workspace, query: str, term: str | None, now: float, user: str
) -> None:
    row = {"at": now, "query": query, "term": term, "user_id": user if term is not None else ""}
    compiled.run(conn, _RECORD, {**row, **stored(workspace)})


def top_terms(conn: Connection, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
    count = func.count().label("n")
    query = (
        select(lookups.c.term, count)
        .where(in_workspace(lookups, workspace), lookups.c.term.is_not(None))
        .group_by(lookups.c.term)
        .order_by(count.desc(), lookups.c.term)
        .limit(limit)
    )
    return [(str(term), int(n)) for term, n in conn.execute(query)]


def recent_misses(conn: Connection, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
    count = func.count().label("n")
    query = (
        select(lookups.c.query, count)
        .where(in_workspace(lookups, workspace), lookups.c.term.is_(None))
        .group_by(lookups.c.query)
        .order_by(count.desc(), func.max(lookups.c.at).desc(), lookups.c.query)
        .limit(limit)
    )
    return [(str(text), int(n)) for text, n in conn.execute(query)]
