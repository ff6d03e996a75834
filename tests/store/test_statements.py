"""How many statements the hot writes send on PostgreSQL. Each one is a round trip: a server
process woken and the client waiting for it, which cost more than the statements' own work
on the benchmark (bench/RESULTS-serve.md), so fewer statements is the saving."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, text

from bot.store import compiled, sql_explanations, sql_jobs
from bot.store.base import NewJob, Workspace
from bot.store.engine import make_engine, parse_url
from bot.store.migrate import upgrade

ACME = Workspace("E1", "T1")


@pytest.fixture
def recorded(fresh_postgres_url: str) -> Iterator[tuple[Engine, list[str]]]:
    """An engine on a migrated database whose cursors record each statement's first word (no
    idle pings: a slow machine's pause between two operations must not add one)."""
    upgrade(fresh_postgres_url)
    engine = make_engine(parse_url(fresh_postgres_url), ping_idle_after_s=3600.0)
    sent: list[str] = []

    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            sent.append(str(query).split(None, 1)[0])
            return super().execute(query, params, **options)

    event.listen(engine, "connect", lambda driver, _: setattr(driver, "cursor_factory", Recording))
    try:
        yield engine, sent
    finally:
        engine.dispose()


def test_a_job_and_its_once_key_go_in_with_one_statement(
    recorded: tuple[Engine, list[str]],
) -> None:
    engine, sent = recorded
    new = [
        NewJob("explain", {"n": 1}, "event:Ev1", ACME),
        NewJob("explain", {"n": 2}, "event:Ev1", ACME),  # a retry: neither key nor job
        NewJob("explain", {"n": 3}, None, ACME),  # no key: the job alone
    ]
    with compiled.transaction(engine, None) as tx:
        assert sql_jobs.enqueue(tx, new, 100.0) == 2
    assert sent == ["WITH", "WITH", "INSERT"]
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT key, claimed_at FROM once_keys")).all()
        queued = conn.execute(
            text(
                "SELECT payload, dedupe_key, status, attempts, available_at, created_at,"
                " enterprise_id, team_id FROM jobs ORDER BY id"
            )
        ).all()
    assert keys == [("job:event:Ev1", 100.0)]
    assert queued == [
        ('{"n":1}', "event:Ev1", "queued", 0, 100.0, 100.0, "E1", "T1"),
        ('{"n":3}', None, "queued", 0, 100.0, 100.0, "E1", "T1"),
    ]


def test_an_explanation_claim_is_one_statement_and_a_refusal_one_more(
    recorded: tuple[Engine, list[str]],
) -> None:
    engine, sent = recorded

    def claim(thread: str, terms: list[str], now: float, claim_id: str) -> list[str]:
        with compiled.transaction(engine, None) as tx:
            granted = sql_explanations.claim(tx, ACME, "C1", thread, terms, now, 3600.0, claim_id)
        return sorted(granted)

    assert claim("1.0", ["EQL", "MDF"], 100.0, "Ev1:explain") == ["EQL", "MDF"]
    assert sent == ["WITH"]
    # The same job again (its worker died before posting): its own terms back, re-stamped.
    assert claim("1.0", ["EQL", "MDF", "VAR"], 130.0, "Ev1:explain") == ["EQL", "MDF", "VAR"]
    assert sent == ["WITH", "WITH"]
    # Another thread while both cool down: refused, and the thread's new rows taken back.
    assert claim("2.0", ["EQL", "ABM"], 140.0, "Ev2:explain") == ["ABM"]
    assert sent == ["WITH", "WITH", "WITH", "DELETE"]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT thread_ts, term, explained_at, claimed_by FROM explanations ORDER BY 1, 2")
        ).all()
        cooling = conn.execute(
            text("SELECT term, explained_at FROM explanation_cooldowns ORDER BY term")
        ).all()
    assert rows == [
        ("1.0", "EQL", 130.0, "Ev1:explain"),
        ("1.0", "MDF", 130.0, "Ev1:explain"),
        ("1.0", "VAR", 130.0, "Ev1:explain"),
        ("2.0", "ABM", 140.0, "Ev2:explain"),
    ]
    assert cooling == [("ABM", 140.0), ("EQL", 130.0), ("MDF", 130.0), ("VAR", 130.0)]


def test_a_claim_is_one_statement_and_one_more_after_a_job_that_gave_up(
    recorded: tuple[Engine, list[str]],
) -> None:
    engine, sent = recorded
    with compiled.transaction(engine, None) as tx:
        sql_jobs.enqueue(tx, [NewJob("explain", {"n": n}, None, ACME) for n in range(5)], 100.0)
    with engine.begin() as conn:  # the oldest has had its 5 attempts
        conn.execute(text("UPDATE jobs SET attempts = 5 WHERE id = 1"))
    sent.clear()

    def claim(limit: int) -> list[tuple[int, Any, int, str | None]]:
        with compiled.transaction(engine, None) as tx:
            jobs = sql_jobs.claim(tx, limit, 101.0, 30.0, 5)
        return [(job.id, job.payload["n"], job.attempts, job.workspace.team_id) for job in jobs]

    assert claim(2) == [(2, 1, 1, "T1"), (3, 2, 1, "T1")]  # job 1 failed on the way
    assert sent == ["WITH", "WITH"]
    assert claim(2) == [(4, 3, 1, "T1"), (5, 4, 1, "T1")]
    assert sent == ["WITH", "WITH", "WITH"]
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, status, attempts, lease_until, error, length(lease)"
                " FROM jobs ORDER BY id"
            )
        ).all()
    assert rows == [
        (1, "failed", 5, None, "gave up after 5 attempts", None),
        (2, "running", 1, 131.0, None, 32),
        (3, "running", 1, 131.0, None, 32),
        (4, "running", 1, 131.0, None, 32),
        (5, "running", 1, 131.0, None, 32),
    ]
