"""Buttons, the Home tab's controls and the term modal, called as pure listeners.

Pinned down: a term button replaces a private card in place and answers a public one with a
new private card; "Share" is one durable respond job (in_channel, then "Shared ✓", a truthful
message on failure) deduplicated per click target; Home clicks re-publish the tab with the
next state in private_metadata; "Open" opens the modal with the click's trigger_id and related
terms update it in place; the modal's Share acks with a field error or closes and posts
durably, whatever its private_metadata holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.service import GlossaryService
from bot.slack.dispatch import Listener
from bot.slack.home_state import HomeState
from bot.slack.listeners import actions, ignore
from bot.slack.render.cards import shared_message, term_message
from bot.slack.render.home import home_view, term_modal
from bot.slack.work import NOTHING, Outcome
from bot.store import MemoryStore
from bot.store.base import NewJob
from bot.terms import Glossary, Term
from tests.standin import requests
from tests.standin.ids import CHANNEL_ID, USER_ID

from .conftest import EQL, EQL_TITLE, MQL, WORKSPACE, call, card_of, typed_search

URL = "https://hooks.slack.com/actions/T0TEST/1/abc"
GONE = "That term is no longer in the glossary."
SHARE_FAILED = f"I couldn't share “{EQL_TITLE}”: Slack said `{{error}}`. {{advice}}"
"""Filled in by the Performer once Slack's refusal is known (see test_perform)."""


def reply(body: dict[str, Any]) -> NewJob:
    """A private answer to a click, sent to its response_url with the workspace's token."""
    return NewJob("respond", {"url": URL, "body": body}, workspace=WORKSPACE)


def route(service: GlossaryService, action_id: str) -> Listener:
    """The one listener Bolt would call for ``action_id`` (keys are strings or patterns)."""
    matching = [
        listener
        for key, listener in actions.listeners(service).items()
        if key == action_id or (isinstance(key, re.Pattern) and key.search(action_id))
    ]
    assert len(matching) == 1, action_id
    return matching[0]


def click(service: GlossaryService, body: dict[str, Any]) -> Outcome:
    return call(route(service, body["actions"][0]["action_id"]), body)


# --- term buttons and Share -------------------------------------------------------------------


@pytest.mark.parametrize(("is_ephemeral", "replace"), [(True, True), (False, False)])
def test_a_term_button_answers_privately(
    service: GlossaryService, is_ephemeral: bool, replace: bool
) -> None:
    body = requests.block_actions_message(
        "define_term_1", MQL, is_ephemeral=is_ephemeral, response_url=URL
    )
    card = term_message(card_of(service, MQL))
    body_sent = {
        "text": card.text,
        "blocks": card.blocks,
        "response_type": "ephemeral",
        "replace_original": replace,
    }
    assert click(service, body) == Outcome(tasks=(reply(body_sent),))
    assert card.text.startswith("Marketing Qualified Lead (MQL): Marketing Qualified Leads")


def test_a_button_for_a_removed_term_says_so_without_replacing(service: GlossaryService) -> None:
    body = requests.block_actions_message(
        "define_term_0", "Retired term", is_ephemeral=True, response_url=URL
    )
    gone = {"text": GONE, "blocks": [], "response_type": "ephemeral", "replace_original": False}
    assert click(service, body) == Outcome(tasks=(reply(gone),))


def test_share_is_one_durable_job_that_tells_the_truth(service: GlossaryService) -> None:
    body = requests.block_actions_message(
        "share_term", EQL, is_ephemeral=True, response_url=URL, message_ts="1700000000.000300"
    )
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
        f"share:{USER_ID}:{CHANNEL_ID}:1700000000.000300:{EQL}",
        WORKSPACE,
    )
    assert click(service, body) == Outcome(jobs=(expected,))
    context = shared.blocks[-1]["elements"][0]["text"]
    assert context == f"Shared by <@{USER_ID}> with /define"


def test_a_double_click_on_share_is_one_key(service: GlossaryService) -> None:
    first, again = (
        click(service, requests.block_actions_message("share_term", EQL, message_ts="1.5"))
        for _ in range(2)
    )
    assert first.jobs[0].dedupe_key == again.jobs[0].dedupe_key


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


# --- the Home tab -----------------------------------------------------------------------------


def home_click(action_id: str, value: str, state: HomeState) -> dict[str, Any]:
    if action_id == "home_search":
        return typed_search(value, state.dump())
    return requests.block_actions_home(action_id, value, private_metadata=state.dump())


