"""Property: a signed but odd interactivity payload gets an ack or a polite answer, never a crash.

Slack's shapes vary (a button from a message, a modal or App Home; ``state.values`` with
selects, text inputs, checkboxes, missing or null values) and a view's ``private_metadata`` may
not be what the bot wrote (truncated, forged, not JSON). Real payloads from the stand-in's
builders have their parts replaced by arbitrary JSON; every governance and partner listener
must return an ``Outcome`` (through ``conftest.call``: Block Kit limits, JSON round trip), a
modal's problems go back into the modal, and the work it decided on runs without a bug. Bodies
the guard middleware refuses (400) never reach a listener, so they are left out here.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.request import BoltRequest
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack.app import BotIdentity, Identity, build_app
from bot.slack.dispatch import Dispatcher, Listener
from bot.slack.failures import Failed, Retry
from bot.slack.listeners import actions, commands
from bot.slack.listeners.guard import problem
from bot.slack.perform import Performer
from bot.store import MemoryStore, StoreError
from tests.standin import requests
from tests.standin.ids import BOT_ID, BOT_USER_ID, TEAM_ID

from .conftest import call

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
TEXT = st.text(max_size=60) | st.sampled_from(["<!channel>", "&lt;b&gt;", "*x*", "1", "C0X", "-1"])
METADATA = st.one_of(
    TEXT,
    st.builds(json.dumps, JSON),
    st.builds(
        lambda i, c, t: json.dumps({"id": i, "channel": c, "term": t}),
        JSON | TEXT | st.integers(),
        JSON | TEXT,
        JSON | TEXT,
    ),
    st.builds(lambda i: json.dumps({"id": i})[:-1], st.integers(0, 99)),  # truncated
)
ELEMENT = st.one_of(
    st.builds(lambda v: {"type": "plain_text_input", "value": v}, TEXT | st.none()),
    st.builds(lambda v: {"type": "number_input", "value": v}, TEXT | st.none()),
    st.builds(
        lambda v: {"type": "static_select", "selected_option": v},
        st.none() | st.builds(lambda x: {"value": x}, TEXT | JSON),
    ),
    st.builds(
        lambda v: {"type": "checkboxes", "selected_options": v},
        st.lists(st.builds(lambda x: {"value": x}, TEXT)) | JSON,
    ),
    st.builds(lambda v: {"type": "radio_buttons", "selected_option": v}, JSON),
    st.builds(lambda v: {"type": "conversations_select", "selected_conversation": v}, TEXT),
    JSON,
)
BLOCKS = ["s_term", "s_acronym", "s_definition", "s_category", "s_why", "share_channel"]
BLOCKS += ["c_explain", "c_pause_days", "c_cooldown_hours", "c_max_terms", "c_partner_view"]
ACTION_IDS = [
    "define_term_0",
    "share_term",
    "home_search",
    "home_category_1",
    "home_page_next",
    "home_open_0",
    "modal_term_0",
    "suggest_term",
    "home_suggest",
    "suggestion_approve",
    "suggestion_edit",
    "suggestion_reject",
    "home_opt_out",
]
CALLBACKS = ["suggest_term", "suggest_edit", "channel_settings", "term_modal"]


@st.composite
def state_values(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(JSON)
    blocks = draw(st.lists(st.sampled_from(BLOCKS), unique=True))
    return {
        block: {draw(st.sampled_from(["value", "channel", "x"])): draw(ELEMENT)} for block in blocks
    }


@st.composite
def submissions(draw: st.DrawFn) -> dict[str, Any]:
    body = requests.view_submission(
        draw(st.sampled_from(CALLBACKS)),
        {},
        private_metadata="",
        view_id=draw(st.sampled_from(["V0ODD", ""])),
        user=draw(st.sampled_from(["U0MAINT", "U0NOBODY", ""])),
    )
    body["view"]["state"]["values"] = draw(state_values())
    body["view"]["private_metadata"] = draw(METADATA | JSON)
    if draw(st.booleans()):
        body["view"]["state"] = draw(JSON)
    return body


@st.composite
def clicks(draw: st.DrawFn) -> dict[str, Any]:
    action_id = draw(st.sampled_from(ACTION_IDS))
    value = draw(TEXT)
    where = draw(st.sampled_from(["message", "ephemeral", "modal", "home"]))
    if where in ("message", "ephemeral"):
        channel = draw(st.sampled_from(["C0SHARED", "D0DM", "", "G0X"]))
        body = requests.block_actions_message(
            action_id, value, channel=channel, is_ephemeral=where == "ephemeral",
            response_url=draw(st.sampled_from(["", requests.UNSET_RESPONSE_URL])),
        )  # fmt: skip
    else:
        body = requests.block_actions_view(
            action_id, value, view_type=where, private_metadata=draw(METADATA)
        )
    act = body["actions"][0]
    for key in draw(st.lists(st.sampled_from(["value", "selected_option", "selected_options"]))):
        act[key] = draw(JSON)
    return body


def route(service: GlossaryService, body: dict[str, Any]) -> Listener:
    if body["type"] == "view_submission":
        return actions.views(service)[body["view"]["callback_id"]]
    action_id = body["actions"][0]["action_id"]
    (listener,) = [
        found
        for key, found in actions.listeners(service).items()
        if key == action_id or (isinstance(key, re.Pattern) and key.search(action_id))
    ]
    return listener


def perform_all(performer: Performer, body: dict[str, Any]) -> dict[str, Any]:
    """Run the listener and the work it decided on; returns the ack."""
    outcome = call(route(performer.service, body), body)
    for job in (*outcome.jobs, *outcome.tasks):
        with contextlib.suppress(Failed, Retry, StoreError):  # Slack or the store said no
            performer.perform(job.kind, job.payload, job.workspace)
    return outcome.ack


@pytest.fixture(autouse=True)
def configured(service: GlossaryService) -> None:
    service.governance.configure(
        maintainers=frozenset({"U0MAINT"}), suggestions_channel="C0REVIEW", governance_team=None
    )


ODD = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@ODD
@given(submissions())
def test_an_odd_view_submission_is_answered_in_the_modal_or_closes_it(
    performer: Performer, body: dict[str, Any]
) -> None:
    if problem(body) is not None:
        return
    ack = perform_all(performer, body)
    assert ack == {} or (ack["response_action"] == "errors" and ack["errors"]), ack
    for text in ack.get("errors", {}).values():
        assert isinstance(text, str) and 0 < len(text) <= 500


@ODD
@given(clicks())
def test_an_odd_click_from_a_message_a_modal_or_app_home_is_handled(
    performer: Performer, body: dict[str, Any]
) -> None:
    if problem(body) is not None:
        return
    assert perform_all(performer, body) == {}


@ODD
@given(st.sampled_from(["suggest", "SUGGEST", "settings", "suggest   "]), TEXT)
def test_define_suggest_and_settings_with_odd_text(
    service: GlossaryService, head: str, rest: str
) -> None:
    body = requests.slash_command(f"{head} {rest}", channel="C0SETTINGS")
    outcome = call(commands.define(service), body)
    assert outcome.jobs == ()
    (task,) = outcome.tasks
    assert task.kind in ("view", "settings_form")


@pytest.mark.parametrize(
    "metadata",
    ["", "not json", '{"id": 1', '{"id": "1; drop"}', '{"id": -1}', '{"id": null}', "[1]"],
)
def test_an_edit_whose_metadata_is_not_ours_says_so_in_the_modal(
    service: GlossaryService, metadata: str
) -> None:
    values = {"s_term": {"value": {"type": "plain_text_input", "value": "Zorb"}}}
    body = requests.view_submission(
        "suggest_edit", values, view_id="V0EDIT", private_metadata=metadata
    )
    assert call(actions.views(service)["suggest_edit"], body).ack == {
        "response_action": "errors",
        "errors": {
            "s_term": "This form lost its suggestion. Please click Edit on the suggestion again."
        },
    }


def nulled(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """``body`` with the value at ``path`` set to null (as Slack sends an empty field)."""
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = None
    return body


def submission(callback: str) -> dict[str, Any]:
    return requests.view_submission(callback, {}, view_id="V0NULL")


@pytest.mark.parametrize(
    "body",
    [
        nulled(submission("suggest_term"), "view", "state"),
        nulled(submission("suggest_edit"), "view", "state", "values"),
        nulled(submission("channel_settings"), "view", "private_metadata"),
        nulled(submission("term_modal"), "view", "id"),
        nulled(requests.block_actions_message("suggestion_approve", "1"), "actions", 0, "value"),
        nulled(requests.block_actions_message("define_term_0", "EQL"), "container"),
        nulled(requests.block_actions_home("home_opt_out"), "view"),
        nulled(requests.message_action("explain_message_terms"), "message"),
    ],
    ids=[
        "state-null",
        "values-null",
        "metadata-null",
        "view-id-null",
        "button-value-null",
        "container-null",
        "home-view-null",
        "shortcut-message-null",
    ],
)
def test_null_fields_through_bolt_are_acked_not_crashed(
    service: GlossaryService,
    store: MemoryStore,
    body: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through Bolt's own routing and our guard: a 200 (or the guard's 400), no traceback."""
    client = WebClient(base_url="http://127.0.0.1:9/api/")
    dispatcher = Dispatcher(store, Performer(service, lambda workspace: client), None)
    auth = {"authorize": Identity(BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)).authorizer()}
    app = build_app(service, dispatcher, auth, base_url="http://127.0.0.1:9/api/")
    response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status in (200, 400)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
