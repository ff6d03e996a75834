"""Builders for request bodies shaped like the ones Slack really sends to the bot.

Why hand-built bodies instead of minimal dicts: Bolt routes on exact fields (``type``,
``subtype``, ``command``, ``callback_id``, ``container``) and drops its own bot's events by
``bot_id``/``user``, so tests only mean something if the shapes match production.  Shapes follow
Slack's Events API, slash-command and interactivity payload references.

Every builder takes keyword arguments for the variable bits and returns a fresh ``dict``.  Event
builders return the full ``event_callback`` envelope; envelope options (``event_id``,
``event_time``, ``is_ext_shared_channel``, ``team_id``) pass through ``**envelope``.
Interactivity builders live in :mod:`.interactive` and the HTTP sender in :mod:`.signing`; both are
re-exported here so one import serves a test.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any

from . import ids
from .ids import (
    APP_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    CHANNEL_NAME,
    DM_CHANNEL_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    USER_ID,
    USER_NAME,
    VERIFICATION_TOKEN,
)
from .interactive import (
    UNSET_RESPONSE_URL,
    action,
    block_actions_home,
    block_actions_message,
    block_actions_view,
    message_action,
    plain_text_values,
    view_submission,
)
from .signing import Prepared, SentResponse, SignedSender

__all__ = [
    "UNSET_RESPONSE_URL",
    "Prepared",
    "SentResponse",
    "SignedSender",
    "action",
    "app_home_opened",
    "app_mention",
    "block_actions_home",
    "block_actions_message",
    "block_actions_view",
    "bot_message",
    "channel_join",
    "dm_message",
    "event_callback",
    "file_share",
    "message",
    "message_action",
    "message_changed",
    "message_deleted",
    "plain_text_values",
    "rich_text",
    "slash_command",
    "thread_broadcast",
    "thread_reply",
    "url_verification",
    "view_submission",
]
Body = dict[str, Any]
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def slash_command(
    text: str = "",
    *,
    command: str = "/define",
    user: str = USER_ID,
    user_name: str = USER_NAME,
    channel: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    team_id: str = TEAM_ID,
    response_url: str = UNSET_RESPONSE_URL,
    trigger_id: str | None = None,
    is_enterprise_install: bool = False,
) -> dict[str, str]:
    """Slash command form fields (all strings, as Slack form-encodes them)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url,
        "trigger_id": trigger_id or ids.trigger_id(),
    }


def url_verification(challenge: str | None = None) -> Body:
    """The handshake Slack sends when the Request URL is saved; answer with ``challenge``."""
    return {
        "token": VERIFICATION_TOKEN,
        "challenge": challenge or uuid.uuid4().hex,
        "type": "url_verification",
    }


def event_callback(
    event: Body,
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = TEAM_ID,
    is_ext_shared_channel: bool = False,
    authorizations: list[Body] | None = None,
    event_context: str | None = None,
) -> Body:
    """Wrap ``event`` in the Events API envelope (``type: event_callback``)."""
    context = {"et": event.get("type"), "tid": team_id, "aid": APP_ID, "cid": event.get("channel")}
    encoded = base64.urlsafe_b64encode(json.dumps(context).encode()).decode().rstrip("=")
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or ids.event_id(),
        "event_time": event_time or int(time.time()),
        "authorizations": authorizations
        or [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": event_context or f"4-{encoded}",
    }


