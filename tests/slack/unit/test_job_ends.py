"""The end of a job rides in its worker's next write (``Store.finish_job_later``, jobs.py).

On a real SQLite store, with a second store on the same file to read what is durable:
- the ends of a run of explanations take no transaction of their own: each rides in the next
  job's explanation claim, the last one in an empty write before ``run_once`` returns;
- when each post goes out, every job performed before it has ended in the store, whatever the
  kinds (a job that does not write first waits for the end before it): a kill still repeats at
  most the post in flight;
- a thread about to sleep records its ends first (its polls are made too slow to do it);
- an end the store refuses is logged once, and the runner goes on with the next job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import GlossaryService
from bot.slack import jobs, work
from bot.slack.app import make_client
from bot.slack.jobs import JobRunner
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.store import MemoryStore, SqlStore, StoreError
from bot.store.base import Job, JobStats, NewJob, Store
from bot.terms import Glossary
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import CHANNEL_ID
from tests.standin.web_methods import Answer, Call
from tests.store.helpers import count_transactions, sqlite_store, wait_until

from .conftest import EQL, MQL, T0, WORKSPACE

CHANNEL_PARTNER = "Channel partner"


@pytest.fixture
def sql(tmp_path: Path) -> Iterator[SqlStore]:
    store = sqlite_store(tmp_path)
    yield store
    store.close()


@pytest.fixture
def durable(tmp_path: Path, sql: SqlStore) -> Iterator[SqlStore]:
    """Another store on the same file: it sees only what was committed."""
    store = SqlStore(f"sqlite:///{tmp_path}/state.sqlite3")
    yield store
    store.close()


def runner_on(store: Store, glossary: Glossary, slack_api: FakeSlackWebAPI) -> JobRunner:
    client = make_client("xoxb-test", slack_api.base_url)
    client.retry_handlers = []
    performer = Performer(GlossaryService(glossary, store), lambda workspace: client)
    return JobRunner(store, performer, threads=1, lease_s=30.0, max_attempts=3)


def explanation(thread_ts: str, term: str) -> NewJob:
    return work.explain(WORKSPACE, CHANNEL_ID, thread_ts, [term], dedupe_key=f"{thread_ts}:e")


def post(text: str) -> NewJob:
    return work.post(WORKSPACE, CHANNEL_ID, Message(text, [{"type": "divider"}]))


def left(store: SqlStore) -> int:
    stats = store.job_stats(T0)
    return stats.queued + stats.running


def test_the_end_of_each_explanation_rides_in_the_next_ones_claim(
    sql: SqlStore, durable: SqlStore, glossary: Glossary, slack_api: FakeSlackWebAPI
) -> None:
    sql.enqueue([explanation("1.0", EQL), explanation("2.0", MQL)], T0)
    sql.enqueue([explanation("3.0", CHANNEL_PARTNER)], T0)
    opened = count_transactions(sql)
    assert runner_on(sql, glossary, slack_api).run_once() == 3
    assert len(slack_api.calls("chat.postMessage")) == 3
    assert opened == [
        "claim work",
        "record explanations",
        "finish a job, record explanations",
        "finish a job, record explanations",
        "finish a job",  # alone: run_once returns with every end recorded
    ]
    assert durable.job_stats(T0) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0.0)


def test_when_each_post_goes_out_every_job_before_it_has_ended(
    sql: SqlStore, durable: SqlStore, glossary: Glossary, slack_api: FakeSlackWebAPI
) -> None:
    seen: list[tuple[str, int]] = []

    def answer(call: Call) -> Answer:
        seen.append((str(call.params["text"]), left(durable)))
        return slack_api.answers.answer(call)

    slack_api.on("chat.postMessage", answer)
    sql.enqueue([explanation("1.0", EQL), explanation("2.0", MQL), post("a post")], T0)
    sql.enqueue([post("another post"), explanation("5.0", CHANNEL_PARTNER)], T0)
    opened = count_transactions(sql)
    runner = runner_on(sql, glossary, slack_api)
    assert runner.run_once(limit=5) == 5
    assert seen == [
        ("Glossary: Ecosystem Qualified Lead (EQL)", 5),
        ("Glossary: Marketing Qualified Lead (MQL)", 4),
        ("a post", 3),  # a post does not write first: it waited for the end before it
        ("another post", 2),
        ("Glossary: Channel partner", 1),
    ]
    assert opened == [
        "claim work",
        "record explanations",
        "finish a job, record explanations",
        "finish a job",  # a post does not write first: the end before it, alone
        "finish a job",
        "finish a job, record explanations",
        "finish a job",
    ]
    assert left(durable) == 0


def test_a_thread_about_to_sleep_records_its_ends_first(
    sql: SqlStore,
    durable: SqlStore,
    glossary: Glossary,
    slack_api: FakeSlackWebAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "POLL_S", 3600.0)  # no poll comes to carry them
    runner = runner_on(sql, glossary, slack_api).start()
    try:
        sql.enqueue([explanation("1.0", EQL)], T0)
        runner.wake()
        slack_api.wait_for("chat.postMessage")
        assert wait_until(lambda: left(durable) == 0)
    finally:
        assert runner.stop(5.0) is True


class UnfinishingStore(MemoryStore):
    """Takes every write but the end of a job."""

    def finish_job(self, job: Job, now: float) -> bool:
        raise StoreError("state store failed to finish a job: disk I/O error")


def test_an_end_the_store_refuses_is_logged_and_the_next_job_goes_on(
    glossary: Glossary, slack_api: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    store = UnfinishingStore()
    store.enqueue([post("one"), post("two")], T0)
    with caplog.at_level(logging.ERROR, logger="bot.slack.jobs"):
        assert runner_on(store, glossary, slack_api).run_once() == 2
    assert [c.params["text"] for c in slack_api.calls("chat.postMessage")] == ["one", "two"]
    assert [r.getMessage() for r in caplog.records] == [
        "could not record a finished job (it may run again): "
        "state store failed to finish a job: disk I/O error"
    ]
    assert store.job_stats(T0).running == 2
