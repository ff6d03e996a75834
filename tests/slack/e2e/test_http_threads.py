"""Channel messages explained in threads, over HTTP with two gunicorn workers.

Which worker takes a delivery is up to the kernel, so every "once" here (retries, once per
thread, cooldown per channel) can only hold because both workers share the SQLite store.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.standin import BOT_ID, BOT_USER_ID, FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import (
    ACK_DEADLINE,
    HttpBot,
    headers,
    mrkdwn_texts,
    new_channel,
    posts,
    wait_posts,
)

EQL, VAR = "Ecosystem Qualified Lead (EQL)", "Value-added reseller (VAR)"


def bold_titles(blocks: list[dict[str, Any]]) -> list[str]:
    """The terms explained in full: each is a section starting with ``*<title>*``."""
    return [
        b["text"]["text"].split("\n")[0].strip("*") for b in blocks if b.get("type") == "section"
    ]


def test_message_with_terms_gets_one_threaded_explanation(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    body = rq.message("We need more EQLs from our VARs", channel=channel)
    assert http.event(body).status == 200
    (post,) = wait_posts(api, channel)
    params = post.params
    assert params["thread_ts"] == body["event"]["ts"]
    assert (params["unfurl_links"], params["unfurl_media"]) == (False, False)
    assert "reply_broadcast" not in params
    assert params["text"] == f"Glossary: {EQL}, {VAR}"
    assert bold_titles(params["blocks"]) == [EQL, VAR]
    assert post.token == "xoxb-e2e-bot-token"
    http.wait_idle()
    assert len(posts(api, channel)) == 1


def test_thread_replies_are_answered_in_the_thread_once_per_term(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel, root = new_channel(), ids.next_ts()
    http.event(rq.thread_reply("Any EQLs this week?", thread_ts=root, channel=channel))
    (first,) = wait_posts(api, channel)
    assert (first.params["thread_ts"], bold_titles(first.params["blocks"])) == (root, [EQL])
    # EQL again in the same thread: nothing new to say. VAR is new to the thread: explained alone.
    http.event(rq.thread_reply("Still no EQL?", thread_ts=root, channel=channel))
    http.event(rq.thread_reply("EQLs come from VARs", thread_ts=root, channel=channel))
    second = wait_posts(api, channel, 2)[1]
    assert (second.params["thread_ts"], bold_titles(second.params["blocks"])) == (root, [VAR])
    http.wait_idle()
    assert len(posts(api, channel)) == 2


def test_a_term_is_not_explained_again_in_another_thread_within_the_cooldown(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    http.event(rq.message("EQL pipeline review", channel=channel))
    wait_posts(api, channel)
    http.event(rq.message("More EQLs please", channel=channel))  # another thread, same channel
    other = new_channel()
    http.event(rq.message("More EQLs please", channel=other))  # other channels are unaffected
    wait_posts(api, other)
    http.wait_idle()
    assert len(posts(api, channel)) == 1


def test_many_terms_three_in_full_and_the_rest_named(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    http.event(rq.message("EQL VAR ISV MSP SI", channel=channel))
    (post,) = wait_posts(api, channel)
    blocks = post.params["blocks"]
    assert bold_titles(blocks) == [EQL, VAR, "Independent software vendor (ISV)"]
    assert (
        "Also mentioned: *Managed service provider (MSP)*, *System integrator (SI)*."
        in mrkdwn_texts(blocks)
    )


@pytest.mark.parametrize(
    "text",
    [
        "our reseller and distributor",  # auto_expand: false terms only
        "see `EQL` and ```VAR ISV``` and <https://example.com/eql|EQL> cc <@U0OTHER> <#C0VAR|var>",
        "nothing to see here",
    ],
    ids=["not-auto-expanded", "code-links-mentions", "no-terms"],
)
def test_messages_without_explainable_terms_get_no_reply(
    http: HttpBot, api: FakeSlackWebAPI, text: str
) -> None:
    channel = new_channel()
    assert http.event(rq.message(text, channel=channel)).status == 200
    http.wait_idle()
    assert posts(api, channel) == []


def test_bots_edits_deletions_and_joins_are_ignored(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    bodies = [
        rq.bot_message("EQL report ready", channel=channel),  # subtype: bot_message
        rq.bot_message("EQL report ready", channel=channel, with_subtype=False),  # bot_id only
        rq.bot_message(  # the bot's own echo
            "EQL",
            channel=channel,
            bot_id=BOT_ID,
            bot_user=BOT_USER_ID,
            app_id="A0TEST",
            with_subtype=False,
        ),
        rq.message_changed("EQL and VAR", previous_text="typo", channel=channel),
        rq.message_deleted(deleted_ts=ids.next_ts(), previous_text="EQL", channel=channel),
        rq.channel_join(channel=channel),
        rq.message(f"<@{BOT_USER_ID}> what's an EQL?", channel=channel),  # app_mention answers
    ]
    assert [http.event(b).status for b in bodies] == [200] * len(bodies)
    http.wait_idle()
    assert posts(api, channel) == []


def test_thread_broadcasts_and_file_shares_by_people_are_answered(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel, root = new_channel(), ids.next_ts()
    http.event(rq.thread_broadcast("Our EQLs doubled", thread_ts=root, channel=channel))
    (broadcast,) = wait_posts(api, channel)
    assert (broadcast.params["thread_ts"], bold_titles(broadcast.params["blocks"])) == (root, [EQL])
    upload = rq.file_share("VAR price list attached", channel=channel)
    http.event(upload)
    shared = wait_posts(api, channel, 2)[1]
    assert shared.params["thread_ts"] == upload["event"]["ts"]
    assert bold_titles(shared.params["blocks"]) == [VAR]


@pytest.mark.parametrize("concurrent", [False, True], ids=["in-turn", "all-at-once"])
def test_retried_deliveries_are_answered_once(
    http: HttpBot, api: FakeSlackWebAPI, concurrent: bool
) -> None:
    channel = new_channel()
    body = rq.message("Which VARs sent EQLs?", channel=channel)

    def deliver(retry: int | None) -> tuple[int, bool]:
        started = time.monotonic()
        status = http.event(body, retry_num=retry).status
        return status, time.monotonic() - started < ACK_DEADLINE

    retries = (None, 1, 2, 3)  # the same event_id each time, as Slack retries
    if concurrent:  # racing deliveries on both workers: only the store's atomic claim holds
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(deliver, retries))
    else:
        results = [deliver(retry) for retry in retries]
    assert results == [(200, True)] * 4
    wait_posts(api, channel)
    http.wait_idle()
    assert len(posts(api, channel)) == 1


def test_slack_connect_channels_are_explained_by_default(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    http.event(rq.message("EQL", channel=channel, is_ext_shared_channel=True))
    (post,) = wait_posts(api, channel)
    assert bold_titles(post.params["blocks"]) == [EQL]


def test_mention_is_answered_in_its_thread(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    body = rq.app_mention(f"<@{BOT_USER_ID}> what's an ISV?", channel=channel)
    http.event(body)
    (post,) = wait_posts(api, channel)
    assert post.params["thread_ts"] == body["event"]["ts"]
    assert headers(post.params["blocks"]) == ["Independent software vendor (ISV)"]
    assert "share_term" not in str(post.params["blocks"])  # a public answer needs no share


def test_direct_message_is_answered_in_the_dm(http: HttpBot, api: FakeSlackWebAPI) -> None:
    dm = ids.new_id("D")
    http.event(rq.dm_message("what does ICP stand for", channel=dm))
    (post,) = wait_posts(api, dm)
    assert "thread_ts" not in post.params
    assert headers(post.params["blocks"]) == ["Ideal Customer Profile (ICP)"]