def rich_text(text: str) -> list[Body]:
    """The ``blocks`` Slack attaches to a user-typed message (mentions become user elements)."""
    elements: list[Body] = []
    pos = 0
    for m in _MENTION.finditer(text):
        if m.start() > pos:
            elements.append({"type": "text", "text": text[pos : m.start()]})
        elements.append({"type": "user", "user_id": m.group(1)})
        pos = m.end()
    if pos < len(text):
        elements.append({"type": "text", "text": text[pos:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": ids.new_id("b", 5), "elements": [section]}]


def _user_message(text: str, user: str, channel: str, ts: str | None, channel_type: str) -> Body:
    ts = ts or ids.next_ts()
    return {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": rich_text(text),
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }


def message(
    text: str = "hello",
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str = USER_ID,
    channel_type: str = "channel",
    **envelope: Any,
) -> Body:
    """A person's message in a channel (``channel_type``: channel | group | im | mpim)."""
    event = _user_message(text, user, channel, ts, channel_type)
    if thread_ts:
        event.update(thread_ts=thread_ts, parent_user_id=parent_user_id)
    return event_callback(event, **envelope)


def thread_reply(text: str = "reply", *, thread_ts: str, **kw: Any) -> Body:
    """A reply inside a thread: a message event carrying ``thread_ts`` (and parent_user_id)."""
    return message(text, thread_ts=thread_ts, **kw)


def dm_message(text: str = "hello", *, channel: str = DM_CHANNEL_ID, **kw: Any) -> Body:
    """A direct message to the bot (``channel_type: im``, channel id starts with D)."""
    return message(text, channel=channel, channel_type="im", **kw)


def bot_message(
    text: str = "beep",
    *,
    bot_id: str = "B0OTHER",
    bot_user: str = "U0OTHERBOT",
    app_id: str = "A0OTHER",
    with_subtype: bool = True,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    **envelope: Any,
) -> Body:
    """Another bot's message.

    ``with_subtype=True``: legacy/webhook style (``subtype: bot_message``, no ``user``).
    ``with_subtype=False``: what apps posting via chat.postMessage produce -- a plain message
    with ``user`` *and* ``bot_id``.  Use ``bot_id=ids.BOT_ID, bot_user=ids.BOT_USER_ID,
    app_id=ids.APP_ID, with_subtype=False`` for the bot's own echo, which Bolt drops.
    """
    ts = ts or ids.next_ts()
    event: Body = {
        "type": "message",
        "text": text,
        "ts": ts,
        "bot_id": bot_id,
        "app_id": app_id,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if with_subtype:
        event.update(subtype="bot_message", username="Other Bot")
    else:
        event.update(
            user=bot_user,
            team=TEAM_ID,
            blocks=rich_text(text),
            bot_profile={
                "id": bot_id,
                "app_id": app_id,
                "name": "Other Bot",
                "deleted": False,
                "team_id": TEAM_ID,
            },
        )
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, **envelope)


def message_changed(
    text: str = "edited",
    *,
    previous_text: str = "original",
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    message_ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    **envelope: Any,
) -> Body:
    """An edit: ``subtype: message_changed``; the new text is in ``event.message``."""
    message_ts = message_ts or ids.next_ts()
    ts = ids.next_ts()
    new = {
        **_user_message(text, user, channel, message_ts, channel_type),
        "edited": {"user": user, "ts": ts},
    }
    old = _user_message(previous_text, user, channel, message_ts, channel_type)
    for m in (new, old):
        for key in ("channel", "event_ts", "channel_type"):
            m.pop(key)
        if thread_ts:
            m["thread_ts"] = thread_ts
    event = {
        "type": "message",
        "subtype": "message_changed",
        "message": new,
        "previous_message": old,
        "channel": channel,
        "hidden": True,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    return event_callback(event, **envelope)


def message_deleted(
    *,
    deleted_ts: str,
    previous_text: str = "original",
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    channel_type: str = "channel",
    **envelope: Any,
) -> Body:
    """A deletion: ``subtype: message_deleted`` with ``deleted_ts`` and ``previous_message``."""
    ts = ids.next_ts()
    old = _user_message(previous_text, user, channel, deleted_ts, channel_type)
    for key in ("channel", "event_ts", "channel_type"):
        old.pop(key)
    event = {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": old,
        "channel": channel,
        "hidden": True,
        "deleted_ts": deleted_ts,
        "event_ts": ts,
        "ts": ts,
        "channel_type": channel_type,
    }
    return event_callback(event, **envelope)


def channel_join(
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    inviter: str | None = None,
    channel_type: str = "channel",
    **envelope: Any,
) -> Body:
    """Someone joined: ``subtype: channel_join`` (also sent when the bot itself is invited)."""
    ts = ids.next_ts()
    event: Body = {
        "type": "message",
        "subtype": "channel_join",
        "ts": ts,
        "user": user,
        "text": f"<@{user}> has joined the channel",
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if inviter:
        event["inviter"] = inviter
    return event_callback(event, **envelope)


def thread_broadcast(
    text: str = "also sent to channel",
    *,
    thread_ts: str,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    root_text: str = "root",
    root_user: str = USER_ID,
    **envelope: Any,
) -> Body:
    """A thread reply also sent to the channel: ``subtype: thread_broadcast`` with ``root``."""
    event = _user_message(text, user, channel, None, "channel")
    event.update(
        subtype="thread_broadcast",
        thread_ts=thread_ts,
        root={
            "type": "message",
            "user": root_user,
            "text": root_text,
            "ts": thread_ts,
            "thread_ts": thread_ts,
            "reply_count": 1,
            "team": TEAM_ID,
        },
    )
    return event_callback(event, **envelope)


def file_share(
    text: str = "",
    *,
    file_name: str = "notes.txt",
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    thread_ts: str | None = None,
    **envelope: Any,
) -> Body:
    """A message with an uploaded file: ``subtype: file_share`` and a ``files`` list."""
    event = _user_message(text, user, channel, None, "channel")
    file_id = ids.new_id("F")
    event.update(
        subtype="file_share",
        upload=False,
        display_as_bot=False,
        files=[
            {
                "id": file_id,
                "created": int(time.time()),
                "name": file_name,
                "title": file_name,
                "mimetype": "text/plain",
                "filetype": "text",
                "pretty_type": "Plain Text",
                "user": user,
                "size": 12,
                "mode": "hosted",
                "is_external": False,
                "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/{file_name}",
                "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{file_name}",
            }
        ],
    )
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, **envelope)


def app_mention(
    text: str = f"<@{BOT_USER_ID}> hello",
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    **envelope: Any,
) -> Body:
    """``app_mention``: the text includes the bot's ``<@U...>`` mention."""
    event = _user_message(text, user, channel, ts, "channel")
    event["type"] = "app_mention"
    del event["channel_type"]  # app_mention events carry no channel_type
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, **envelope)


def app_home_opened(
    *,
    user: str = USER_ID,
    tab: str = "home",
    view: Body | None = None,
    channel: str = DM_CHANNEL_ID,
    **envelope: Any,
) -> Body:
    """The user opened the App Home (``tab``: home | messages); ``view`` only if published."""
    event: Body = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": ids.next_ts(),
    }
    if view is not None:
        event["view"] = view
    return event_callback(event, **envelope)
