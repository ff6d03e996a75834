"""Buttons, the Home tab's controls and the modal, called directly with real payloads.

Pinned down: where a click's answer goes — a private card is replaced in place, a public one
gets a new private reply, "Share" posts for everyone and then confirms privately, Home clicks
re-publish the tab with the next state in private_metadata, "Open" opens the modal with the
click's trigger_id, related terms in the modal update it in place — and how sharing from the
modal acks: no arguments on success, a field error on the channel picker otherwise.
"""

from __future__ import annotations

import json
import re
from typing import Any
from unittest.mock import Mock, call

import pytest

from bot.service import GlossaryService
from bot.slack.listeners import actions
from bot.slack.render.home import HomeState
from bot.slack.send import Sender
from tests.standin import requests
from tests.standin.ids import CHANNEL_ID, USER_ID

from .conftest import slack_error, typed_search

EQL, MQL = "Ecosystem Qualified Lead", "Marketing Qualified Lead"
PICK_A_CHANNEL = {"share_channel": "Pick a channel."}
NOT_POSTED = {
    "share_channel": (
        "I couldn't post there. Invite me to that channel (/invite @glossary) and retry."
    )
}


@pytest.fixture
def handlers(service: GlossaryService, sender: Sender) -> dict[Any, Any]:
    return actions.make_handlers(service, sender)


def route(handlers: dict[Any, Any], action_id: str) -> Any:
    """The one handler Bolt would call for ``action_id`` (keys are strings or patterns)."""
    matching = [
        handler
        for key, handler in handlers.items()
        if key == action_id or (isinstance(key, re.Pattern) and key.search(action_id))
    ]
    assert len(matching) == 1, action_id
    return matching[0]


@pytest.mark.parametrize(("is_ephemeral", "replace"), [(True, True), (False, False)])
def test_a_related_term_click_answers_privately(
    handlers: dict[Any, Any], ack: Mock, respond: Mock, is_ephemeral: bool, replace: bool
) -> None:
    body = requests.block_actions_message("define_term_1", MQL, is_ephemeral=is_ephemeral)
    route(handlers, "define_term_1")(ack=ack, body=body, respond=respond)
    assert ack.call_args_list == [call()]
    respond.assert_called_once()
    kwargs = respond.call_args.kwargs
    assert (kwargs["response_type"], kwargs["replace_original"]) == ("ephemeral", replace)
    assert kwargs["text"].startswith("Marketing Qualified Lead (MQL): Marketing Qualified Leads")
    assert kwargs["blocks"][0]["text"]["text"] == "Marketing Qualified Lead (MQL)"


def test_a_click_on_a_removed_term_says_so(
    handlers: dict[Any, Any], ack: Mock, respond: Mock
) -> None:
    body = requests.block_actions_message("define_term_0", "Retired term", is_ephemeral=True)
    route(handlers, "define_term_0")(ack=ack, body=body, respond=respond)
    assert respond.call_args_list == [
        call(text="That term is no longer in the glossary.", replace_original=False)
    ]


def test_share_posts_for_everyone_then_confirms(
    handlers: dict[Any, Any], ack: Mock, respond: Mock
) -> None:
    body = requests.block_actions_message("share_term", EQL, is_ephemeral=True)
    route(handlers, "share_term")(ack=ack, body=body, respond=respond)
    assert ack.call_args_list == [call()]
    shared, confirmation = respond.call_args_list
    assert (shared.kwargs["response_type"], shared.kwargs["replace_original"]) == (
        "in_channel",
        False,
    )
    context = shared.kwargs["blocks"][-1]["elements"][0]["text"]
    assert context == f"Shared by <@{USER_ID}> with /define"
    assert confirmation == call(
        text="Shared “Ecosystem Qualified Lead (EQL)” with the channel.", replace_original=True
    )


def home_click(action_id: str, value: str, state: HomeState, **kw: Any) -> dict[str, Any]:
    if action_id == "home_search":
        return typed_search(value, state.dump())
    return requests.block_actions_home(action_id, value, private_metadata=state.dump(), **kw)


