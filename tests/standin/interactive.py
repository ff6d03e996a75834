"""Builders for interactivity payloads (the JSON Slack sends as the ``payload`` form field).

Why the details matter: Bolt and the bot branch on ``container.type`` (message vs. view),
``container.is_ephemeral`` (ephemeral messages come without ``message``, so they cannot be
``chat.update``-d), and on whether a ``response_url`` exists at all (Home-tab actions have none).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from . import ids
from .ids import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    CHANNEL_NAME,
    TEAM_DOMAIN,
    TEAM_ID,
    USER_ID,
    USER_NAME,
    VERIFICATION_TOKEN,
)

Body = dict[str, Any]
# Loopback port 9 refuses connections at once: a forgotten response_url fails fast and never
# leaves the machine.  Pass ``response_url=api.response_url("id")`` to record responses.
UNSET_RESPONSE_URL = "http://127.0.0.1:9/standin-response-url-not-set"


def _common(user: str, user_name: str, trigger_id: str | None) -> Body:
    return {
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or ids.trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def action(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str | None = None,
    type: str = "button",
    text: str | None = None,
    selected_value: str | None = None,
) -> Body:
    """One element of ``actions[]``: a button click, or a ``static_select`` choice."""
    label = {
        "type": "plain_text",
        "text": text or value or selected_value or action_id,
        "emoji": True,
    }
    act: Body = {
        "action_id": action_id,
        "block_id": block_id or ids.new_id("", 5),
        "type": type,
        "action_ts": f"{time.time():.6f}",
    }
    if type == "button":
        act.update(text=label, value=value or "")
    else:
        act["selected_option"] = {"text": label, "value": selected_value or value or ""}
    return act


def block_actions_message(
    action_id: str = "button",
    value: str = "",
    *,
    user: str = USER_ID,
    user_name: str = USER_NAME,
    channel: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    message_ts: str | None = None,
    thread_ts: str | None = None,
    message_text: str = "",
    message_blocks: list[Body] | None = None,
    is_ephemeral: bool = False,
    response_url: str = UNSET_RESPONSE_URL,
    trigger_id: str | None = None,
    block_id: str | None = None,
    actions: list[Body] | None = None,
) -> Body:
    """A click on a component in a bot message (``container.type: message``).

    Ephemeral messages arrive without ``message`` -- Slack does not echo them back.
    """
    message_ts = message_ts or ids.next_ts()
    container: Body = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": is_ephemeral,
    }
    if thread_ts:
        container["thread_ts"] = thread_ts
    payload: Body = {
        "type": "block_actions",
        **_common(user, user_name, trigger_id),
        "container": container,
        "channel": {"id": channel, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": actions or [action(action_id, value, block_id=block_id)],
    }
    if not is_ephemeral:
        payload["message"] = {
            "type": "message",
            "text": message_text,
            "ts": message_ts,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "user": BOT_USER_ID,
            "team": TEAM_ID,
            "blocks": message_blocks or [],
        }
        if thread_ts:
            payload["message"]["thread_ts"] = thread_ts
    return payload


def _view(
    view_id: str | None,
    view_type: str,
    blocks: list[Body] | None,
    private_metadata: str,
    callback_id: str,
    values: Body | None,
    title: str | None,
) -> Body:
    view_id = view_id or ids.new_id("V")
    view: Body = {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": view_type,
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values or {}},
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }
    if title is not None:
        view["title"] = {"type": "plain_text", "text": title, "emoji": True}
        view["submit"] = {"type": "plain_text", "text": "Submit", "emoji": True}
    return view


def block_actions_view(
    action_id: str = "button",
    value: str = "",
    *,
    view_type: str = "home",
    view_id: str | None = None,
    view_blocks: list[Body] | None = None,
    private_metadata: str = "",
    callback_id: str = "",
    user: str = USER_ID,
    user_name: str = USER_NAME,
    trigger_id: str | None = None,
    block_id: str | None = None,
    actions: list[Body] | None = None,
    state_values: Body | None = None,
) -> Body:
    """A click inside a view (``container.type: view``); carries ``view`` but no response_url."""
    title = None if view_type == "home" else "Modal"
    view = _view(
        view_id, view_type, view_blocks, private_metadata, callback_id, state_values, title
    )
    return {
        "type": "block_actions",
        **_common(user, user_name, trigger_id),
        "container": {"type": "view", "view_id": view["id"]},
        "view": view,
        "actions": actions or [action(action_id, value, block_id=block_id)],
    }


def block_actions_home(action_id: str = "button", value: str = "", **kw: Any) -> Body:
    """A click on the App Home tab (``view.type: home``)."""
    return block_actions_view(action_id, value, view_type="home", **kw)


def plain_text_values(inputs: dict[str, dict[str, str]]) -> Body:
    """``{block_id: {action_id: text}}`` -> the ``view.state.values`` Slack sends."""
    return {
        block: {act: {"type": "plain_text_input", "value": text} for act, text in acts.items()}
        for block, acts in inputs.items()
    }


def view_submission(
    callback_id: str = "modal",
    values: Body | None = None,
    *,
    view_id: str | None = None,
    private_metadata: str = "",
    blocks: list[Body] | None = None,
    title: str = "Modal",
    user: str = USER_ID,
    user_name: str = USER_NAME,
    trigger_id: str | None = None,
) -> Body:
    """A modal submit; ``values`` is ``view.state.values`` (see :func:`plain_text_values`)."""
    view = _view(view_id, "modal", blocks, private_metadata, callback_id, values, title)
    return {
        "type": "view_submission",
        **_common(user, user_name, trigger_id),
        "view": view,
        "response_urls": [],
    }


def message_action(
    callback_id: str = "explain",
    *,
    text: str = "what is an SLA?",
    user: str = USER_ID,
    user_name: str = USER_NAME,
    channel: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    message_ts: str | None = None,
    message_user: str = USER_ID,
    response_url: str = UNSET_RESPONSE_URL,
    trigger_id: str | None = None,
) -> Body:
    """A message shortcut ("..." menu on a message): ``type: message_action``."""
    message_ts = message_ts or ids.next_ts()
    common = _common(user, user_name, trigger_id)
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": common["team"],
        "user": common["user"],
        "channel": {"id": channel, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": common["trigger_id"],
        "response_url": response_url,
        "message_ts": message_ts,
        "message": {
            "client_msg_id": str(uuid.uuid4()),
            "type": "message",
            "text": text,
            "user": message_user,
            "ts": message_ts,
            "team": TEAM_ID,
        },
    }
