"""A real ``serve`` whose database is write-locked by another process: each event's answer is
held by the HTTP worker's poller until its jobs are stored, at most the 1 s enqueue deadline
(bot/slack/ack_hold.py), and goes out well within Slack's 3 s; once the lock is gone the late
writes commit and every message gets its one explanation, none twice."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.slack.dispatch import ENQUEUE_DEADLINE_S
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq

from .harness import ACK_DEADLINE, http_bot, new_channel, posts, wait_posts


def test_acks_wait_for_the_deadline_not_the_lock_and_no_explanation_is_lost(
    api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    channels = [new_channel() for _ in range(3)]
    with http_bot(api, tmp_path, workers=2) as bot:
        lock = sqlite3.connect(tmp_path / "state.sqlite3", timeout=1, isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            for channel in channels:
                started = time.monotonic()
                response = bot.event(rq.message("Any EQLs this week?", channel=channel))
                elapsed = time.monotonic() - started
                assert response.status == 200
                assert ENQUEUE_DEADLINE_S <= elapsed < ACK_DEADLINE, f"acked after {elapsed:.2f}s"
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        for channel in channels:
            (post,) = wait_posts(api, channel, timeout=20)
            assert "Ecosystem Qualified Lead" in str(post.params["text"])
        bot.wait_idle(timeout=20)
        assert [len(posts(api, channel)) for channel in channels] == [1, 1, 1]
        assert "acked before the work was stored" in bot.log()