@pytest.mark.parametrize(
    ("action_id", "value", "before", "after"),
    [
        ("home_category_2", "Pricing models", HomeState(), HomeState("category", "Pricing models")),
        ("home_category_0", "Renamed", HomeState(), HomeState()),
        ("home_letter_P", "P", HomeState("category", "Pricing models"), HomeState("letter", "P")),
        ("home_page_next", "1", HomeState("letter", "P"), HomeState("letter", "P", 1)),
        ("home_page_prev", "0", HomeState("letter", "P", 1), HomeState("letter", "P", 0)),
        ("home_page_next", "x", HomeState("letter", "P", 1), HomeState("letter", "P", 1)),
        ("home_page_next", "9", HomeState("letter", "P"), HomeState("letter", "P", 1)),
        ("home_search", "  eql  ", HomeState("letter", "P"), HomeState("search", "eql")),
        ("home_search", "   ", HomeState("search", "eql"), HomeState()),
        ("home_search", "y" * 300, HomeState(), HomeState("search", "y" * 100)),
    ],
    ids=[
        "category",
        "category-gone",
        "letter",
        "next",
        "previous",
        "odd-page",
        "past-the-end",
        "search",
        "search-cleared",
        "search-clipped",
    ],
)
def test_home_clicks_publish_the_next_state(
    service: GlossaryService, action_id: str, value: str, before: HomeState, after: HomeState
) -> None:
    outcome = click(service, home_click(action_id, value, before))
    (task,) = outcome.tasks
    assert (outcome.ack, outcome.jobs, task.kind, task.payload["method"], task.workspace) == (
        {},
        (),
        "view",
        "views.publish",
        WORKSPACE,
    )
    args = task.payload["args"]
    assert (args["user_id"], args["view"]["private_metadata"]) == (USER_ID, after.dump())


def test_open_opens_the_modal_with_the_clicks_trigger(service: GlossaryService) -> None:
    body = requests.block_actions_home("home_open_3", "Channel partner", trigger_id="1.2.abc")
    view = term_modal(card_of(service, "Channel partner"))
    expected = NewJob(
        "view",
        {"method": "views.open", "args": {"trigger_id": "1.2.abc", "view": view}},
        workspace=WORKSPACE,
    )
    assert click(service, body) == Outcome(tasks=(expected,))
    assert json.loads(view["private_metadata"]) == {"term": "Channel partner"}


def test_open_on_a_removed_term_does_nothing(service: GlossaryService) -> None:
    assert click(service, requests.block_actions_home("home_open_3", "Retired term")) == NOTHING


def test_a_related_term_in_the_modal_updates_it_in_place(service: GlossaryService) -> None:
    body = requests.block_actions_view(
        "modal_term_1", MQL, view_type="modal", view_id="V0MODAL", callback_id="term_modal"
    )
    view = term_modal(card_of(service, MQL))
    expected = NewJob(
        "view",
        {"method": "views.update", "args": {"view_id": "V0MODAL", "view": view}},
        workspace=WORKSPACE,
    )
    assert click(service, body) == Outcome(tasks=(expected,))


def rendered_action_ids(blocks: list[dict[str, Any]]) -> set[str]:
    """The action_id of every control Slack will send back a click for."""
    found = set()
    for block in blocks:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        accessory = block.get("accessory") if block["type"] == "section" else None
        dispatching = block["element"] if block.get("dispatch_action") else None
        found |= {e["action_id"] for e in [*elements, accessory, dispatching] if e}
    return found


def test_every_control_the_bot_renders_has_exactly_one_listener(service: GlossaryService) -> None:
    service.record(WORKSPACE, "MQL", MQL)  # so the Home tab has a "most looked up" row
    second_page = HomeState("all", "", 1)
    home = home_view(service.home_page(WORKSPACE, "all", "", 1), second_page)
    card = card_of(service, EQL)
    ids = (
        rendered_action_ids(home["blocks"])
        | rendered_action_ids(term_message(card).blocks)
        | rendered_action_ids(term_modal(card)["blocks"])
    )
    assert {re.sub(r"_\d+$|_[A-Z]$|_(prev|next)$", "_*", i) for i in ids} == {
        "define_term_*",
        "share_term",
        "home_search",
        "home_category_*",
        "home_letter_*",
        "home_page_*",
        "home_open_*",
        "modal_term_*",
    }
    for action_id in ids:
        route(service, action_id)
    assert list(actions.views(service)) == ["term_modal"]


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


def test_clicks_on_old_controls_are_acked_and_ignored() -> None:
    assert call(ignore, requests.block_actions_message("retired_button", "x")) == NOTHING
