"""Other HTTP configurations: Slack Connect switched off, one worker, and a restart.

Each server here is its own ``python -m bot serve`` process on its own SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq

from .harness import HttpBot, http_bot, new_channel, posts, wait_posts


@pytest.fixture(scope="module")
def solo(stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    """One worker (so "logged once" is exact) and no explanations in Slack Connect channels."""
    workdir = tmp_path_factory.mktemp("solo-bot")
    with http_bot(
        stand_in, workdir, name="solo", workers=1, EXPLAIN_IN_SLACK_CONNECT="false"
    ) as bot:
        yield bot


def test_slack_connect_can_be_switched_off(solo: HttpBot, api: FakeSlackWebAPI) -> None:
    shared, internal = new_channel(), new_channel()
    solo.event(rq.message("EQL", channel=shared, is_ext_shared_channel=True))
    solo.event(rq.message("EQL", channel=internal))
    wait_posts(api, internal)
    solo.wait_idle()
    assert posts(api, shared) == []


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "channel_not_found"])
def test_a_refused_channel_is_logged_exactly_once(
    solo: HttpBot, api: FakeSlackWebAPI, error: str
) -> None:
    channel, mark = new_channel(), solo.mark()
    api.fail("chat.postMessage", error, times=2)
    solo.event(rq.message("EQL", channel=channel))
    solo.event(rq.message("VAR", channel=channel))  # another term: no cooldown in the way
    wait_posts(api, channel, 2)
    solo.wait_idle()
    log = solo.log(since=mark)
    assert log.count(f"Slack refused chat.postMessage in {channel}: {error}") == 1
    assert log.count(f" {channel}") == 1  # no other line about that channel either
    assert "Traceback" not in log
    # …and the next message is served normally.
    other = new_channel()
    solo.event(rq.message("ISV", channel=other))
    wait_posts(api, other)


def test_state_survives_a_restart(api: FakeSlackWebAPI, tmp_path: Path) -> None:
    channel = new_channel()
    first = rq.message("We need more EQLs", channel=channel)
    with http_bot(api, tmp_path, name="before") as before:
        before.event(first)
        wait_posts(api, channel)
        assert before.stop() == 0  # SIGTERM: gunicorn shuts down cleanly
    assert "Shutting down: Master" in before.log()

    with http_bot(api, tmp_path, name="after") as after:  # same DATABASE_URL
        assert after.event(first, retry_num=1).status == 200  # Slack's late retry
        root = first["event"]["ts"]
        after.event(rq.thread_reply("EQLs again", thread_ts=root, channel=channel))
        fresh = new_channel()
        after.event(rq.message("We need more EQLs", channel=fresh))
        wait_posts(api, fresh)
        after.wait_idle()
        assert len(posts(api, channel)) == 1