@pytest.mark.parametrize(
    ("action_id", "value", "before", "after"),
    [
        ("home_category_2", "Pricing models", HomeState(), HomeState("category", "Pricing models")),
        ("home_letter_P", "P", HomeState("category", "Pricing models"), HomeState("letter", "P")),
        ("home_page_next", "1", HomeState("letter", "P"), HomeState("letter", "P", 1)),
        ("home_page_prev", "0", HomeState("letter", "P", 1), HomeState("letter", "P", 0)),
        ("home_page_next", "x", HomeState("letter", "P", 1), HomeState("letter", "P", 1)),
        ("home_search", "  eql  ", HomeState("letter", "P"), HomeState("search", "eql")),
        ("home_search", "   ", HomeState("search", "eql"), HomeState()),
        ("home_search", "y" * 300, HomeState(), HomeState("search", "y" * 100)),
    ],
)
def test_home_clicks_publish_the_next_state(
    handlers: dict[Any, Any],
    ack: Mock,
    client: Mock,
    action_id: str,
    value: str,
    before: HomeState,
    after: HomeState,
) -> None:
    body = home_click(action_id, value, before)
    assert actions.next_home_state(body) == after
    route(handlers, action_id)(ack=ack, body=body, client=client)
    assert ack.call_args_list == [call()]
    client.views_publish.assert_called_once()
    kwargs = client.views_publish.call_args.kwargs
    assert kwargs["user_id"] == USER_ID
    assert HomeState.load(kwargs["view"]["private_metadata"]) == after


def test_open_opens_the_modal_with_the_clicks_trigger(
    handlers: dict[Any, Any], ack: Mock, client: Mock
) -> None:
    body = home_click("home_open_3", "Channel partner", HomeState(), trigger_id="1.2.abc")
    route(handlers, "home_open_3")(ack=ack, body=body, client=client)
    assert ack.call_args_list == [call()]
    client.views_open.assert_called_once()
    kwargs = client.views_open.call_args.kwargs
    assert kwargs["trigger_id"] == "1.2.abc"
    assert json.loads(kwargs["view"]["private_metadata"]) == {"term": "Channel partner"}


def test_a_related_term_in_the_modal_updates_it(
    handlers: dict[Any, Any], ack: Mock, client: Mock
) -> None:
    body = requests.block_actions_view(
        "modal_term_1", MQL, view_type="modal", view_id="V0MODAL", callback_id="term_modal"
    )
    route(handlers, "modal_term_1")(ack=ack, body=body, client=client)
    assert ack.call_args_list == [call()]
    assert [c[0] for c in client.mock_calls] == ["views_update"]
    kwargs = client.views_update.call_args.kwargs
    assert kwargs["view_id"] == "V0MODAL"
    assert json.loads(kwargs["view"]["private_metadata"]) == {"term": MQL}


def submission(channel: str | None, metadata: str = json.dumps({"term": EQL})) -> dict[str, Any]:
    selected = {"type": "conversations_select", "selected_conversation": channel}
    return requests.view_submission(
        "term_modal", {"share_channel": {"channel": selected}}, private_metadata=metadata
    )


def share_from_modal(handlers: dict[Any, Any], ack: Mock, client: Mock, body: Any) -> None:
    handlers[("view", "term_modal")](ack=ack, body=body, view=body["view"], client=client)


def test_sharing_from_the_modal_posts_and_closes_it(
    handlers: dict[Any, Any], ack: Mock, client: Mock
) -> None:
    share_from_modal(handlers, ack, client, submission(CHANNEL_ID))
    assert ack.call_args_list == [call()]
    kwargs = client.chat_postMessage.call_args.kwargs
    assert kwargs["channel"] == CHANNEL_ID
    assert kwargs["blocks"][-1]["elements"][0]["text"] == f"Shared by <@{USER_ID}> with /define"


def test_a_channel_without_the_bot_shows_a_field_error(
    handlers: dict[Any, Any], ack: Mock, client: Mock
) -> None:
    client.chat_postMessage.side_effect = slack_error("not_in_channel")
    share_from_modal(handlers, ack, client, submission(CHANNEL_ID))
    assert ack.call_args_list == [call(response_action="errors", errors=NOT_POSTED)]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (submission(None), "Pick a channel."),
        (submission(CHANNEL_ID, "{broken"), "That term is no longer in the glossary."),
        (submission(CHANNEL_ID, "{}"), "That term is no longer in the glossary."),
    ],
    ids=["no-channel", "bad-metadata", "no-term"],
)
def test_an_incomplete_submission_says_what_is_missing(
    handlers: dict[Any, Any], ack: Mock, client: Mock, body: Any, reason: str
) -> None:
    share_from_modal(handlers, ack, client, body)
    assert ack.call_args_list == [call(response_action="errors", errors={"share_channel": reason})]
    assert client.mock_calls == []


def test_clicks_on_old_controls_are_acked(ack: Mock) -> None:
    actions.ignore_action(ack=ack, body=requests.block_actions_message("retired_button", "x"))
    assert ack.call_args_list == [call()]
