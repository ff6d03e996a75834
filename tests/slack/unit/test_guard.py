"""The middlewares: what is answered before any listener, and what never reaches one.

Pinned down: ``rate_limited`` (before authorization) answers ``app_rate_limited`` (sent with no
subscription, no listener matches it) with a 200 and one warning naming the minute, and passes
everything else on; ``guard`` (after it) answers signed bodies Bolt's matchers would choke on
with a 400, and every well-formed body Slack sends goes on to the listeners (``next`` is called
and the response passed along untouched).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_bolt import BoltResponse

from bot.slack.listeners.guard import guard, problem, rate_limited
from tests.standin import requests
from tests.standin.ids import APP_ID, TEAM_ID


class Next:
    """Bolt's ``next``: counts the calls, so a test knows whether the chain went on."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def run(body: Any, middleware: Any = guard) -> tuple[int, int]:
    """(status answered, how many times the chain went on) for ``body``."""
    passed_on = Next()
    resp = BoltResponse(status=200, body="from the listener")
    answer = middleware(body, resp, passed_on)
    if passed_on.calls:
        assert answer is resp
    return answer.status, passed_on.calls


def rate_limited_body(minute: object) -> dict[str, Any]:
    return {
        "token": "verification-token-standin",
        "team_id": TEAM_ID,
        "minute_rate_limited": minute,
        "api_app_id": APP_ID,
        "type": "app_rate_limited",
    }


@pytest.mark.parametrize(
    ("minute", "logged"),
    [
        (1518467820, "2018-02-12 20:37 UTC"),
        ("soon", "an unknown minute"),
        (1e12, "an unknown minute"),
    ],
)
def test_app_rate_limited_is_acked_and_logged(
    caplog: pytest.LogCaptureFixture, minute: object, logged: str
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.slack.listeners.guard")
    assert run(rate_limited_body(minute), rate_limited) == (200, 0)
    assert [r.getMessage() for r in caplog.records] == [
        f"Slack rate-limited events for team {TEAM_ID} during {logged}"
    ]


@pytest.mark.parametrize(
    "body",
    [
        requests.slash_command("eql"),
        requests.message("our EQL pipeline"),
        requests.event_callback({"type": "app_uninstalled"}),
        {"type": "app_rate_limited_not", "team_id": TEAM_ID},
        {"type": 1},
        ["not", "an", "object"],
    ],
    ids=["command", "event", "uninstall", "other-type", "odd-type", "not-an-object"],
)
def test_rate_limited_passes_everything_else_on(
    caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.slack.listeners.guard")
    assert run(body, rate_limited) == (200, 1)
    assert caplog.records == []


def test_the_guard_leaves_rate_limits_to_rate_limited() -> None:
    """Past authorization the guard sees a rate limit only if ``rate_limited`` let it by."""
    assert run(rate_limited_body(1518467820)) == (200, 1)


def block_actions(**changes: Any) -> dict[str, Any]:
    return {**requests.block_actions_message("define_term_0", "EQL"), **changes}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (block_actions(actions={"action_id": "x"}), "actions is not a list of objects"),
        (block_actions(actions=["define_term_0"]), "actions is not a list of objects"),
        (block_actions(actions=[{"action_id": 5}]), "an action has no action_id string"),
        (block_actions(actions=[{"action_id": ["a"]}]), "an action has no action_id string"),
        ({**requests.view_submission("term_modal"), "view": "x"}, "view is not an object"),
        ({**requests.view_submission("term_modal"), "view": []}, "view is not an object"),
        (
            {**requests.view_submission(), "view": {"callback_id": 1}},
            "view.callback_id is not a string",
        ),
        ({**requests.message("hi"), "event": ["message"]}, "event is not an object"),
        ({**requests.message("hi"), "event": {"type": 7}}, "event.type is not a string"),
        (block_actions(container="message"), "container is not an object"),
        (block_actions(user="U0USER"), "user is not an object"),
        ({**requests.slash_command("x"), "command": ["/define"]}, "command is not a string"),
        ({**requests.message_action(), "callback_id": None}, "callback_id is not a string"),
        ({"type": 1}, "type is not a string"),
    ],
)
def test_bodies_bolt_cannot_route_get_400(body: dict[str, Any], reason: str) -> None:
    assert problem(body) == reason
    assert run(body) == (400, 0)


def test_a_body_that_is_not_an_object_gets_400() -> None:
    assert run(["not", "an", "object"]) == (400, 0)


@pytest.mark.parametrize(
    "body",
    [
        requests.slash_command("eql"),
        requests.message("our EQL pipeline"),
        requests.app_mention(),
        requests.app_home_opened(),
        requests.block_actions_message("define_term_0", "EQL"),
        requests.block_actions_home("home_page_next", "1"),
        requests.view_submission("term_modal"),
        requests.message_action("explain_message_terms"),
        requests.url_verification("challenge"),
        requests.event_callback({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}),
    ],
    ids=lambda body: str(body.get("type") or body.get("command")),
)
def test_well_formed_bodies_go_on_to_the_listeners(body: dict[str, Any]) -> None:
    assert problem(body) is None
    assert run(body) == (200, 1)
