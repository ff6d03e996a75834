"""The governance statements (misses, explanation counts, channel settings, preferences),
each run inside a transaction ``SqlStore`` opens.

The suggestions' own statements are in ``sql_suggestions``; ``GovernanceMethods`` below is
the ``Store`` side of all of them, which ``SqlStore`` inherits.

Misses are grouped by their stored text here and merged by normalised query in Python
(``bot.store.misses``), so both databases count them alike.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
    update,
)

from bot.store import compiled, sql_suggestions
from bot.store.base import (
    ChannelSettings,
    Miss,
    NewSuggestion,
    Suggestion,
    Workspace,
    check_decision,
)
from bot.store.compiled import Conn, Prepared
from bot.store.misses import rank_misses
from bot.store.schema import (
    channel_settings,
    explanations,
    in_workspace,
    insert_for,
    lookups,
    preferences,
    stored,
    suggestions,
)


def read_misses(
    conn: Connection, workspace: Workspace | None, since: float, limit: int
) -> list[Miss]:
    where = [lookups.c.term.is_(None), lookups.c.at >= since]
    if workspace is not None:
        where.append(in_workspace(lookups, workspace))
    query = (
        select(lookups.c.query, func.count(), func.min(lookups.c.at), func.max(lookups.c.at))
        .where(*where)
        .group_by(lookups.c.query)
    )
    groups = [
        (str(q), int(n), float(first), float(last)) for q, n, first, last in conn.execute(query)
    ]
    return rank_misses(groups, limit)


def count_explanations(
    conn: Connection, workspace: Workspace, since: float, limit: int
) -> list[tuple[str, int]]:
    count = func.count().label("n")
    query = (
        select(explanations.c.channel, count)
        .where(in_workspace(explanations, workspace), explanations.c.explained_at >= since)
        .group_by(explanations.c.channel)
        .order_by(count.desc(), explanations.c.channel)
        .limit(limit)
    )
    return [(str(channel), int(n)) for channel, n in conn.execute(query)]


# -- channel settings and preferences ----------------------------------------------------------
# Every explanation reads both (``explain_gate``: in one statement), so they are compiled once
# and run on the driver's cursor with parameters ("k_": not a column's name; see
# ``bot.store.compiled``): building them per call cost more CPU than SQLite's answer did.
_SETTINGS = (
    channel_settings.c.explain,
    channel_settings.c.paused_until,
    channel_settings.c.cooldown_hours,
    channel_settings.c.max_terms,
    channel_settings.c.partner_view,
    channel_settings.c.updated_by,
    channel_settings.c.updated_at,
)
_IN_CHANNEL = and_(
    channel_settings.c.enterprise_id == bindparam("k_enterprise_id"),
    channel_settings.c.team_id == bindparam("k_team_id"),
    channel_settings.c.channel == bindparam("k_channel"),
)
_OPTED = select(preferences.c.opted_out).where(
    preferences.c.enterprise_id == bindparam("k_enterprise_id"),
    preferences.c.team_id == bindparam("k_team_id"),
    preferences.c.user_id == bindparam("k_user"),
)
_SETTINGS_OF = Prepared(select(*_SETTINGS).where(_IN_CHANNEL))
_OPTED_OUT_OF = Prepared(_OPTED)
_ONE_ROW = select(literal_column("1").label("one")).subquery("one")
_GATE = Prepared(
    select(*_SETTINGS, _OPTED.scalar_subquery()).select_from(
        _ONE_ROW.outerjoin(channel_settings, _IN_CHANNEL)
    )
)
"""Both in one row: the channel's settings (NULLs when it has none) and the author's choice."""


def _whose(workspace: Workspace) -> dict[str, str]:
    return {f"k_{column}": value for column, value in stored(workspace).items()}


def read_channel_settings(conn: Conn, workspace: Workspace, channel: str) -> ChannelSettings:
    found = compiled.rows(conn, _SETTINGS_OF, {**_whose(workspace), "k_channel": channel})
    return _settings(found[0]) if found else ChannelSettings()


def read_gate(
    conn: Conn, workspace: Workspace, channel: str, user: str
) -> tuple[ChannelSettings, bool]:
    params = {**_whose(workspace), "k_channel": channel, "k_user": user}
    *settings, opted_out = compiled.rows(conn, _GATE, params)[0]
    found = settings[0] is not None  # ``explain`` is never NULL in a row
    return (_settings(settings) if found else ChannelSettings()), bool(opted_out)


def _settings(row: Sequence[Any]) -> ChannelSettings:
    """A row of ``_SETTINGS``'s columns, typed (the driver's raw values: SQLite has no bool)."""
    explain, paused_until, cooldown_hours, max_terms, partner_view, updated_by, updated_at = row
    return ChannelSettings(
        explain=bool(explain),
        paused_until=float(paused_until),
        cooldown_hours=None if cooldown_hours is None else float(cooldown_hours),
        max_terms=None if max_terms is None else int(max_terms),
        partner_view=bool(partner_view),
        updated_by=str(updated_by),
        updated_at=float(updated_at),
    )


def save_channel_settings(
    conn: Connection, workspace: Workspace, channel: str, settings: ChannelSettings
) -> None:
    values = {
        "explain": settings.explain,
        "paused_until": settings.paused_until,
        "cooldown_hours": settings.cooldown_hours,
        "max_terms": settings.max_terms,
        "partner_view": settings.partner_view,
        "updated_by": settings.updated_by,
        "updated_at": settings.updated_at,
    }
    _upsert(conn, channel_settings, {**stored(workspace), "channel": channel}, values)


def read_opted_out(conn: Conn, workspace: Workspace, user: str) -> bool:
    found = compiled.rows(conn, _OPTED_OUT_OF, {**_whose(workspace), "k_user": user})
    return bool(found and found[0][0])


def save_opted_out(
    conn: Connection, workspace: Workspace, user: str, opted_out: bool, now: float
) -> None:
    key = {**stored(workspace), "user_id": user}
    _upsert(conn, preferences, key, {"opted_out": opted_out, "updated_at": now})


def _upsert(conn: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    insert = insert_for(conn)(table).values(**key, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=list(key), set_=values))


# -- upkeep ------------------------------------------------------------------------------------
def forget_person(conn: Connection, criteria: dict[str, str]) -> tuple[int, int, int]:
    """Forget the person ``criteria["user_id"]`` (in the workspaces the other criteria name):
    their preferences rows go; their id is blanked in the rows that stay for others (channel
    settings they changed, suggestions they made or decided). Returns the rows (settings,
    preferences, suggestions) touched."""
    user = criteria["user_id"]

    def where(table: Any, *more: ColumnElement[bool]) -> ColumnElement[bool]:
        ids = (table.c[name] == value for name, value in criteria.items() if name != "user_id")
        return and_(*ids, *more)

    settings = conn.execute(
        update(channel_settings)
        .where(where(channel_settings, channel_settings.c.updated_by == user))
        .values(updated_by="")
    ).rowcount
    prefs = conn.execute(
        delete(preferences).where(where(preferences, preferences.c.user_id == user))
    )
    named = or_(suggestions.c.suggester == user, suggestions.c.decided_by == user)
    blanked = conn.execute(
        update(suggestions)
        .where(where(suggestions, named))
        .values(
            suggester=case((suggestions.c.suggester == user, ""), else_=suggestions.c.suggester),
            decided_by=case((suggestions.c.decided_by == user, ""), else_=suggestions.c.decided_by),
        )
    ).rowcount
    return int(settings), int(prefs.rowcount), int(blanked)


class GovernanceMethods:
    """The governance part of ``Store`` for ``SqlStore``, which provides the transactions."""

    @abc.abstractmethod
    def _transaction(
        self, action: str, *, read_only: bool = False
    ) -> contextlib.AbstractContextManager[Connection]:
        """One committed transaction; database errors become a one-line ``StoreError``."""

    @abc.abstractmethod
    def _driver_transaction(
        self, action: str, *, read_only: bool = False
    ) -> contextlib.AbstractContextManager[compiled.Transaction]:
        """As ``_transaction``, on the driver: for statements run on its cursor only."""

    def misses(self, workspace: Workspace | None, since: float, limit: int) -> list[Miss]:
        if limit <= 0:
            return []
        with self._transaction("read the missed lookups", read_only=True) as conn:
            return read_misses(conn, workspace, since, limit)

    def explanations_by_channel(
        self, workspace: Workspace, since: float, limit: int
    ) -> list[tuple[str, int]]:
        if limit <= 0:  # SQLite reads LIMIT -1 as "no limit"
            return []
        with self._transaction("count explanations per channel", read_only=True) as conn:
            return count_explanations(conn, workspace, since, limit)

    def channel_settings(self, workspace: Workspace, channel: str) -> ChannelSettings:
        with self._driver_transaction("read a channel's settings", read_only=True) as conn:
            return read_channel_settings(conn, workspace, channel)

    def set_channel_settings(
        self, workspace: Workspace, channel: str, settings: ChannelSettings
    ) -> None:
        with self._transaction("save a channel's settings") as conn:
            save_channel_settings(conn, workspace, channel, settings)

    def opted_out(self, workspace: Workspace, user: str) -> bool:
        with self._driver_transaction("read a person's preferences", read_only=True) as conn:
            return read_opted_out(conn, workspace, user)

    def set_opted_out(self, workspace: Workspace, user: str, opted_out: bool, now: float) -> None:
        with self._transaction("save a person's preferences") as conn:
            save_opted_out(conn, workspace, user, opted_out, now)

    def explain_gate(
        self, workspace: Workspace, channel: str, user: str
    ) -> tuple[ChannelSettings, bool]:
        with self._driver_transaction("read a channel's settings", read_only=True) as conn:
            return read_gate(conn, workspace, channel, user)

    def add_suggestion(
        self, workspace: Workspace, suggestion: NewSuggestion, now: float
    ) -> Suggestion:
        with self._transaction("save a suggestion") as conn:
            return sql_suggestions.add(conn, workspace, suggestion, now)

    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        with self._transaction("read a suggestion", read_only=True) as conn:
            return sql_suggestions.get(conn, suggestion_id)

    def suggestions(
        self, status: str | None = None, workspace: Workspace | None = None, limit: int = 1000
    ) -> list[Suggestion]:
        if limit <= 0:
            return []
        with self._transaction("list suggestions", read_only=True) as conn:
            return sql_suggestions.listed(conn, status, workspace, limit)

    def edit_suggestion(
        self, suggestion_id: int, suggestion: NewSuggestion, now: float
    ) -> Suggestion | None:
        with self._transaction("edit a suggestion") as conn:
            return sql_suggestions.edit(conn, suggestion_id, suggestion)

    def decide_suggestion(
        self, suggestion_id: int, status: str, by: str, now: float
    ) -> Suggestion | None:
        check_decision(status)
        with self._transaction("decide a suggestion") as conn:
            return sql_suggestions.decide(conn, suggestion_id, status, by, now)

    def set_suggestion_review(self, suggestion_id: int, channel: str, ts: str) -> None:
        with self._transaction("remember a suggestion's review post") as conn:
            sql_suggestions.set_review(conn, suggestion_id, channel, ts)
