"""The statements behind explanations, each run inside a transaction ``SqlStore`` opens.

A term is explained in a thread at most once, by whichever workspace comes first (the
explanations table's primary key has no workspace: channel ids are global, so a Slack Connect
channel shared by two of our workspaces is one channel). And at most once per cooldown in a
channel by each workspace: one row per (workspace, channel, term) that only an upsert whose
``WHERE`` says the cooldown has passed may move forward, so two callers cannot both pass it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.base import Workspace
from bot.store.schema import cooldowns, explanations, in_workspace, stored


def claim(
    conn: Connection,
    workspace: Workspace,
    channel: str,
    thread_ts: str,
    wanted: Sequence[str],
    now: float,
    cooldown_s: float,
    claim_id: str = "",
) -> set[str]:
    """The terms of ``wanted`` recorded as explained now (or earlier by the same ``claim_id``:
    a job taken over after its worker died recognises its own claim and posts it)."""
    statements = _statements(conn.dialect.name)
    whose = stored(workspace)
    # Sorted, so concurrent callers lock rows in the same order (no deadlock).
    return {
        term
        for term in sorted(wanted)
        if _claim_term(conn, statements, whose, channel, thread_ts, term, now, cooldown_s, claim_id)
    }


def _claim_term(
    conn: Connection,
    statements: _Statements,
    whose: dict[str, str],
    channel: str,
    thread_ts: str,
    term: str,
    now: float,
    cooldown_s: float,
    claim_id: str,
) -> bool:
    """Record one explanation; False (and nothing kept) if it is not allowed."""
    row = {"channel": channel, "thread_ts": thread_ts, "term": term}
    # Update statements may not name their bind parameters after columns: "k_" for the key.
    key = {"k_channel": channel, "k_thread_ts": thread_ts, "k_term": term}
    fresh = {**row, "explained_at": now, "claimed_by": claim_id, **whose}
    if conn.execute(statements.insert_explanation, fresh).first() is None:
        if not claim_id:
            return False  # already explained in this thread, by us or a workspace sharing it
        # Ours, from an attempt that died before posting? Then this attempt posts it (stamped
        # now, so a failed post releases it like any claim).
        mine = conn.execute(statements.restamp_own, {**key, "k_claim": claim_id, "k_now": now})
        if mine.first() is None:
            return False
        ours = {"k_enterprise_id": whose["enterprise_id"], "k_team_id": whose["team_id"]}
        conn.execute(statements.restamp_cooldown, {**key, **ours, "k_now": now})
        return True
    passed = {**whose, "channel": channel, "term": term, "explained_at": now}
    if conn.execute(statements.pass_cooldown, {**passed, "k_cutoff": now - cooldown_s}).first():
        return True
    conn.execute(statements.take_back, key)  # still cooling down in this channel
    return False


@dataclass(frozen=True)
class _Statements:
    """The claim's statements, built once per dialect and executed with parameters."""

    insert_explanation: Any
    restamp_own: Any
    restamp_cooldown: Any
    pass_cooldown: Any
    take_back: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    insert: Any = postgresql.Insert if dialect == "postgresql" else sqlite.Insert
    at_key = (
        explanations.c.channel == bindparam("k_channel"),
        explanations.c.thread_ts == bindparam("k_thread_ts"),
        explanations.c.term == bindparam("k_term"),
    )
    pass_cooldown = insert(cooldowns).on_conflict_do_update(
        index_elements=list(cooldowns.primary_key),
        set_={"explained_at": insert(cooldowns).excluded.explained_at},
        where=cooldowns.c.explained_at <= bindparam("k_cutoff"),
    )
    return _Statements(
        insert_explanation=insert(explanations)
        .on_conflict_do_nothing()
        .returning(*explanations.primary_key),
        restamp_own=update(explanations)
        .where(*at_key, explanations.c.claimed_by == bindparam("k_claim"))
        .values(explained_at=bindparam("k_now"))
        .returning(explanations.c.term),
        restamp_cooldown=update(cooldowns)
        .where(
            cooldowns.c.enterprise_id == bindparam("k_enterprise_id"),
            cooldowns.c.team_id == bindparam("k_team_id"),
            cooldowns.c.channel == bindparam("k_channel"),
            cooldowns.c.term == bindparam("k_term"),
        )
        .values(explained_at=bindparam("k_now")),
        pass_cooldown=pass_cooldown.returning(cooldowns.c.term),
        take_back=delete(explanations).where(*at_key),
    )


def release(
    conn: Connection,
    workspace: Workspace,
    channel: str,
    thread_ts: str,
    terms: Sequence[str],
    claimed_at: float,
) -> None:
    """Delete the rows ``workspace``'s claim at ``claimed_at`` wrote; a later claim (another
    time, or another workspace) stays.

    The claim only passed an expired cooldown, so deleting its cooldown row has the effect of
    what was there before."""
    conn.execute(
        delete(explanations).where(
            in_workspace(explanations, workspace),
            explanations.c.channel == channel,
            explanations.c.thread_ts == thread_ts,
            explanations.c.term.in_(terms),
            explanations.c.explained_at == claimed_at,
        )
    )
    conn.execute(
        delete(cooldowns).where(
            in_workspace(cooldowns, workspace),
            cooldowns.c.channel == channel,
            cooldowns.c.term.in_(terms),
            cooldowns.c.explained_at == claimed_at,
        )
    )
