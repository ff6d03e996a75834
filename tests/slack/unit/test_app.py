"""bot.slack.app: the Bolt app wired to the listeners, the bot's identity, Bolt's log filter.

Pinned down, through Bolt's real ``dispatch`` (Socket Mode shape, so no signature step): a
signed /define is acked with its private card and its lookup counted after the ack; a message
with a term stores one explain job before the ack; events no listener handles, clicks on old
controls and ``app_rate_limited`` are acked 200; a body Bolt cannot route is a 400. The
identity answers Bolt's ``authorize`` without Slack, and remembers a rejected token.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack.app import BotIdentity, Identity, _BoltLogFilter, build_app
from bot.slack.dispatch import Dispatcher
from bot.slack.perform import Performer
from bot.store import MemoryStore
from tests.standin import requests
from tests.standin.ids import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID

from .conftest import EQL, EQL_TITLE

KNOWN = BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)


@pytest.fixture
def app(service: GlossaryService, store: MemoryStore) -> App:
    # The Web API is never reached: /define answers in its ack, and the explain job stays queued.
    performer = Performer(service, WebClient(base_url="http://127.0.0.1:9/api/"))
    dispatcher = Dispatcher(store, performer, None)
    return build_app(service, dispatcher, Identity(KNOWN), base_url="http://127.0.0.1:9/api/")


def dispatch(app: App, body: Any) -> tuple[int, str]:
    response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    return response.status, response.body


def test_define_is_answered_in_its_ack_and_counted(app: App, store: MemoryStore) -> None:
    status, body = dispatch(app, requests.slash_command("eql"))
    reply = json.loads(body)
    assert (status, reply["response_type"]) == (200, "ephemeral")
    assert reply["text"].startswith(f"{EQL_TITLE}: ")
    assert store.top_terms(5) == [(EQL, 1)]


def test_a_message_with_a_term_is_stored_before_the_ack(app: App, store: MemoryStore) -> None:
    status, _ = dispatch(app, requests.message("our EQL pipeline", event_id="Ev0APP"))
    (job,) = store.claim_jobs(10, 1e10, 30, 5)
    assert (status, job.kind, job.payload["terms"]) == (200, "explain", [EQL])


@pytest.mark.parametrize(
    "body",
    [
        requests.event_callback({"type": "tokens_revoked", "tokens": {"bot": [BOT_USER_ID]}}),
        requests.event_callback({"type": "app_uninstalled"}),
        requests.block_actions_message("retired_button", "x"),
        requests.message_action("retired_shortcut"),
        requests.view_submission("retired_modal"),
        requests.slash_command("x", command="/retired"),
        {
            "type": "app_rate_limited",
            "team_id": TEAM_ID,
            "minute_rate_limited": 1518467820,
            "api_app_id": APP_ID,
        },
    ],
    ids=[
        "tokens_revoked",
        "app_uninstalled",
        "old-button",
        "old-shortcut",
        "old-view",
        "old-command",
        "app_rate_limited",
    ],
)
def test_requests_no_listener_wants_are_acked(app: App, body: dict[str, Any]) -> None:
    assert dispatch(app, body)[0] == 200


def test_a_body_bolt_cannot_route_is_a_400(app: App) -> None:
    body = {**requests.block_actions_message("define_term_0", EQL), "actions": [{"x": 1}]}
    assert dispatch(app, body)[0] == 400


def test_the_identity_answers_authorize_without_slack() -> None:
    result = Identity(KNOWN).authorizer()(enterprise_id=None, team_id=None)
    assert (result.team_id, result.bot_user_id, result.bot_id) == (TEAM_ID, BOT_USER_ID, BOT_ID)
    unknown = Identity().authorizer()(enterprise_id="E1", team_id="T1")
    assert (unknown.enterprise_id, unknown.team_id, unknown.bot_user_id) == ("E1", "T1", None)


def test_a_rejected_token_is_remembered_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="bot.slack.app")
    identity = Identity(KNOWN)
    for error in ("not_in_channel", "token_revoked", "invalid_auth"):
        identity.token_error(error)
    assert identity.rejected == "token_revoked"
    assert [r.getMessage() for r in caplog.records] == [
        "Slack rejected the bot token (token_revoked); readiness now fails"
    ]


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("slack_bolt.X", logging.INFO, __file__, 1, message, None, None)


def test_the_unused_token_warning_is_dropped_and_others_kept() -> None:
    unused = "As you gave `client` as well, `token` will be unused."
    assert _BoltLogFilter().filter(record(unused)) is False
    assert _BoltLogFilter().filter(record("Unhandled request")) is True
