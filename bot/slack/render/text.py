"""Text safety for everything the bot posts.

Slack's mrkdwn treats ``& < >`` as control characters: ``<!channel>`` pings a whole channel and
``<@U123>`` a person. Every piece of user- or glossary-supplied text goes through ``escape``
before it is put in mrkdwn, and everything is cut to the limits Slack enforces.
"""

from __future__ import annotations

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000
"""Notification fallback ``text``; Slack allows 40,000 but a notification needs a sentence."""


def escape(text: str) -> str:
    """Escape the three mrkdwn control characters (and only those, as Slack documents)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of typed ``& < >`` in slash-command and message text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def clip_escaped(text: str, limit: int) -> str:
    """Escape, then cut without leaving half an entity (``&am…``) at the end."""
    return clip_entities(escape(text), limit)


def clip_entities(escaped: str, limit: int) -> str:
    """Cut already escaped mrkdwn without leaving half an entity (``&am…``) at the end."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def quote(text: str, limit: int = 80) -> str:
    """User text shown back to them: escaped, clipped and in typographic quotes."""
    return f"“{clip_escaped(text.strip(), limit)}”"
