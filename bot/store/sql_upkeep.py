"""Deleting rows: ``prune`` (what has expired) and ``purge`` (what a workspace, organisation or
person leaves behind), each run inside one transaction ``SqlStore`` opens.

``purge`` reaches into slack_sdk's installation store too: its rows hold the workspace's
tokens, and Slack expects them gone after an uninstall. An org-wide installation has no
team id, so only a purge by its enterprise id deletes it, with every workspace's rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, Delete, and_, delete
from sqlalchemy.sql.expression import TableClause

from bot.store.base import ONCE_KEYS_KEPT_S, PURGE_KIND, Pruned
from bot.store.schema import (
    cooldowns,
    explanations,
    jobs,
    lookups,
    once_keys,
    slack_bots,
    slack_installations,
    slack_oauth_states,
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
        # A cooldown row this old blocks nothing (see sql_explanations._claim_term's WHERE).
        cooldowns=deleted(delete(cooldowns).where(cooldowns.c.explained_at <= now - cooldown_s)),
        lookups=deleted(delete(lookups).where(lookups.c.at < kept_from)),
        jobs=deleted(delete(jobs).where(jobs.c.status == "failed", jobs.c.created_at < kept_from)),
        oauth_states=deleted(
            delete(slack_oauth_states).where(slack_oauth_states.c.expire_at <= utc_now)
        ),
    )


def purge(conn: Connection, criteria: dict[str, str]) -> Pruned:
    """Delete the rows matching every criterion (column → value, from ``purge_criteria``)."""

    def deleted(rows: TableClause, *more: ColumnElement[bool]) -> int:
        where = and_(*(rows.c[name] == value for name, value in criteria.items()), *more)
        return conn.execute(delete(rows).where(where)).rowcount

    if "user_id" in criteria:  # only lookups hold a person's id as data about them
        return Pruned(lookups=deleted(lookups))
    return Pruned(
        # A purge job is the purge itself (it holds no data): it settles like any job.
        jobs=deleted(jobs, jobs.c.kind != PURGE_KIND),
        explanations=deleted(explanations),
        cooldowns=deleted(cooldowns),
        lookups=deleted(lookups),
        installations=deleted(slack_installations),
        bots=deleted(slack_bots),
    )
