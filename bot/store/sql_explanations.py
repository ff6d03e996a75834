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
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import compiled
from bot.store.base import Workspace, cooldown_cutoff
from bot.store.compiled import Conn, Prepared
from bot.store.schema import cooldowns, explanations, in_workspace, stored


def claim(
    conn: Conn,
    workspace: Workspace,
    channel: str,
    thread_ts: str,
    wanted: Sequence[str],
    now: float,
    cooldown_s: float,
    claim_id: str = "",
) -> set[str]:
    """The terms of ``wanted`` recorded as explained now (or earlier by the same ``claim_id``:
    a job taken over after its worker died recognises its own claim and posts it).

    All terms at once, whatever their number: the thread's rows first, then the workspace's
    cooldown rows, each in sorted order, so concurrent callers lock rows in the same order (no
    deadlock). On PostgreSQL that is one statement (``_claim_at_once``), and a second only to
    take back terms still cooling down; on SQLite, which has no data-modifying ``WITH``, at
    most three (plus one per term for a job's retry)."""
    terms = sorted(wanted)
    params: dict[str, object] = {
        **{f"k_{column}": value for column, value in stored(workspace).items()},
        **_numbered(terms),
        "k_channel": channel,
        "k_thread_ts": thread_ts,
        "k_now": now,
        "k_claim": claim_id,
        "k_cutoff": cooldown_cutoff(now, cooldown_s),
    }
    if conn.dialect.name == "postgresql":
        found = compiled.rows(conn, _claim_at_once(len(terms)), params)
        granted = {term for term, passed in found if passed}
        refused = sorted(term for term, passed in found if not passed)
    else:
        granted, refused = _claim_step_by_step(conn, terms, params, claim_id)
    if refused:  # cooling down here: the thread's rows this claim wrote go again
        compiled.run(conn, _take_back(len(refused)), {**params, **_numbered(refused)})
    return granted


def _claim_step_by_step(
    conn: Conn, terms: list[str], params: dict[str, object], claim_id: str
) -> tuple[set[str], list[str]]:
    """``claim``'s statements one at a time (SQLite): the terms granted, and those refused."""
    # New in this thread (not explained there before, by us or a workspace sharing it)...
    fresh = {row[0] for row in compiled.rows(conn, _record(len(terms)), params)}
    # ...or ours, from an attempt that died before posting: this one posts it (re-stamped
    # now, so a failed post releases it like any claim).
    mine: list[str] = []
    for term in terms if claim_id else ():
        if term not in fresh and compiled.rows(conn, _RESTAMP_OWN, {**params, "k_term": term}):
            mine.append(term)
    candidates = [term for term in terms if term in fresh or term in mine]
    if not candidates:
        return set(), []
    passing = {**params, **_numbered(candidates), **_numbered(mine, "k_mine_")}
    granted = {row[0] for row in compiled.rows(conn, _pass(len(candidates), len(mine)), passing)}
    return granted, [term for term in candidates if term not in granted]


def _numbered(terms: Sequence[str], prefix: str = "k_term_") -> dict[str, str]:
    return {f"{prefix}{number}": term for number, term in enumerate(terms)}


def _insert(dialect: str) -> Any:
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


def _each(count: int, prefix: str = "k_term_") -> list[Any]:
    return [bindparam(f"{prefix}{number}") for number in range(count)]


# Compiled once per number of terms: a message names a few (EXPLAIN_MAX_TERMS, at most 10).
@functools.lru_cache(maxsize=64)
def _record(count: int) -> Prepared:
    """The thread's rows of ``count`` terms, each only if the thread has none yet."""
    return Prepared(lambda dialect: _recording(dialect, count))


def _recording(dialect: str, count: int) -> Any:
    """``_record``'s statement for ``dialect``; it returns the terms whose row went in."""
    rows = [
        {
            "channel": bindparam("k_channel"),
            "thread_ts": bindparam("k_thread_ts"),
            "term": term,
            "explained_at": bindparam("k_now"),
            "enterprise_id": bindparam("k_enterprise_id"),
            "team_id": bindparam("k_team_id"),
            "claimed_by": bindparam("k_claim"),
        }
        for term in _each(count)
    ]
    insert = _insert(dialect)(explanations).values(rows)
    return insert.on_conflict_do_nothing().returning(explanations.c.term)


