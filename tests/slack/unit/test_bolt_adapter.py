"""bot.slack.bolt_adapter: our listeners inside Bolt, matched as Bolt matches, handed the request.

Pinned down: a direct listener of each kind matches exactly the payloads that Bolt's own
listener of that kind (``App.event(…)``, ``App.command(…)``…) matches (through Bolt's own
calling convention if its matcher asks for more than the body); an event is acked by Bolt
when its listener does not ack (as ``App.event`` registers events), a command is not; and
through Bolt's real ``dispatch`` of the whole app, a message event is matched by the first
listener Bolt tries, and Bolt builds no arguments by name for any matcher, listener or
middleware (the CPU this module saves), with every request still acked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.listener import custom_listener
from slack_bolt.listener_matcher import CustomListenerMatcher, builtins, custom_listener_matcher
from slack_bolt.middleware import custom_middleware
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack import bolt_adapter
from bot.slack.app import BotIdentity, Identity, build_app
from bot.slack.bolt_adapter import Constraint, DirectListener, Kind, add_listener
from bot.slack.dispatch import Dispatcher
from bot.slack.perform import Performer
from bot.store import MemoryStore
from tests.standin import requests
from tests.standin.ids import BOT_ID, BOT_USER_ID, TEAM_ID

BASE_URL = "http://127.0.0.1:9/api/"
KNOWN = BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)
BODIES: dict[str, dict[str, Any]] = {
    "message": requests.message("our EQL pipeline"),
    "mention": requests.app_mention("what is EQL?"),
    "define": dict(requests.slash_command("eql")),
    "retired-command": dict(requests.slash_command("x", command="/retired")),
    "define-click": requests.block_actions_message("define_term_3", "EQL"),
    "share-click": requests.block_actions_message("share_term", "EQL"),
    "modal": requests.view_submission("share_modal"),
    "shortcut": requests.message_action("explain_message_terms"),
}
ACKED_AT_ONCE: dict[str, dict[str, Any]] = {
    "message": BODIES["message"],
    "define": BODIES["define"],
    "channel_created": requests.event_callback({"type": "channel_created"}),
    "old-button": requests.block_actions_message("retired_button", "x"),
    "old-shortcut": requests.message_action("retired_shortcut"),
    "old-view": requests.view_submission("retired_modal"),
    "old-command": BODIES["retired-command"],
}
"""Requests the app answers without calling Slack (only the message stores a job)."""


def bare_app() -> App:
    return App(
        client=WebClient(base_url=BASE_URL),
        authorize=Identity(KNOWN).authorizer(),
        request_verification_enabled=False,
        process_before_response=True,
    )


def request(name: str) -> BoltRequest:
    return BoltRequest(body={**BODIES, **ACKED_AT_ONCE}[name], mode="socket_mode")


@pytest.mark.parametrize(
    ("kind", "constraint", "matched"),
    [
        ("event", "message", ["message"]),
        ("event", re.compile(".*"), ["message", "mention"]),
        ("command", "/define", ["define"]),
        ("action", re.compile("^define_term_"), ["define-click"]),
        ("action", "share_term", ["share-click"]),
        ("view", "share_modal", ["modal"]),
        ("shortcut", "explain_message_terms", ["shortcut"]),
    ],
)
def test_a_direct_listener_matches_what_bolts_own_listener_matches(
    kind: Kind, constraint: Constraint, matched: list[str]
) -> None:
    app = bare_app()
    getattr(app, kind)(constraint)(lambda ack: ack())
    (bolts,) = app._listeners
    direct = DirectListener(kind, constraint, lambda request: None)
    ours = [name for name in BODIES if direct.matches(req=request(name), resp=None)]  # type: ignore[arg-type]
    theirs = [name for name in BODIES if bolts.matches(req=request(name), resp=None)]  # type: ignore[arg-type]
    assert (ours, theirs) == (matched, matched)


def test_a_matcher_asking_for_more_than_the_body_is_called_bolts_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A later Bolt whose built-in matcher wants other arguments still matches right."""

    def message_in_team(constraint: str) -> CustomListenerMatcher:
        def func(body: dict[str, Any], context: BoltContext) -> bool:
            return body.get("event", {}).get("type") == constraint and context.team_id == TEAM_ID

        return CustomListenerMatcher(app_name="test", func=func)

    monkeypatch.setitem(bolt_adapter._MATCHERS, "event", message_in_team)
    direct = DirectListener("event", "message", lambda request: None)
    matched = [name for name in BODIES if direct.matches(req=request(name), resp=None)]  # type: ignore[arg-type]
    assert matched == ["message"]


@pytest.mark.parametrize(
    ("kind", "name", "status"), [("event", "message", 200), ("command", "define", 404)]
)
def test_bolt_acks_an_event_whose_listener_does_not(kind: Kind, name: str, status: int) -> None:
    handed: list[dict[str, Any]] = []
    app = bare_app()
    add_listener(app, kind, re.compile(".*"), lambda request: handed.append(request.body))
    response = app.dispatch(request(name))
    assert (response.status, handed) == (status, [BODIES[name]])


@pytest.fixture
def built_by_name(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The functions Bolt builds arguments by name for, wherever it does so."""
    built: list[str] = []

    def recording(real: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        def build(**kwargs: Any) -> dict[str, Any]:
            built.append(getattr(kwargs.get("this_func"), "__name__", "?"))
            return real(**kwargs)

        return build

    for module in (builtins, custom_listener, custom_listener_matcher, custom_middleware):
        monkeypatch.setattr(
            module, "build_required_kwargs", recording(module.build_required_kwargs)
        )
    yield built


def test_the_app_builds_no_arguments_by_name_and_tries_messages_first(
    service: GlossaryService, store: MemoryStore, built_by_name: list[str]
) -> None:
    performer = Performer(service, lambda workspace: WebClient(base_url=BASE_URL))
    dispatcher = Dispatcher(store, performer, None)
    app = build_app(
        service, dispatcher, {"authorize": Identity(KNOWN).authorizer()}, base_url=BASE_URL
    )
    assert app._listeners[0].matches(req=request("message"), resp=None)  # type: ignore[arg-type]
    statuses = [app.dispatch(request(name)).status for name in ACKED_AT_ONCE]
    assert (statuses, built_by_name) == ([200] * len(ACKED_AT_ONCE), [])
    (job,) = store.claim_jobs(10, 1e10, 30, 5)
    assert job.kind == "explain"
