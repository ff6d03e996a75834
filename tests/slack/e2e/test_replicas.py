"""Two ``serve`` replicas on one PostgreSQL database: retries across replicas, ``kill -9`` and
SIGTERM under a backlog. Each test counts posts per message (an explanation in its thread, or
a mention's answer): exactly one, none lost; after ``kill -9`` at most one more per job thread
of the killed replica, the posts it had on the wire.

The backlog comes from a slow Slack (every ``chat.postMessage`` answered after
``SLOW_POST_S``), so when a replica dies it holds claimed jobs: some being posted, the rest
waiting in its threads. The jobs table's leases must hand all of them to the survivor.
The figures each test measured are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.standin import FakeSlackWebAPI

from .harness import HttpBot, wait_until
from .replicas import Sent, check_posts, messages, replica, running, tally

LEASE_S = "3"
GRACE_S = 3.0
SETTINGS = {"JOB_LEASE_S": LEASE_S, "SHUTDOWN_GRACE_S": str(GRACE_S)}
WORKERS, JOB_WORKERS = 2, 6
"""Each replica: HTTP workers × JOB_WORKERS (the defaults), its job threads, all in its job
worker (bot/slack/job_process.job_threads)."""
IN_FLIGHT_BOUND = WORKERS * JOB_WORKERS
"""Posts a killed replica can have had on the wire: one per job thread."""
SLOW_POST_S = 0.25
BACKLOG = 60


def two_replicas(api: FakeSlackWebAPI, tmp_path: Path, url: str) -> tuple[HttpBot, HttpBot]:
    return (
        replica(api, tmp_path, "a", url, **SETTINGS),
        replica(api, tmp_path, "b", url, **SETTINGS),
    )


def settle(api: FakeSlackWebAPI, sent: list[Sent], survivor: HttpBot) -> list[int]:
    """Wait until every message has a post, or the shared queue is empty (a job that posted
    nothing is gone too); then until nothing is queued or running. Returns posts per message."""

    def done() -> bool:
        if all(tally(api, sent)):
            return True
        jobs = survivor.ready()[1]["jobs"]
        return bool(jobs["queued"] == 0 and jobs["running"] == 0)

    wait_until(done, 45, "a post for every message, or an empty queue")
    survivor.wait_idle(20)
    return tally(api, sent)


def failed_jobs(bot: HttpBot) -> int:
    return int(bot.ready()[1]["jobs"]["failed"])


def enqueue_backlog(api: FakeSlackWebAPI, bot: HttpBot, sent: list[Sent]) -> int:
    """Send every message to ``bot`` and wait until a few posts went out; returns how many."""
    assert [bot.event(message.body).status for message in sent] == [200] * len(sent)

    def posted() -> int:
        count = len(api.calls("chat.postMessage"))
        return count if count >= 8 else 0

    return wait_until(posted, 20, "the first posts of the backlog")


def test_each_event_delivered_three_times_across_replicas_is_explained_once(
    api: FakeSlackWebAPI, tmp_path: Path, fresh_postgres_url: str
) -> None:
    sent = messages(24, mention_every=3)
    with running(*two_replicas(api, tmp_path, fresh_postgres_url)) as (a, b):

        def deliver(message: Sent) -> list[int]:
            """The first delivery to A, Slack's retries (same event_id) to B, then A."""
            order = ((a, None), (b, 1), (a, 2))
            return [bot.event(message.body, retry_num=num).status for bot, num in order]

        with ThreadPoolExecutor(4) as pool:  # messages race each other across both replicas
            statuses = list(pool.map(deliver, sent))
        assert statuses == [[200, 200, 200]] * len(sent)
        counts = settle(api, sent, b)
        assert counts == [1] * len(sent)
        check_posts(api, sent)
        assert (failed_jobs(a), len(api.calls("chat.postMessage"))) == (0, len(sent))


def test_kill_9_of_a_replica_under_backlog_loses_nothing(
    api: FakeSlackWebAPI, tmp_path: Path, fresh_postgres_url: str
) -> None:
    api.delay("chat.postMessage", SLOW_POST_S)
    sent = messages(BACKLOG, mention_every=3)
    with running(*two_replicas(api, tmp_path, fresh_postgres_url)) as (a, b):
        before = enqueue_backlog(api, a, sent)
        killed_at, killed_wall = time.monotonic(), time.time()
        assert a.kill_group() == -signal.SIGKILL  # master and workers, all at once
        counts = settle(api, sent, b)
        took = time.monotonic() - killed_at
        duplicates = sum(count - 1 for count in counts if count > 1)
        repeated_explanations = sum(
            count - 1 for count, message in zip(counts, sent, strict=True) if not message.mention
        )
        on_the_wire = sum(  # by both replicas: the stand-in cannot tell them apart
            killed_wall - SLOW_POST_S < call.received_at <= killed_wall
            for call in api.calls("chat.postMessage")
        )
        print(
            f"\nkill -9: {before} posts before the kill, {on_the_wire} of them unanswered at "
            f"the kill; afterwards {sum(counts)} posts for {len(sent)} messages, lost "
            f"{counts.count(0)}, duplicated {duplicates} (bound {IN_FLIGHT_BOUND}; explanations "
            f"{repeated_explanations}); the survivor "
            f"finished {took:.1f}s after the kill"
        )
        assert counts.count(0) == 0, f"lost: {counts}\n{b.log()[-3000:]}"
        assert duplicates <= IN_FLIGHT_BOUND, counts
        check_posts(api, sent)
        assert failed_jobs(b) == 0


def test_sigterm_under_backlog_finishes_in_hand_and_hands_over_the_rest(
    api: FakeSlackWebAPI, tmp_path: Path, fresh_postgres_url: str
) -> None:
    api.delay("chat.postMessage", SLOW_POST_S)
    sent = messages(BACKLOG, mention_every=3)
    with running(*two_replicas(api, tmp_path, fresh_postgres_url)) as (a, b):
        before = enqueue_backlog(api, a, sent)
        stopping = time.monotonic()
        code = a.stop(timeout=GRACE_S + 5)  # SIGKILL (not 0) if it overruns the grace period
        stopped = time.monotonic() - stopping
        counts = settle(api, sent, b)
        print(
            f"\nSIGTERM: {before} posts before it; exit {code} after {stopped:.1f}s "
            f"(grace {GRACE_S}s); {sum(counts)} posts for {len(sent)} messages"
        )
        assert code == 0, a.log()[-3000:]
        assert counts == [1] * len(sent)  # none lost, none repeated: nothing was cut off
        check_posts(api, sent)
        assert failed_jobs(b) == 0
        log = a.log()
        assert "Traceback" not in log
        assert "stopped with jobs still in hand" not in log