_AT_KEY = (
    explanations.c.channel == bindparam("k_channel"),
    explanations.c.thread_ts == bindparam("k_thread_ts"),
)
_RESTAMP_OWN = Prepared(
    update(explanations)
    .where(
        *_AT_KEY,
        explanations.c.term == bindparam("k_term"),
        explanations.c.claimed_by == bindparam("k_claim"),
    )
    .values(explained_at=bindparam("k_now"))
    .returning(explanations.c.term)
)


@functools.lru_cache(maxsize=64)
def _pass(count: int, mine: int) -> Prepared:
    """The workspace's cooldown rows of ``count`` terms, moved to now where the cooldown has
    passed (or there is none yet), and regardless for the ``mine`` terms ("k_mine_"): our own
    claims, re-stamped."""

    def build(dialect: str) -> Any:
        rows = [
            {
                "enterprise_id": bindparam("k_enterprise_id"),
                "team_id": bindparam("k_team_id"),
                "channel": bindparam("k_channel"),
                "term": term,
                "explained_at": bindparam("k_now"),
            }
            for term in _each(count)
        ]
        insert = _insert(dialect)(cooldowns).values(rows)
        passed = cooldowns.c.explained_at <= bindparam("k_cutoff")
        if mine:
            passed = or_(passed, cooldowns.c.term.in_(_each(mine, "k_mine_")))
        upsert = insert.on_conflict_do_update(
            index_elements=list(cooldowns.primary_key),
            set_={"explained_at": insert.excluded.explained_at},
            where=passed,
        )
        return upsert.returning(cooldowns.c.term)

    return Prepared(build)


@functools.lru_cache(maxsize=64)
def _claim_at_once(count: int) -> Prepared:
    """PostgreSQL: ``_record``, ``_RESTAMP_OWN`` and ``_pass`` for ``count`` terms in one
    statement; rows of (term, granted) for the terms that were candidates.

    Each part of a ``WITH`` sees the tables as they were before the statement, so the restamp
    finds only rows that were there already, ours from an earlier attempt, never one ``fresh``
    has just written: the two are apart as in the steps one by one. The cooldown rows are
    written in term order once the thread's rows are (the ``ORDER BY`` reads all candidates
    first), the same locking order as those steps."""

    def build(dialect: str) -> Any:
        if dialect != "postgresql":
            raise ValueError(f"a claim in one statement needs PostgreSQL, not {dialect}")
        fresh = _recording(dialect, count).cte("fresh")
        claim = bindparam("k_claim", type_=explanations.c.claimed_by.type)
        mine = (
            update(explanations)
            .where(
                *_AT_KEY,
                explanations.c.term.in_(_each(count)),
                explanations.c.claimed_by == claim,
                claim != "",
            )
            .values(explained_at=bindparam("k_now"))
            .returning(explanations.c.term)
            .cte("mine")
        )
        candidates = union_all(select(fresh.c.term), select(mine.c.term)).cte("candidates")
        columns = ("enterprise_id", "team_id", "channel", "term", "explained_at")
        rows = select(
            bindparam("k_enterprise_id", type_=cooldowns.c.enterprise_id.type),
            bindparam("k_team_id", type_=cooldowns.c.team_id.type),
            bindparam("k_channel", type_=cooldowns.c.channel.type),
            candidates.c.term,
            bindparam("k_now", type_=cooldowns.c.explained_at.type),
        ).order_by(candidates.c.term)
        insert = postgresql.insert(cooldowns).from_select(list(columns), rows)
        passed = (
            insert.on_conflict_do_update(
                index_elements=list(cooldowns.primary_key),
                set_={"explained_at": insert.excluded.explained_at},
                where=or_(
                    cooldowns.c.explained_at <= bindparam("k_cutoff"),
                    cooldowns.c.term.in_(select(mine.c.term)),
                ),
            )
            .returning(cooldowns.c.term)
            .cte("passed")
        )
        joined = candidates.outerjoin(passed, passed.c.term == candidates.c.term)
        return select(candidates.c.term, passed.c.term.is_not(None)).select_from(joined)

    return Prepared(build)


@functools.lru_cache(maxsize=64)
def _take_back(count: int) -> Prepared:
    """Delete the thread's rows of ``count`` terms this transaction recorded."""
    return Prepared(delete(explanations).where(*_AT_KEY, explanations.c.term.in_(_each(count))))


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
