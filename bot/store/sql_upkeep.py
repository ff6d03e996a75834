"""Deleting rows: ``prune`` (what has expired) and ``purge`` (what a workspace, organisation or
person leaves behind), each run inside one transaction ``SqlStore`` opens.

A person's ``purge`` deletes their lookups and preferences, and blanks their id in the
governance rows others still need (``sql_governance.forget_person``).

``purge`` reaches into slack_sdk's installation store too: its rows hold the workspace's
tokens, and Slack expects them gone after an uninstall. An org-wide installation has no
team id, so only a purge by its enterprise id deletes it, with every workspace's rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, Delete, and_, delete
from sqlalchemy.sql.expression import TableClause

from bot.store import sql_governance, sql_suggestions
from bot.store.base import ONCE_KEYS_KEPT_S, PURGE_KIND, Pruned
from bot.store.schema import (
    channel_settings,
    cooldowns,
    explanations,
    jobs,
    lookups,
    once_keys,
    preferences,
    slack_bots,
    slack_installations,
    slack_oauth_states,
    suggestions,
)


def prune(conn: Connection, now: float, cooldown_s: float, retention_s: float) -> Pruned:
    kept_from = now - retention_s

    def deleted(statement: Delete) -> int:
        return conn.execute(statement).rowcount

    # slack_sdk stores naive UTC datetimes.
    utc_now = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)
    return Pruned(
        events=deleted(delete(once_keys).where(once_keys.c.claimed_at < now - ONCE_KEYS_KEPT_S)),
        explanations=deleted(delete(explanations).where(explanations.c.explained_at < kept_from)),
        # A cooldown row this old blocks nothing (see sql_explanations._pass).
        cooldowns=deleted(delete(cooldowns).where(cooldowns.c.explained_at <= now - cooldown_s)),
        lookups=deleted(delete(lookups).where(lookups.c.at < kept_from)),
        jobs=deleted(delete(jobs).where(jobs.c.status == "failed", jobs.c.created_at < kept_from)),
        oauth_states=deleted(
            delete(slack_oauth_states).where(slack_oauth_states.c.expire_at <= utc_now)
        ),
        suggestions=sql_suggestions.prune(conn, kept_from),
    )


def purge(conn: Connection, criteria: dict[str, str]) -> Pruned:
    """Delete the rows matching every criterion (column → value, from ``purge_criteria``)."""

    def deleted(rows: TableClause, *more: ColumnElement[bool]) -> int:
        where = and_(*(rows.c[name] == value for name, value in criteria.items()), *more)
        return conn.execute(delete(rows).where(where)).rowcount

    if "user_id" in criteria:  # lookups and preferences are theirs; other rows only name them
        settings, preferences_, suggestions_ = sql_governance.forget_person(conn, criteria)
        return Pruned(
            lookups=deleted(lookups),
            channel_settings=settings,
            preferences=preferences_,
            suggestions=suggestions_,
        )
    return Pruned(
        # A purge job is the purge itself (it holds no data): it settles like any job.
        jobs=deleted(jobs, jobs.c.kind != PURGE_KIND),
        explanations=deleted(explanations),
        cooldowns=deleted(cooldowns),
        lookups=deleted(lookups),
        installations=deleted(slack_installations),
        bots=deleted(slack_bots),
        channel_settings=deleted(channel_settings),
        preferences=deleted(preferences),
        suggestions=deleted(suggestions),
    )
