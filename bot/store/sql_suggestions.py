"""The suggestions table's statements, each run inside a transaction ``SqlStore`` opens.

A decision is one ``UPDATE … WHERE status = 'waiting' RETURNING``: on PostgreSQL a second
decider blocks on the row lock, then finds the row no longer waiting and updates nothing; on
SQLite the write lock serialises them the same way. So exactly one decider gets the suggestion
back, without reading first. An edit is the same statement, so a decided suggestion stays as
it was decided.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from bot.store.base import NewSuggestion, Suggestion, Workspace
from bot.store.schema import in_workspace, stored, suggestions, workspace_of


def add(conn: Connection, workspace: Workspace, new: NewSuggestion, now: float) -> Suggestion:
    row = conn.execute(
        suggestions.insert()
        .values(**stored(workspace), **_fields(new), suggester=new.suggester)
        .values(status="waiting", created_at=now)
        .returning(*suggestions.c)
    ).one()
    return _suggestion(row)


def get(conn: Connection, suggestion_id: int) -> Suggestion | None:
    row = conn.execute(select(suggestions).where(suggestions.c.id == suggestion_id)).first()
    return None if row is None else _suggestion(row)


def listed(
    conn: Connection, status: str | None, workspace: Workspace | None, limit: int
) -> list[Suggestion]:
    query = select(suggestions).order_by(suggestions.c.created_at, suggestions.c.id).limit(limit)
    if status is not None:
        query = query.where(suggestions.c.status == status)
    if workspace is not None:
        query = query.where(in_workspace(suggestions, workspace))
    return [_suggestion(row) for row in conn.execute(query)]


def edit(conn: Connection, suggestion_id: int, new: NewSuggestion) -> Suggestion | None:
    return _update_waiting(conn, suggestion_id, _fields(new))


def decide(
    conn: Connection, suggestion_id: int, status: str, by: str, now: float
) -> Suggestion | None:
    return _update_waiting(
        conn, suggestion_id, {"status": status, "decided_by": by, "decided_at": now}
    )


def set_review(conn: Connection, suggestion_id: int, channel: str, ts: str) -> None:
    conn.execute(
        update(suggestions)
        .where(suggestions.c.id == suggestion_id)
        .values(review_channel=channel, review_ts=ts)
    )


def _update_waiting(
    conn: Connection, suggestion_id: int, values: dict[str, Any]
) -> Suggestion | None:
    row = conn.execute(
        update(suggestions)
        .where(suggestions.c.id == suggestion_id, suggestions.c.status == "waiting")
        .values(**values)
        .returning(*suggestions.c)
    ).first()
    return None if row is None else _suggestion(row)


def _fields(new: NewSuggestion) -> dict[str, str]:
    """What an edit may change: everything the suggester wrote, never who they are."""
    return {
        "term": new.term,
        "acronym": new.acronym,
        "definition": new.definition,
        "category": new.category,
        "why": new.why,
    }


def _suggestion(row: Any) -> Suggestion:
    return Suggestion(
        id=int(row.id),
        workspace=workspace_of(row),
        term=row.term,
        definition=row.definition,
        category=row.category,
        acronym=row.acronym,
        why=row.why,
        suggester=row.suggester,
        status=row.status,
        created_at=float(row.created_at),
        decided_by=row.decided_by,
        decided_at=float(row.decided_at),
        review_channel=row.review_channel,
        review_ts=row.review_ts,
    )


def prune(conn: Connection, kept_from: float) -> int:
    """Decided suggestions older than retention (their YAML was posted and DMed long ago)."""
    doomed = delete(suggestions).where(
        suggestions.c.status != "waiting", suggestions.c.decided_at < kept_from
    )
    return int(conn.execute(doomed).rowcount)
