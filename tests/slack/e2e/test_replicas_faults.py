"""Faults around the shared database: an outage for one replica, and replicas that start
together on an empty database.

The outage is one bot's alone: it reaches PostgreSQL through a proxy that the test cuts, so
the server the other tests use keeps running.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from bot.store.migrate import head
from bot.store.schema import metadata
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq

from .harness import ACK_DEADLINE, HttpBot, headers, new_channel, posts, wait_posts, wait_until
from .replicas import CuttableProxy, mention, messages, replica, running, tally

ISV = "Independent software vendor (ISV)"


def timed_event(bot: HttpBot, body: dict[str, object], retry_num: int | None) -> int:
    """POST the event; its status, or 0 if the ack missed Slack's deadline."""
    started = time.monotonic()
    status = bot.event(body, retry_num=retry_num).status
    return status if time.monotonic() - started < ACK_DEADLINE else 0


def test_database_outage_acks_answers_once_pauses_and_recovers(
    api: FakeSlackWebAPI, tmp_path: Path, fresh_postgres_url: str
) -> None:
    with CuttableProxy(fresh_postgres_url) as proxy:
        bot = replica(
            api, tmp_path, "cut-off", proxy.url, JOB_LEASE_S="3", DATABASE_CONNECT_TIMEOUT_S="2"
        )
        with running(bot):
            proxy.cut()
            wait_until(lambda: bot.ready()[0] == 503, 10, "/readyz to turn 503")
            assert bot.ready()[1]["store_ok"] is False

            define = bot.command("eql")
            assert define.status == 200
            assert headers(define.json()["blocks"]) == ["Ecosystem Qualified Lead (EQL)"]

            asked, paused = new_channel(), new_channel()
            question = mention(asked)
            statuses = [timed_event(bot, question, num) for num in (None, 1, 2)]  # Slack's retries
            statuses.append(timed_event(bot, rq.message("EQL", channel=paused), None))
            assert statuses == [200, 200, 200, 200]
            (answer,) = wait_posts(api, asked)  # the first delivery, answered without the store
            assert (answer.params["thread_ts"], headers(answer.params["blocks"])) == (
                question["event"]["ts"],
                [ISV],
            )
            assert "not answering Slack retry" in bot.log()  # decided before each retry's ack

            proxy.restore()
            wait_until(lambda: bot.ready()[0] == 200, 20, "/readyz back to 200 by itself")
            after = messages(1)
            assert bot.event(after[0].body).status == 200
            wait_until(lambda: all(tally(api, after)), 15, "an explanation after the outage")
            bot.wait_idle()
            # Still one answer to the mention; the message sent during the outage stays
            # unexplained (it was acked, and Slack never resends an acknowledged event).
            assert (len(posts(api, asked)), posts(api, paused), tally(api, after)) == (1, [], [1])


def test_three_replicas_starting_together_on_an_empty_database_migrate_once(
    api: FakeSlackWebAPI, tmp_path: Path, fresh_postgres_url: str
) -> None:
    bots = [replica(api, tmp_path, name, fresh_postgres_url) for name in ("r1", "r2", "r3")]
    with running(*bots):  # started at the same moment; each must become ready
        assert [bot.ready()[0] for bot in bots] == [200, 200, 200]
        assert [bot.proc.poll() if bot.proc else "gone" for bot in bots] == [None, None, None]
        logs = [bot.log() for bot in bots]
    summaries = sorted(
        line.split("database: ", 1)[1]
        for log in logs
        for line in log.splitlines()
        if "database: schema at" in line
    )
    assert summaries == [
        f"schema at {head()} (already current)",
        f"schema at {head()} (already current)",
        f"schema at {head()} (was empty)",
    ]
    assert [log.count("Traceback") for log in logs] == [0, 0, 0]
    engine = create_engine(fresh_postgres_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert [tuple(row) for row in versions] == [(head(),)]
    oauth = {"slack_installations", "slack_bots", "slack_oauth_states"}  # slack_sdk's, migrated
    assert tables == {*metadata.tables, "alembic_version", *oauth}
