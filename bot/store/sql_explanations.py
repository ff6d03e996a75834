"""The statements behind explanations, once-keys and upkeep, each run inside a transaction
``SqlStore`` opens.

A term is explained in a thread at most once (the explanations table's primary key) and in a
channel at most once per cooldown: one row per (channel, term) that only an upsert whose
``WHERE`` says the cooldown has passed may move forward, so two callers cannot both pass it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Delete, delete

from bot.store.base import ONCE_KEYS_KEPT_S, Pruned
from bot.store.schema import (
    cooldowns,
    explanations,
    insert_for,
    insert_new,
    jobs,
    lookups,
    once_keys,
)


def claim(
    conn: Connection,
    channel: str,
    thread_ts: str,
    wanted: Sequence[str],
    now: float,
    cooldown_s: float,
) -> set[str]:
    """The terms of ``wanted`` recorded as explained now."""
    # Sorted, so concurrent callers lock cooldown rows in the same order (no deadlock).
    return {
        term
        for term in sorted(wanted)
        if _claim_term(conn, channel, thread_ts, term, now, cooldown_s)
    }


def _claim_term(
    conn: Connection, channel: str, thread_ts: str, term: str, now: float, cooldown_s: float
) -> bool:
    """Record one explanation; False (and nothing kept) if it is not allowed."""
    if not insert_new(
        conn, explanations, channel=channel, thread_ts=thread_ts, term=term, explained_at=now
    ):
        return False  # already explained in this thread
    passed = insert_for(conn)(cooldowns).values(channel=channel, term=term, explained_at=now)
    passed = passed.on_conflict_do_update(
        index_elements=[cooldowns.c.channel, cooldowns.c.term],
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
    conn: Connection, channel: str, thread_ts: str, terms: Sequence[str], claimed_at: float
) -> None:
    """Delete the rows a claim at ``claimed_at`` wrote; a later claim (another time) stays.

    The claim only passed an expired cooldown, so deleting its cooldown row has the effect of
    what was there before."""
    conn.execute(
        delete(explanations).where(
            explanations.c.channel == channel,
            explanations.c.thread_ts == thread_ts,
            explanations.c.term.in_(terms),
            explanations.c.explained_at == claimed_at,
        )
    )
    conn.execute(
        delete(cooldowns).where(
            cooldowns.c.channel == channel,
            cooldowns.c.term.in_(terms),
            cooldowns.c.explained_at == claimed_at,
        )
    )


def prune(conn: Connection, now: float, cooldown_s: float, retention_s: float) -> Pruned:
    kept_from = now - retention_s

    def deleted(statement: Delete) -> int:
        return conn.execute(statement).rowcount

    return Pruned(
        events=deleted(delete(once_keys).where(once_keys.c.claimed_at < now - ONCE_KEYS_KEPT_S)),
        explanations=deleted(delete(explanations).where(explanations.c.explained_at < kept_from)),
        # A cooldown row this old blocks nothing (see _claim_term's WHERE).
        cooldowns=deleted(delete(cooldowns).where(cooldowns.c.explained_at <= now - cooldown_s)),
        lookups=deleted(delete(lookups).where(lookups.c.at < kept_from)),
        jobs=deleted(delete(jobs).where(jobs.c.status == "failed", jobs.c.created_at < kept_from)),
    )
