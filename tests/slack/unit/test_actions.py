"""Term buttons, the Home tab's controls and the term modal, called as pure listeners.

Pinned down: a term button replaces a private card in place and answers a public one with a
new private card; Home clicks become one ``home`` task for the clicker with the next state
(the page is clamped, and the view built, by the Performer after the ack: test_perform_tasks);
"Open" opens the modal with the click's trigger_id and related terms update it in place; every
control the bot renders has exactly one listener. Sharing is in test_share.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.governance import HomeExtras
from bot.service import GlossaryService
from bot.slack.home_state import HomeState
from bot.slack.listeners import actions, ignore
from bot.slack.render.cards import term_message
from bot.slack.render.home import home_view, term_modal
from bot.slack.render.suggest import review_message
from bot.slack.work import NOTHING, Outcome
from bot.store.base import NewJob, Suggestion
from tests.standin import requests
from tests.standin.ids import USER_ID

from .clicks import GONE, URL, click, reply, route
from .conftest import EQL, MQL, WORKSPACE, call, card_of, typed_search

# --- term buttons -------------------------------------------------------------------------


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
        ("home_page_next", "9", HomeState("letter", "P"), HomeState("letter", "P", 9)),
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
def test_home_clicks_become_one_home_task_for_the_next_state(
    service: GlossaryService, action_id: str, value: str, before: HomeState, after: HomeState
) -> None:
    """No view and no store read before the ack: "most looked up" comes from the store."""
    state = {"user": USER_ID, "mode": after.mode, "value": after.value, "page": after.page}
    expected = NewJob("home", state, workspace=WORKSPACE)
    assert click(service, home_click(action_id, value, before)) == Outcome(tasks=(expected,))


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
    extras = HomeExtras(opted_out=False)
    home = home_view(service.home_page(WORKSPACE, "all", "", 1), second_page, extras)
    card = card_of(service, EQL)
    waiting = Suggestion(
        7, WORKSPACE, "Zorb", "A zorb.", "Sales and leads", "", "", "U1", "waiting", 0.0
    )
    ids = (
        rendered_action_ids(home["blocks"])
        | rendered_action_ids(term_message(card).blocks)
        | rendered_action_ids(term_modal(card)["blocks"])
        | rendered_action_ids(review_message(waiting).blocks)
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
        "home_suggest",
        "home_opt_out",
        "suggestion_approve",
        "suggestion_edit",
        "suggestion_reject",
    }
    for action_id in ids:
        route(service, action_id)
    callbacks = ["term_modal", "suggest_term", "suggest_edit", "channel_settings"]
    assert list(actions.views(service)) == callbacks


def test_clicks_on_old_controls_are_acked_and_ignored() -> None:
    assert call(ignore, requests.block_actions_message("retired_button", "x")) == NOTHING
