"""The statements behind explanations, each run inside a transaction ``SqlStore`` opens.

A term is explained in a thread at most once, by whichever workspace comes first (the
explanations table's primary key has no workspace: channel ids are global, so a Slack Connect
channel shared by two of our workspaces is one channel). And at most once per cooldown in a
channel by each workspace: one row per (workspace, channel, term) that only an upsert whose
``WHERE`` says the cooldown has passed may move forward, so two callers cannot both pass it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete

from bot.store.base import Workspace
from bot.store.schema import cooldowns, explanations, in_workspace, insert_for, insert_new, stored


def claim(
    conn: Connection,
    workspace: Workspace,
    channel: str,
    thread_ts: str,
    wanted: Sequence[str],
    now: float,
    cooldown_s: float,
) -> set[str]:
    """The terms of ``wanted`` recorded as explained now."""
    # Sorted, so concurrent callers lock rows in the same order (no deadlock).
    return {
        term
        for term in sorted(wanted)
        if _claim_term(conn, workspace, channel, thread_ts, term, now, cooldown_s)
    }


def _claim_term(
    conn: Connection,
    workspace: Workspace,
    channel: str,
    thread_ts: str,
    term: str,
    now: float,
    cooldown_s: float,
) -> bool:
    """Record one explanation; False (and nothing kept) if it is not allowed."""
    whose = stored(workspace)
    if not insert_new(
        conn,
        explanations,
        channel=channel,
        thread_ts=thread_ts,
        term=term,
        explained_at=now,
        **whose,
    ):
        return False  # already explained in this thread, by us or a workspace sharing it
    passed = insert_for(conn)(cooldowns).values(
        channel=channel, term=term, explained_at=now, **whose
    )
    passed = passed.on_conflict_do_update(
        index_elements=list(cooldowns.primary_key),
        set_={"explained_at": now},
        where=cooldowns.c.explained_at <= now - cooldown_s,
    )
    if conn.execute(passed.returning(cooldowns.c.term)).first() is not None:
        return True
    conn.execute(  # still cooling down in this channel: take back this thread's row
        delete(explanations).where(
            explanations.c.channel == channel,
            explanations.c.thread_ts == thread_ts,
            explanations.c.term == term,
        )
    )
    return False


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
