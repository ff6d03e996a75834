"""The first listener middleware: requests that are not for listeners, or not well formed.

- ``app_rate_limited`` arrives with no subscription and no ``event``: no listener matches it,
  so Bolt would answer 404, which counts toward Slack disabling the event subscription. It is
  acked here and logged as a warning naming the minute it covers.
- Signed but odd payloads (``actions`` that is not a list of objects, a ``view`` or ``event``
  that is not an object…) would make Bolt's own matchers raise, which it turns into a 500. They
  get a 400 and one throttled log line instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltResponse

from bot.logs import Throttled

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

_OBJECT_FIELDS = ("event", "view", "container", "user", "team", "channel", "message")


def problem(body: dict[str, Any]) -> str | None:
    """Why this body cannot be routed to a listener, or None when it can."""
    for name in _OBJECT_FIELDS:
        if name in body and body[name] is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    actions = body.get("actions")
    if actions is not None:
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            return "actions is not a list of objects"
        if any(not isinstance(a.get("action_id"), str) for a in actions):
            return "an action has no action_id string"
    for name in ("callback_id", "command", "type"):
        if name in body and not isinstance(body[name], str):
            return f"{name} is not a string"
    event = body.get("event")
    if isinstance(event, dict) and not isinstance(event.get("type", ""), str):
        return "event.type is not a string"
    view = body.get("view")
    if isinstance(view, dict) and not isinstance(view.get("callback_id", ""), str):
        return "view.callback_id is not a string"
    return None


def rate_limited(
    body: dict[str, Any], resp: BoltResponse, next: Callable[[], None]
) -> BoltResponse:
    """Bolt ``before_authorize`` middleware: ``app_rate_limited`` needs no installation (Slack
    sends it for a team even after an uninstall), so it is answered before authorization."""
    if isinstance(body, dict) and body.get("type") == "app_rate_limited":
        minute = body.get("minute_rate_limited")
        when = (
            datetime.fromtimestamp(minute, UTC).strftime("%Y-%m-%d %H:%M UTC")
            if isinstance(minute, int | float) and 0 < minute < 1e11
            else "an unknown minute"
        )
        logger.warning("Slack rate-limited events for team %s during %s", body.get("team_id"), when)
        return BoltResponse(status=200, body="")
    next()
    return resp


def guard(body: dict[str, Any], resp: BoltResponse, next: Callable[[], None]) -> BoltResponse:
    """Bolt global middleware: answer here, or call ``next`` and pass the response along."""
    if not isinstance(body, dict):
        return BoltResponse(status=400, body="")
    reason = problem(body)
    if reason is not None:
        throttled.warning(("malformed", reason), "refused a signed, malformed payload: %s", reason)
        return BoltResponse(status=400, body="")
    next()
    return resp
