"""Sharing a term: the card's Share button and the term modal's Share, as pure listeners.

Pinned down: "Share" on a card is one durable respond job (in_channel, then "Shared ✓", a
truthful message on failure) keyed per click target and per ``SHARE_WINDOW_S`` window of the
click's ``action_ts``: a double click or a replayed request shares once, while a share Slack
refused can be clicked again later and goes out; an odd ``action_ts`` is the window "". The
modal's Share acks with a field error or closes and posts durably, whatever its
private_metadata holds. Confirmations escape the term's title.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.service import GlossaryService
from bot.slack.listeners import actions
from bot.slack.render.cards import shared_message
from bot.slack.work import Outcome
from bot.store import MemoryStore
from bot.store.base import NewJob
from bot.terms import Glossary, Term
from tests.standin import requests
from tests.standin.ids import CHANNEL_ID, USER_ID

from .clicks import GONE, SHARE_FAILED, URL, click, reply
from .conftest import EQL, EQL_TITLE, T0, WORKSPACE, call, card_of

SOURCE = "1700000000.000300"
"""The ``message_ts`` of the card whose Share button is clicked."""
KEY = f"share:{USER_ID}:{CHANNEL_ID}:{SOURCE}:{EQL}:"
"""A share's dedupe key, up to its click window."""


def share_click(action_ts: object, **options: Any) -> dict[str, Any]:
    """A click on the Share button of the EQL card at ``SOURCE``; ``...`` leaves out
    ``action_ts``, anything else is sent as is."""
    pressed = requests.action("share_term", EQL)
    del pressed["action_ts"]
    if action_ts is not ...:
        pressed["action_ts"] = action_ts
    return requests.block_actions_message(
        response_url=URL, message_ts=SOURCE, actions=[pressed], **options
    )


def test_share_is_one_durable_job_that_tells_the_truth(service: GlossaryService) -> None:
    body = share_click("1700000003.000100", is_ephemeral=True)
    shared = shared_message(card_of(service, EQL), USER_ID)
    expected = NewJob(
        "respond",
        {
            "url": URL,
            "body": {
                "text": shared.text,
                "blocks": shared.blocks,
                "response_type": "in_channel",
                "replace_original": False,
            },
            "then": {"text": f"Shared “{EQL_TITLE}” with the channel.", "replace_original": True},
            "on_failure": {"channel": CHANNEL_ID, "user": USER_ID, "text": SHARE_FAILED},
        },
        f"{KEY}170000000",
        WORKSPACE,
    )
    assert click(service, body) == Outcome(jobs=(expected,))
    context = shared.blocks[-1]["elements"][0]["text"]
    assert context == f"Shared by <@{USER_ID}> with /define"


@pytest.mark.parametrize(
    ("action_ts", "window"),
    [
        ("1700000000.000000", "170000000"),
        ("1700000009.999999", "170000000"),
        ("1700000010.000000", "170000001"),
        (1700000031.5, "170000003"),
        (..., ""),
        ("", ""),
        ("abc", ""),
        ("nan", ""),
        ("inf", ""),
        ("-inf", ""),
        ("1e400", ""),
        (None, ""),
        ({"ts": "1"}, ""),
    ],
    ids=[
        "window-start",
        "window-end",
        "next-window",
        "a-number",
        "absent",
        "empty",
        "abc",
        "nan",
        "inf",
        "minus-inf",
        "overflowing",
        "null",
        "object",
    ],
)
def test_a_share_is_keyed_by_its_ten_second_click_window(
    service: GlossaryService, action_ts: object, window: str
) -> None:
    assert actions.SHARE_WINDOW_S == 10
    (job,) = click(service, share_click(action_ts)).jobs
    assert job.dedupe_key == f"{KEY}{window}"


def test_a_double_click_shares_once_and_a_refused_share_can_be_tried_again(
    service: GlossaryService, store: MemoryStore
) -> None:
    """Through the store's dedupe: a failed job keeps its key, a later click has its own."""

    def enqueue(action_ts: str) -> int:
        return store.enqueue(click(service, share_click(action_ts)).jobs, T0)

    assert [enqueue("1700000001.100000"), enqueue("1700000001.400000")] == [1, 0]
    (job,) = store.claim_jobs(10, T0, 30, 5)
    assert store.fail_job(job, "not_in_channel", T0) is True
    assert enqueue("1700000001.900000") == 0  # the same click, replayed: still once
    assert enqueue("1700000042.000000") == 1  # invited the bot, clicked again: it goes out
    (again,) = store.claim_jobs(10, T0, 30, 5)
    assert (again.kind, again.id != job.id, again.payload == job.payload) == ("respond", True, True)


