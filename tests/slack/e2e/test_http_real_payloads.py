"""What real Slack payloads showed (issue 8 §1): only people get answers, answers go in the
thread they were asked in, chatter is not a miss, forwarded messages are read whole, and every
signed event is acked 200 even when no listener wants it."""

from __future__ import annotations

import pytest

from tests.standin import FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import HttpBot, headers, new_channel, posts, wait_posts

CHATTER_REPLY = (
    "Hi! I explain partnership jargon. Ask me about a term — `EQL`, `what's a VAR?`, "
    "`co-selling` — or type `/define help` anywhere."
)


def test_slackbot_notices_in_the_dm_get_no_answer(http: HttpBot, api: FakeSlackWebAPI) -> None:
    dm = ids.new_id("D")
    notice = rq.dm_message("You have been removed from #partners by Sam", channel=dm)
    notice["event"]["user"] = "USLACKBOT"
    assert http.event(notice).status == 200
    http.wait_idle()
    assert posts(api, dm) == []


def test_a_dm_sent_in_a_thread_is_answered_in_that_thread(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    dm, root = ids.new_id("D"), ids.next_ts()
    http.event(rq.dm_message("what's an EQL?", channel=dm, thread_ts=root))
    (post,) = wait_posts(api, dm)
    assert post.params["thread_ts"] == root
    assert headers(post.params["blocks"]) == ["Ecosystem Qualified Lead (EQL)"]


@pytest.mark.parametrize("text", ["thanks!", "test", "hi"])
def test_chatter_in_a_dm_gets_a_pointer(http: HttpBot, api: FakeSlackWebAPI, text: str) -> None:
    dm = ids.new_id("D")
    http.event(rq.dm_message(text, channel=dm))
    (post,) = wait_posts(api, dm)
    assert post.params["text"] == CHATTER_REPLY


@pytest.mark.parametrize(
    "body",
    [
        {"type": "app_rate_limited", "team_id": "T0001", "minute_rate_limited": 1796070000},
        rq.event_callback({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}),
        rq.event_callback({"type": "app_uninstalled"}),
        rq.event_callback({"type": "made_up_event_type", "channel": "C1"}),
    ],
    ids=["app_rate_limited", "tokens_revoked", "app_uninstalled", "unknown"],
)
def test_every_signed_event_gets_200(http: HttpBot, body: dict[str, object]) -> None:
    assert http.event(body).status == 200


def test_an_unknown_event_type_is_logged_once_per_worker(http: HttpBot) -> None:
    mark = http.mark()
    kind = f"made_up_{ids.new_id('x').lower()}"
    for _ in range(6):
        assert http.event(rq.event_callback({"type": kind})).status == 200
    log = http.wait_for_log(f"acked a '{kind}' event")
    assert 1 <= log[mark:].count(f"acked a '{kind}' event") <= 2


def test_app_rate_limited_is_logged_with_its_minute(http: HttpBot) -> None:
    body = {"type": "app_rate_limited", "team_id": "T0LIMIT", "minute_rate_limited": 1796070000}
    assert http.event(body).status == 200
    http.wait_for_log("Slack rate-limited events for team T0LIMIT during 2026-11-30 20:20 UTC")


def test_the_shortcut_reads_a_forwarded_message(http: HttpBot, api: FakeSlackWebAPI) -> None:
    rid = ids.new_id("R")
    forwarded = {
        "type": "message",
        "user": "U0SOMEONE",
        "ts": ids.next_ts(),
        "text": "",
        "attachments": [
            {
                "is_share": True,
                "fallback": "[Nov 30] Ana: our VAR wants MDF",
                "text": "our VAR wants MDF",
                "message_blocks": [
                    {
                        "team": "T0001",
                        "channel": "C0OTHER",
                        "ts": "1700000000.000100",
                        "message": {"blocks": rq.rich_text("and an EQL from the ISV")},
                    }
                ],
            }
        ],
    }
    payload = rq.message_action("explain_message_terms", response_url=api.response_url(rid))
    payload["message"] = forwarded
    assert http.interactive(payload).status == 200
    (reply,) = api.wait_for_response(rid)
    assert headers(reply.body["blocks"]) == [
        "Value-added reseller (VAR)",
        "Market development funds (MDF)",
        "Ecosystem Qualified Lead (EQL)",
        "Independent software vendor (ISV)",
    ]


def test_a_channel_message_from_an_app_is_not_explained(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    body = rq.message("our EQL pipeline", channel=channel)
    body["event"]["app_id"] = "A0OTHER"
    assert http.event(body).status == 200
    http.wait_idle()
    assert posts(api, channel) == []
