"""The message shortcut "Explain terms in this message", and the text it reads.

Pinned down: the answer is one private respond task listing every glossary term (auto_expand or
not); a forwarded or shared message, whose own ``text`` is empty, is read from its attachments
and the original's rich-text blocks; a rich-text-only message is read from its blocks; odd
shapes are read without failing.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.service import GlossaryService
from bot.slack.listeners import shortcuts
from bot.slack.parse import message_text
from bot.slack.render.answers import terms_message
from bot.slack.work import NOTHING, Outcome
from bot.store.base import NewJob
from tests.standin import requests
from tests.standin.ids import CHANNEL_ID, TEAM_ID, USER_ID

from .conftest import EQL_TITLE, MQL_TITLE, WORKSPACE, call

URL = "https://hooks.slack.com/app/T0TEST/2/xyz"
NO_TERMS = "I found no glossary terms in that message."


def shortcut(message: dict[str, Any]) -> dict[str, Any]:
    body = requests.message_action("explain_message_terms", response_url=URL)
    body["message"] = {"type": "message", "user": USER_ID, "ts": "1700000000.000100", **message}
    return body


def answer(service: GlossaryService, body: dict[str, Any]) -> str:
    """The text of the one private reply, after checking that it is exactly that."""
    outcome = call(shortcuts.explain_message(service), body)
    (task,) = outcome.tasks
    sent = task.payload["body"]
    assert (outcome.ack, outcome.jobs, task.kind, task.payload["url"]) == ({}, (), "respond", URL)
    assert (sent["response_type"], sent["replace_original"]) == ("ephemeral", False)
    return str(sent["text"])


def rich(text: str) -> list[dict[str, Any]]:
    return requests.rich_text(text)


FORWARDED = {
    "text": "",
    "attachments": [
        {
            "ts": "1699999999.000100",
            "channel_id": CHANNEL_ID,
            "channel_name": "deals",
            "is_msg_unfurl": True,
            "is_share": True,
            "id": 1,
            "original_url": "https://test.slack.com/archives/C0CHAN/p1699999999000100",
            "fallback": "[November 14th, 2023 10:13 PM] bob: our EQL numbers",
            "text": "our EQL numbers",
            "author_id": "U0BOB",
            "author_subname": "bob",
            "mrkdwn_in": ["text"],
            "footer": "Posted in #deals",
            "message_blocks": [
                {
                    "team": TEAM_ID,
                    "channel": CHANNEL_ID,
                    "ts": "1699999999.000100",
                    "message": {"blocks": rich("our EQL numbers, and the MQL handoff")},
                }
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        (
            {"text": "our EQL and MQL plus affiliate deals"},
            f"Glossary terms: {EQL_TITLE}, {MQL_TITLE}, Affiliate",
        ),
        ({"text": "lunch anyone?"}, NO_TERMS),
        (FORWARDED, f"Glossary terms: {EQL_TITLE}, {MQL_TITLE}"),
        ({"text": "", "blocks": rich("the MQL handoff")}, f"Glossary terms: {MQL_TITLE}"),
        (
            {"text": "", "attachments": [{"pretext": "EQL", "fields": [{"value": "MQL"}]}]},
            (f"Glossary terms: {EQL_TITLE}, {MQL_TITLE}"),
        ),
        ({"attachments": "not a list", "blocks": {"odd": True}}, NO_TERMS),
    ],
    ids=["text", "no-terms", "forwarded", "rich-text-only", "legacy-attachment", "odd-shapes"],
)
def test_every_term_in_the_message_is_answered_privately(
    service: GlossaryService, message: dict[str, Any], reply: str
) -> None:
    assert answer(service, shortcut(message)) == reply


def test_the_reply_is_the_terms_message(service: GlossaryService) -> None:
    text = "our EQL and MQL plus affiliate deals"
    expected = terms_message(service.terms_in(text))
    body = {
        "text": expected.text,
        "blocks": expected.blocks,
        "response_type": "ephemeral",
        "replace_original": False,
    }
    outcome = call(shortcuts.explain_message(service), shortcut({"text": text}))
    task = NewJob("respond", {"url": URL, "body": body}, workspace=WORKSPACE)
    assert outcome == Outcome(tasks=(task,))


def test_without_a_response_url_nothing_is_decided(service: GlossaryService) -> None:
    body = shortcut({"text": "EQL"})
    del body["response_url"]
    assert call(shortcuts.explain_message(service), body) == NOTHING


def test_message_text_keeps_each_piece_once_in_order() -> None:
    assert message_text(FORWARDED).splitlines() == [
        "our EQL numbers",
        "[November 14th, 2023 10:13 PM] bob: our EQL numbers",
        "our EQL numbers, and the MQL handoff",
    ]


def test_message_text_stops_at_absurd_nesting() -> None:
    nested: dict[str, Any] = {"text": "EQL"}
    for _ in range(50):
        nested = {"attachments": [nested]}
    assert message_text(nested) == ""
    assert message_text("not a message") == ""


def test_the_shortcut_is_registered_by_its_callback_id(service: GlossaryService) -> None:
    assert list(shortcuts.listeners(service)) == ["explain_message_terms"]
