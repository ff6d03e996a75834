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


def is_person_message(event: Mapping[str, Any]) -> bool:
    """A new message written by a person: not a bot, not an edit, deletion, join or the like."""
    if event.get("bot_id") or event.get("bot_profile") or not event.get("user"):
        return False
    return event.get("subtype") in ANSWERED_SUBTYPES


def thread_root(event: Mapping[str, Any]) -> str:
    """The ``thread_ts`` to reply in: the thread's root, or the message itself."""
    return str(event.get("thread_ts") or event.get("ts") or "")


def get_path(data: object, *keys: str) -> Any:
    """``data[k1][k2]…`` or None if any step is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data
