"""A worker that dies is replaced even while Slack is unreachable or the database is
write-locked: booting a worker needs neither (issue 6 §3, "One worker's death")."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
from pathlib import Path

from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq

from .harness import HttpBot, http_bot, new_channel, wait_posts, wait_until


def workers(bot: HttpBot) -> set[int]:
    """The gunicorn worker pids: the master's children."""
    assert bot.proc is not None
    master, found = bot.proc.pid, set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            found.add(int(entry.name))
    return found


PROCESSES = 3
"""Workers of ``http_bot(workers=2)``: 2 HTTP workers and the job worker (``JOB_PROCESSES``)."""


def kill_each_worker_and_wait_for_its_replacement(bot: HttpBot) -> None:
    """Every worker in turn, whatever its role (HTTP or jobs: bot/slack/job_process.py)."""
    before = wait_until(
        lambda: workers(bot) if len(workers(bot)) == PROCESSES else None, 10, "the workers"
    )
    for victim in sorted(before):
        os.kill(victim, signal.SIGKILL)
        wait_until(
            lambda: len(workers(bot)) == PROCESSES and victim not in workers(bot),  # noqa: B023
            20,
            "a replacement worker",
        )


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:  # it ended meanwhile
        return ""


def policies(pid: int) -> list[int]:
    """The scheduling policies of a process's threads (each thread has its own), sorted."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found.add(os.sched_getscheduler(int(task.name)))
    return sorted(found)


def test_each_process_of_serve_is_named_for_its_role(api: FakeSlackWebAPI, tmp_path: Path) -> None:
    """What an operator's ``top`` shows, and how bench_serve splits the CPU by role; and the
    job worker's threads, all of them, run as a batch process."""
    with http_bot(api, tmp_path, workers=2) as bot:
        assert bot.proc is not None
        expected = ["glossary-http", "glossary-http", "glossary-jobs"]
        wait_until(
            lambda: sorted(comm(pid) for pid in workers(bot)) == expected, 10, "named workers"
        )
        assert comm(bot.proc.pid) == "glossary-master"
        if hasattr(os, "SCHED_BATCH"):  # the job worker yields on wake (job_process.py)
            usual = os.sched_getscheduler(0)  # what serve inherits: SCHED_OTHER, as a rule
            assert sorted((comm(pid), policies(pid)) for pid in workers(bot)) == [
                ("glossary-http", [usual]),
                ("glossary-http", [usual]),
                ("glossary-jobs", [os.SCHED_BATCH]),
            ]


def test_a_worker_is_replaced_while_slack_is_unreachable(tmp_path: Path) -> None:
    with FakeSlackWebAPI() as api, http_bot(api, tmp_path, workers=2) as bot:
        api.stop()  # Slack is gone from now on
        kill_each_worker_and_wait_for_its_replacement(bot)
        for _ in range(6):  # whichever worker answers, it answers
            response = bot.command("EQL")
            assert response.status == 200
            assert "Ecosystem Qualified Lead" in response.body
        assert bot.alive()


def test_a_worker_is_replaced_while_the_database_is_write_locked(
    api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    with http_bot(api, tmp_path, workers=2) as bot:
        lock = sqlite3.connect(tmp_path / "state.sqlite3", timeout=1, isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            kill_each_worker_and_wait_for_its_replacement(bot)
            for _ in range(6):
                assert bot.command("EQL").status == 200
            assert bot.alive()
        finally:
            lock.execute("ROLLBACK")
            lock.close()


def test_without_job_workers_each_http_worker_performs_jobs(
    api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    """``JOB_PROCESSES=0``: the layout before job workers, two workers that ack and post."""
    with http_bot(api, tmp_path, workers=2, JOB_PROCESSES="0") as bot:
        wait_until(lambda: len(workers(bot)) == 2, 10, "2 workers")
        channel = new_channel()
        assert bot.event(rq.message("Any EQLs?", channel=channel)).status == 200
        (post,) = wait_posts(api, channel)
        assert "EQL" in str(post.params["text"])
        assert len(workers(bot)) == 2  # all started by now: no job worker among them
