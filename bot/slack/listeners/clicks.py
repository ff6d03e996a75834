"""Reading interactivity payloads (buttons, modals): the few facts click listeners need.

Like ``bot.slack.parse``, every helper is lenient: anything missing or malformed reads as
empty, so a listener never fails on an odd payload.
"""

from __future__ import annotations

import json
from typing import Any

from bot.slack.parse import string
from bot.slack.work import Incoming


def first_action(incoming: Incoming) -> dict[str, Any]:
    """The clicked element (``actions[0]``), or ``{}``."""
    actions = incoming.body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def view_of(incoming: Incoming) -> dict[str, Any]:
    """The modal or Home view the request came from, or ``{}``."""
    view = incoming.body.get("view")
    return view if isinstance(view, dict) else {}


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A view's ``private_metadata`` as the JSON object the bot wrote there, or ``{}``."""
    raw = view.get("private_metadata")
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def user_of(incoming: Incoming) -> str:
    return string(incoming.body, "user", "id", limit=64)


def channel_of(incoming: Incoming) -> str:
    """The channel of the message clicked in (``channel.id``, else the container's)."""
    body = incoming.body
    return string(body, "channel", "id", limit=64) or string(
        body, "container", "channel_id", limit=64
    )


def click_window(action: dict[str, Any], seconds: int) -> str:
    """Which ``seconds``-long window Slack's ``action_ts`` falls in ("" when absent): clicks
    in one window are one click (a double click)."""
    try:
        return str(int(float(str(action.get("action_ts", ""))) // seconds))
    except (ValueError, OverflowError):  # absent, "abc", "nan", "inf"
        return ""
