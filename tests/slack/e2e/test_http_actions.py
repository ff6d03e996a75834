"""Buttons, the message shortcut and the term modal's submission, over HTTP.

Message buttons answer through ``response_url`` (recorded by the stand-in); modal and
shortcut payloads are shaped like Slack's (see tests/standin/interactive.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.standin import USER_ID, FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import HttpBot, headers, mrkdwn_texts, new_channel, posts, wait_posts

EQL = "Ecosystem Qualified Lead"
MODAL_METADATA = json.dumps({"term": EQL})


def responses(http: HttpBot, api: FakeSlackWebAPI, rid: str, count: int) -> list[dict[str, Any]]:
    found = api.wait_for_response(rid, count)
    http.wait_idle()
    assert len(api.responses(rid)) == count
    return [r.body for r in found]


def test_share_posts_the_card_in_channel_and_confirms_privately(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    rid = ids.new_id("R")
    payload = rq.block_actions_message(
        "share_term", EQL, is_ephemeral=True, response_url=api.response_url(rid)
    )
    response = http.interactive(payload)
    assert (response.status, response.body) == (200, "")
    shared, confirmation = responses(http, api, rid, 2)
    assert (shared["response_type"], shared["replace_original"]) == ("in_channel", False)
    assert headers(shared["blocks"]) == ["Ecosystem Qualified Lead (EQL)"]
    assert f"Shared by <@{USER_ID}> with /define" in mrkdwn_texts(shared["blocks"])
    assert "share_term" not in json.dumps(shared["blocks"])  # no share button on a shared card
    assert confirmation == {
        "text": "Shared “Ecosystem Qualified Lead (EQL)” with the channel.",
        "replace_original": True,
    }
    assert api.calls() == []  # response_url only: no chat.postMessage needing channel access


@pytest.mark.parametrize("ephemeral", [True, False], ids=["private-card", "public-card"])
def test_related_term_button_opens_that_card_privately(
    http: HttpBot, api: FakeSlackWebAPI, ephemeral: bool
) -> None:
    rid = ids.new_id("R")
    payload = rq.block_actions_message(
        "define_term_0",
        "Ideal Customer Profile",
        is_ephemeral=ephemeral,
        response_url=api.response_url(rid),
    )
    assert http.interactive(payload).status == 200
    (card,) = responses(http, api, rid, 1)
    assert headers(card["blocks"]) == ["Ideal Customer Profile (ICP)"]
    # A private card is replaced in place; a click on a public card must not rewrite it.
    assert (card["response_type"], card["replace_original"]) == ("ephemeral", ephemeral)


def test_shortcut_explains_every_term_in_the_message(http: HttpBot, api: FakeSlackWebAPI) -> None:
    rid = ids.new_id("R")
    payload = rq.message_action(
        "explain_message_terms",
        text="Ask the reseller about EQL",
        response_url=api.response_url(rid),
    )
    assert http.interactive(payload).status == 200
    (reply,) = responses(http, api, rid, 1)
    assert (reply["response_type"], reply["replace_original"]) == ("ephemeral", False)
    assert headers(reply["blocks"]) == ["Reseller", "Ecosystem Qualified Lead (EQL)"]


def test_shortcut_on_a_message_without_terms_says_so(http: HttpBot, api: FakeSlackWebAPI) -> None:
    rid = ids.new_id("R")
    payload = rq.message_action(
        "explain_message_terms", text="lunch at noon?", response_url=api.response_url(rid)
    )
    http.interactive(payload)
    (reply,) = responses(http, api, rid, 1)
    assert reply["text"] == "I found no glossary terms in that message."


def share_from_modal(http: HttpBot, channel: str | None) -> dict[str, Any] | str:
    values = {}
    if channel:
        selected = {"type": "conversations_select", "selected_conversation": channel}
        values = {"share_channel": {"channel": selected}}
    payload = rq.view_submission("term_modal", values, private_metadata=MODAL_METADATA)
    response = http.interactive(payload)
    assert response.status == 200
    return response.json() if response.body else response.body


def test_modal_submission_posts_the_card_to_the_chosen_channel(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    assert share_from_modal(http, channel) == ""  # a bare ack closes the modal
    (post,) = wait_posts(api, channel)
    assert "thread_ts" not in post.params
    assert headers(post.params["blocks"]) == ["Ecosystem Qualified Lead (EQL)"]
    assert f"Shared by <@{USER_ID}> with /define" in mrkdwn_texts(post.params["blocks"])


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("not_in_channel", "Invite me to the channel (/invite @glossary) and try again."),
        ("is_archived", "That channel is archived."),
        ("channel_not_found", "Invite me to the channel (/invite @glossary) and try again."),
    ],
)
def test_a_refused_modal_share_closes_at_once_and_tells_the_user_why(
    http: HttpBot, api: FakeSlackWebAPI, error: str, advice: str
) -> None:
    """The ack never waits for Slack's Web API: the modal closes, and a refusal reaches the
    user as a direct message saying what went wrong (never "Shared")."""
    channel = new_channel()
    api.fail("chat.postMessage", error)
    assert share_from_modal(http, channel) == ""
    (told,) = wait_posts(api, USER_ID)
    http.wait_idle()
    assert len(posts(api, channel)) == 1  # tried once, refused
    assert told.params["text"] == (
        f"I couldn't share “Ecosystem Qualified Lead (EQL)”: Slack said `{error}`. {advice}"
    )


def test_a_replayed_modal_submission_posts_once(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    selected = {"type": "conversations_select", "selected_conversation": channel}
    values = {"share_channel": {"channel": selected}}
    payload = rq.view_submission("term_modal", values, private_metadata=MODAL_METADATA)
    assert http.interactive(payload).status == 200
    assert http.interactive(payload).status == 200  # replayed, or a double click
    wait_posts(api, channel)
    http.wait_idle()
    assert len(posts(api, channel)) == 1


def test_modal_submission_without_a_channel_asks_for_one(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    assert share_from_modal(http, None) == {
        "response_action": "errors",
        "errors": {"share_channel": "Pick a channel."},
    }
    http.wait_idle()
    assert api.calls("chat.postMessage") == []
