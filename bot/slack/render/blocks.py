"""Block Kit JSON for the messages the bot sends most, built once per content and shared.

Building a block with ``slack_sdk.models`` checks Slack's limits, and that cost more than all
the rest of a reply: about 1 ms for one term card, on every ``/define``. Answers repeat the same
few blocks (a term's header, its wording, its related-term buttons), so each function here is a
pure function of exactly the strings its block shows (text, action ids, values), memoized: a
repeat is a dict lookup, Slack's limits are still checked when a block is first built, and two
wordings of a term (partner and internal) are two different keys that never meet.

The dicts returned are shared by every message that shows them: callers put them in lists of
their own and never change them. Text that quotes what someone typed (a query, a user id) goes
through the ``build_*`` functions instead, built on each call: the bot does not keep what people
type beyond what PRIVACY.md lists, not even in a cache.
"""

from __future__ import annotations

import functools
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.render.text import (
    BUTTON_TEXT_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    clip,
    clip_entities,
)

Json = dict[str, Any]
Button = tuple[str, str, str]
"""(text, action_id, value) of a button; the text is clipped to Slack's limit here."""


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object from already escaped ``text``, clipped to Slack's limit."""
    return MarkdownTextObject(text=clip_entities(text, SECTION_LIMIT))


@functools.lru_cache(maxsize=1024)
def header(text: str) -> Json:
    """A header of plain ``text`` (clipped to 150 characters)."""
    return HeaderBlock(text=clip(text, HEADER_LIMIT)).to_dict()


def build_section(text: str, button: Button | None = None, style: str | None = None) -> Json:
    """A section of escaped mrkdwn, with a ``button`` (of ``style``) beside it if given."""
    accessory = None if button is None else _button(button, style)
    return SectionBlock(text=mrkdwn(text), accessory=accessory).to_dict()


def build_context(text: str) -> Json:
    """A context line of escaped mrkdwn."""
    return ContextBlock(elements=[mrkdwn(text)]).to_dict()


def build_actions(*buttons: Button) -> Json:
    """A row of plain buttons."""
    return ActionsBlock(elements=[_button(b) for b in buttons]).to_dict()


section = functools.lru_cache(maxsize=2048)(build_section)
context = functools.lru_cache(maxsize=2048)(build_context)
actions = functools.lru_cache(maxsize=2048)(build_actions)


def _button(button: Button, style: str | None = None) -> ButtonElement:
    text, action_id, value = button
    return ButtonElement(
        text=clip(text, BUTTON_TEXT_LIMIT), action_id=action_id, value=value, style=style
    )


DIVIDER: Json = DividerBlock().to_dict()
