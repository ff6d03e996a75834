"""bot.slack.app: the Bolt app wired to the listeners, the bot's identity, Bolt's log filter.

Pinned down, through Bolt's real ``dispatch`` (Socket Mode shape, so no signature step): a
signed /define is acked with its private card and its lookup counted after the ack; a message
with a term stores one explain job before the ack; events no listener handles, clicks on old
controls and ``app_rate_limited`` are acked 200; a body Bolt cannot route is a 400, while a
listener of ours that raises is acked 200 and logged with its traceback. The identity answers
Bolt's ``authorize`` without Slack, and remembers a rejected token; OAuth mode's
``RequestAuthorize`` only asks whether the workspace is installed, and says yes when the
database cannot answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import App, BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request import BoltRequest
from slack_sdk.web import WebClient

from bot.logs import Throttled
from bot.service import GlossaryService
from bot.slack import app as app_module
from bot.slack import dispatch as dispatch_module
from bot.slack.app import BotIdentity, Identity, RequestAuthorize, _BoltLogFilter, build_app
from bot.slack.dispatch import Dispatcher
from bot.slack.perform import Performer
from bot.store import MemoryStore, StoreError
from bot.store.base import Workspace
from bot.terms import Glossary
from tests.standin import requests
from tests.standin.ids import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID

from .conftest import EQL, EQL_TITLE

KNOWN = BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)


@pytest.fixture
def app(service: GlossaryService, store: MemoryStore) -> App:
    # The Web API is never reached: /define answers in its ack, and the explain job stays queued.
    client = WebClient(base_url="http://127.0.0.1:9/api/")
    performer = Performer(service, lambda workspace: client)
    dispatcher = Dispatcher(store, performer, None)
    auth = {"authorize": Identity(KNOWN).authorizer()}
    return build_app(service, dispatcher, auth, base_url="http://127.0.0.1:9/api/")


def dispatch(app: App, body: Any) -> tuple[int, str]:
    response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    return response.status, response.body


def test_define_is_answered_in_its_ack_and_counted(app: App, store: MemoryStore) -> None:
    status, body = dispatch(app, requests.slash_command("eql"))
    reply = json.loads(body)
    assert (status, reply["response_type"]) == (200, "ephemeral")
    assert reply["text"].startswith(f"{EQL_TITLE}: ")
    assert store.top_terms(Workspace(None, TEAM_ID), 5) == [(EQL, 1)]


def test_a_message_with_a_term_is_stored_before_the_ack(app: App, store: MemoryStore) -> None:
    status, _ = dispatch(app, requests.message("our EQL pipeline", event_id="Ev0APP"))
    (job,) = store.claim_jobs(10, 1e10, 30, 5)
    assert (status, job.kind, job.payload["terms"]) == (200, "explain", [EQL])


@pytest.mark.parametrize(
    "body",
    [
        requests.event_callback({"type": "channel_created"}),
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
        "unhandled-event",
        "old-button",
        "old-shortcut",
        "old-view",
        "old-command",
        "app_rate_limited",
    ],
)
def test_requests_no_listener_wants_are_acked(app: App, body: dict[str, Any]) -> None:
    assert dispatch(app, body)[0] == 200


def test_rate_limits_are_acked_before_authorization(
    service: GlossaryService, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack reports rate limits even for a team that has uninstalled the app."""
    caplog.set_level(logging.WARNING, logger="bot.slack.listeners.guard")

    def nobody(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        return None  # no installation for this team

    dispatcher = Dispatcher(store, Performer(service, lambda workspace: WebClient()), None)
    app = build_app(service, dispatcher, {"authorize": nobody}, base_url="http://127.0.0.1:9/api/")
    limited = {"type": "app_rate_limited", "team_id": "T0GONE", "minute_rate_limited": 1518467820}
    assert dispatch(app, limited) == (200, "")
    assert [r.getMessage() for r in caplog.records] == [
        "Slack rate-limited events for team T0GONE during 2018-02-12 20:37 UTC"
    ]


def test_an_uninstall_stores_one_purge_job_for_the_workspace(app: App, store: MemoryStore) -> None:
    body = requests.event_callback({"type": "app_uninstalled"}, event_id="Ev0GONE")
    assert dispatch(app, body) == (200, "")
    assert dispatch(app, body)[0] == 200  # Slack's retry adds nothing
    (job,) = store.claim_jobs(10, 1e10, 30, 5)
    assert (job.kind, job.payload, job.workspace) == ("purge", {}, Workspace(None, TEAM_ID))


@pytest.mark.parametrize(
    ("event", "workspace"),
    [
        ({"type": "app_uninstalled"}, Workspace("E0ORG", None)),
        ({"type": "message", "text": "our EQL pipeline"}, Workspace("E0ORG", "T0TEAM")),
    ],
    ids=["uninstall", "message"],
)
def test_an_org_wide_install_keeps_state_per_workspace_and_purges_per_organisation(
    app: App, store: MemoryStore, event: dict[str, Any], workspace: Workspace
) -> None:
    """Bolt's context has no team on an org-wide install; the event's own team is used."""
    if event["type"] == "message":
        event = requests.message(event["text"])["event"]
    authorization = {
        "enterprise_id": "E0ORG",
        "team_id": None,
        "user_id": BOT_USER_ID,
        "is_bot": True,
        "is_enterprise_install": True,
    }
    body = requests.event_callback(event, team_id="T0TEAM", authorizations=[authorization])
    assert dispatch(app, {**body, "enterprise_id": "E0ORG"})[0] == 200
    (job,) = store.claim_jobs(10, 1e10, 30, 5)
    assert job.workspace == workspace


def test_a_body_bolt_cannot_route_is_a_400(app: App) -> None:
    body = {**requests.block_actions_message("define_term_0", EQL), "actions": [{"x": 1}]}
    assert dispatch(app, body)[0] == 400


class BrokenService(GlossaryService):
    """A service with a bug: /define raises."""

    def define(self, text: str) -> Any:
        raise RuntimeError("a bug in define")


def test_a_listener_that_raises_is_acked_and_logged_with_its_traceback(
    glossary: Glossary,
    store: MemoryStore,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A non-200 would count toward Slack disabling the app's events; the bug is ours."""
    monkeypatch.setattr(dispatch_module, "throttled", Throttled(dispatch_module.logger))
    caplog.set_level(logging.ERROR, logger="bot.slack.dispatch")
    service = BrokenService(glossary, store)
    dispatcher = Dispatcher(store, Performer(service, lambda workspace: WebClient()), None)
    auth = {"authorize": Identity(KNOWN).authorizer()}
    app = build_app(service, dispatcher, auth, base_url="http://127.0.0.1:9/api/")
    assert dispatch(app, requests.slash_command("eql")) == (200, "")
    assert [
        (r.levelname, r.getMessage(), r.exc_info and repr(r.exc_info[1])) for r in caplog.records
    ] == [("ERROR", "the on_define listener failed", "RuntimeError('a bug in define')")]


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


# --- OAuth mode's authorize -------------------------------------------------------------------


def authorize(installed: Callable[[Workspace], bool]) -> AuthorizeResult | None:
    result = RequestAuthorize(installed)(
        context=BoltContext(), enterprise_id="E0ORG", team_id="T0TEAM", user_id="U0USER"
    )
    assert result is None or isinstance(result, AuthorizeResult)
    return result


def test_request_authorize_refuses_a_workspace_that_is_not_installed() -> None:
    asked: list[Workspace] = []

    def installed(workspace: Workspace) -> bool:
        asked.append(workspace)
        return False

    assert authorize(installed) is None
    assert asked == [Workspace("E0ORG", "T0TEAM")]


def test_request_authorize_accepts_an_installed_workspace_without_a_token() -> None:
    """Listeners need no token: jobs find the installation's when they run."""
    result = authorize(lambda workspace: workspace == Workspace("E0ORG", "T0TEAM"))
    assert result is not None
    assert (result.enterprise_id, result.team_id, result.user_id, result.bot_token) == (
        "E0ORG",
        "T0TEAM",
        "U0USER",
        None,
    )


def test_request_authorize_acks_when_the_database_cannot_say(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "throttled", Throttled(app_module.logger))
    caplog.set_level(logging.WARNING, logger="bot.slack.app")

    def down(workspace: Workspace) -> bool:
        raise StoreError("installations: connection refused")

    result = authorize(down)
    assert result is not None
    assert (result.enterprise_id, result.team_id, result.user_id) == ("E0ORG", "T0TEAM", "U0USER")
    assert [r.getMessage() for r in caplog.records] == [
        "cannot check installations, acking anyway: installations: connection refused"
    ]


@pytest.mark.parametrize(("installed", "queued"), [(False, 0), (True, 1)])
def test_an_uninstalled_workspaces_message_queues_nothing(
    service: GlossaryService, store: MemoryStore, installed: bool, queued: int
) -> None:
    """Through Bolt: "not installed" is Bolt's own 200, and no listener runs."""
    dispatcher = Dispatcher(store, Performer(service, lambda workspace: WebClient()), None)
    auth = {"authorize": RequestAuthorize(lambda workspace: installed)}
    app = build_app(service, dispatcher, auth, base_url="http://127.0.0.1:9/api/")
    status, _ = dispatch(app, requests.message("our EQL pipeline", event_id="Ev0AUTH"))
    assert (status, store.job_stats(1e10).queued) == (200, queued)
