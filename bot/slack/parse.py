"""Reading Slack payloads: the few facts the listeners need, tolerant of missing fields.

Slack payloads are large and vary by surface; these helpers pick out what the bot needs and
return safe defaults for anything absent or malformed, so a listener never fails on a
``KeyError`` and the term service only ever sees plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.slack.render.text import unescape

MENTION_RE = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
SLACKBOT = "USLACKBOT"
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
"""Message subtypes written by a person that the bot may explain; every other one is ignored."""


def text_of(value: object) -> str:
    """Slack text as a plain string (Slack escapes ``& < >``; the term service wants them back)."""
    return unescape(value) if isinstance(value, str) else ""


def strip_mentions(text: str) -> str:
    """A mention's text without the ``<@U…>`` mentions ("<@U0BOT> what's an ISV?")."""
    return " ".join(MENTION_RE.sub(" ", text).split())


def mentions(text: str, user_id: str | None) -> bool:
    """Whether ``text`` mentions ``user_id`` (then app_mention answers, not the message event)."""
    return bool(user_id) and f"<@{user_id}" in text


def is_person(event: Mapping[str, Any]) -> bool:
    """Written by a person: not a bot, an app, or Slackbot's system notices (``USLACKBOT``)."""
    user = event.get("user")
    if not isinstance(user, str) or not user or user == SLACKBOT:
        return False
    return not (event.get("bot_id") or event.get("bot_profile") or event.get("app_id"))


def is_person_message(event: Mapping[str, Any]) -> bool:
    """A new message written by a person: not a bot, not an edit, deletion, join or the like."""
    return is_person(event) and event.get("subtype") in ANSWERED_SUBTYPES


def message_text(message: object) -> str:
    """Every text-bearing part of a message, for "Explain terms in message".

    Forwarded and shared messages carry their words in ``attachments`` (and the original's rich
    blocks under ``message_blocks``), rich messages in ``blocks`` of type ``rich_text``; the
    plain ``text`` may be empty or a summary. Each distinct piece is kept once, in order.
    """
    pieces: list[str] = []
    _collect(message, pieces, depth=0)
    return "\n".join(dict.fromkeys(p for p in pieces if p.strip()))


_TEXT_KEYS = ("text", "pretext", "title", "value", "fallback")
_NESTED_KEYS = ("attachments", "blocks", "elements", "fields", "message_blocks", "message")


def _collect(node: object, into: list[str], depth: int) -> None:
    if depth > 12:  # Slack nests a few levels; anything deeper is not a real message
        return
    if isinstance(node, list):
        for item in node[:200]:
            _collect(item, into, depth + 1)
        return
    if not isinstance(node, Mapping):
        return
    for key in _TEXT_KEYS:
        value = node.get(key)
        if isinstance(value, str):
            into.append(unescape(value))
        elif isinstance(value, Mapping) and isinstance(value.get("text"), str):
            into.append(unescape(value["text"]))  # a text object: {"type": "mrkdwn", "text": …}
    for key in _NESTED_KEYS:
        if key in node:
            _collect(node[key], into, depth + 1)


def thread_root(event: Mapping[str, Any]) -> str:
    """The ``thread_ts`` to reply in: the thread's root, or the message itself."""
    return str(event.get("thread_ts") or event.get("ts") or "")


def string(data: object, *keys: str, limit: int = 300) -> str:
    """``get_path(data, *keys)`` as a string ("" unless it is a string or a number), clipped."""
    value = get_path(data, *keys)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)[:limit]


def get_path(data: object, *keys: str) -> Any:
    """``data[k1][k2]…`` or None if any step is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data