def test_sharing_a_removed_term_says_so(service: GlossaryService) -> None:
    body = requests.block_actions_message("share_term", "Retired term", response_url=URL)
    gone = {"text": GONE, "blocks": [], "response_type": "ephemeral", "replace_original": False}
    assert click(service, body) == Outcome(tasks=(reply(gone),))


def test_share_confirmations_escape_the_term_title() -> None:
    odd = Term("Q&A <b> fund", "Odd", "A fund.")
    service = GlossaryService(Glossary([odd]), MemoryStore())
    expected_title = "“Q&amp;A &lt;b&gt; fund”"
    shared = click(service, requests.block_actions_message("share_term", odd.term)).jobs[0]
    assert shared.payload["then"]["text"] == f"Shared {expected_title} with the channel."
    assert expected_title in shared.payload["on_failure"]["text"]
    posted = submit(service, submission(CHANNEL_ID, json.dumps({"term": odd.term}))).jobs[0]
    assert expected_title in posted.payload["tell_on_failure"]["text"]


# --- Share from the modal ---------------------------------------------------------------------


def submission(channel: str | None, metadata: str = json.dumps({"term": EQL})) -> dict[str, Any]:
    selected = {"type": "conversations_select", "selected_conversation": channel}
    return requests.view_submission(
        "term_modal",
        {"share_channel": {"channel": selected}},
        private_metadata=metadata,
        view_id="V0MODAL",
    )


def submit(service: GlossaryService, body: dict[str, Any]) -> Outcome:
    return call(actions.views(service)["term_modal"], body)


def test_sharing_from_the_modal_closes_it_and_posts_durably(service: GlossaryService) -> None:
    shared = shared_message(card_of(service, EQL), USER_ID)
    expected = NewJob(
        "post",
        {
            "channel": CHANNEL_ID,
            "text": shared.text,
            "blocks": shared.blocks,
            "tell_on_failure": {"user": USER_ID, "text": SHARE_FAILED},
        },
        f"share:V0MODAL:{CHANNEL_ID}:{EQL}",
        WORKSPACE,
    )
    assert submit(service, submission(CHANNEL_ID)) == Outcome(jobs=(expected,))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (submission(None), "Pick a channel."),
        (submission(CHANNEL_ID, "{broken"), GONE),
        (submission(CHANNEL_ID, "{}"), GONE),
        (submission(CHANNEL_ID, "[]"), GONE),
        (submission(CHANNEL_ID, json.dumps([{"term": EQL}])), GONE),
        (submission(CHANNEL_ID, "7"), GONE),
        (submission(CHANNEL_ID, json.dumps({"term": 7})), GONE),
        (submission(CHANNEL_ID, json.dumps({"term": "Retired term"})), GONE),
        (submission(CHANNEL_ID, "[" * 100_000), GONE),
    ],
    ids=[
        "no-channel",
        "not-json",
        "no-term",
        "list",
        "list-of-dicts",
        "number",
        "term-not-a-string",
        "removed-term",
        "deeply-nested",
    ],
)
def test_an_incomplete_submission_says_what_is_missing(
    service: GlossaryService, body: dict[str, Any], reason: str
) -> None:
    errors = {"response_action": "errors", "errors": {"share_channel": reason}}
    assert submit(service, body) == Outcome(ack=errors)


@pytest.mark.parametrize("metadata", [None, 7, {"term": EQL}], ids=["null", "number", "object"])
def test_metadata_that_is_not_even_a_string_is_no_term(
    service: GlossaryService, metadata: object
) -> None:
    body = submission(CHANNEL_ID)
    body["view"]["private_metadata"] = metadata
    errors = {"response_action": "errors", "errors": {"share_channel": GONE}}
    assert submit(service, body) == Outcome(ack=errors)
