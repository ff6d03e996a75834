"""Block Kit for messages: term cards (private, shared, withheld) and thread explanations.

The replies built around cards (lookup answers, lists, help, search) are in ``render.answers``.
Pure functions from term-service values to ``Message`` (fallback text + blocks). Blocks come
from ``render.blocks``: built with ``slack_sdk.models.blocks`` (so Slack's limits are checked)
once per content, then reused, as a ``/define`` answer is the costliest part of an ack; a block
quoting what someone typed is built for its message only (``build_*``). Every user- or
glossary-supplied string is escaped and clipped (``render.text``).

Which wording a card shows was decided by the service (``bot.audience``): a partner-view card
already holds the partner wording. Here a deprecated term becomes "*X* is deprecated; use *Y*"
with Y's definition, and a private (``labelled``) card shows both wordings, labelled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from slack_sdk.models.blocks import Block, ButtonElement

from bot.replies import Card, Explanation
from bot.slack.render.blocks import Button, Json, actions, build_context, context, header, section
from bot.slack.render.blocks import mrkdwn as mrkdwn  # the other renderers import it from here
from bot.slack.render.text import (
    BUTTON_TEXT_LIMIT,
    FALLBACK_LIMIT,
    clip,
    clip_entities,
    clip_escaped,
    escape,
)
from bot.slack.render.wording import card_text, deprecation, plain
from bot.terms import Term

DEFINE_ACTION = "define_term"
SHARE_ACTION = "share_term"
MAX_BUTTONS_PER_ROW = 5
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,20}$")


@dataclass(frozen=True, slots=True)
class Message:
    """What to send: the notification/fallback text and the blocks as plain dicts."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def message(text: str, blocks: list[Json]) -> Message:
    """A ``Message`` whose fallback is clipped to Slack's limit (``render.answers`` too). ``text``
    is escaped mrkdwn too: Slack formats the fallback and shows it in notifications."""
    return Message(clip_entities(text, FALLBACK_LIMIT), blocks)


def term_button(term: Term, action: str, index: int, *, style: str | None = None) -> ButtonElement:
    """A button that opens ``term``; ``index`` keeps action_ids unique within a block."""
    return ButtonElement(
        text=clip(term.title, BUTTON_TEXT_LIMIT),
        action_id=f"{action}_{index}",
        value=term.term,
        style=style,
    )


def _term_row(terms: Sequence[Term], action: str, start: int = 0) -> Json:
    """Buttons that open ``terms``, numbered from ``start`` (action_ids unique in a message)."""
    return actions(*((t.title, f"{action}_{start + i}", t.term) for i, t in enumerate(terms)))


def term_buttons(terms: Sequence[Term], action: str = DEFINE_ACTION) -> list[Json]:
    """Rows of term buttons (a row per five, as Slack wraps long rows awkwardly)."""
    return [
        _term_row(terms[start : start + MAX_BUTTONS_PER_ROW], action, start)
        for start in range(0, len(terms), MAX_BUTTONS_PER_ROW)
    ]


def _details(term: Term) -> str:
    parts = [f"*Category:* {escape(term.category)}"]
    if len(term.acronyms) > 1:
        parts.append("*Acronyms:* " + ", ".join(escape(a) for a in term.acronyms))
    if term.aliases:
        parts.append("*Also written:* " + ", ".join(escape(a) for a in term.aliases[:6]))
    return "  ·  ".join(parts)


def _card(
    term: Term,
    related: Sequence[Term],
    *,
    shareable: bool = False,
    shared_by: str | None = None,
    action: str = DEFINE_ACTION,
    replacement: Term | None = None,
    labelled: bool = False,
) -> list[Json]:
    """The card for one term: name, definition (with the share button beside it), category,
    related terms as buttons that open their own card. A deprecated term says so and shows
    its ``replacement``'s definition; ``labelled`` shows the partner wording too."""
    share: Button | None = ("Share in channel", SHARE_ACTION, term.term) if shareable else None
    blocks = [
        header(term.title),
        section(card_text(term, replacement, labelled), share, "primary" if share else None),
        context(_details(term)),
    ]
    if related:
        blocks.append(context("*Related:*"))
        blocks.append(_term_row(related[:MAX_BUTTONS_PER_ROW], action))
    if shared_by and USER_ID_RE.match(shared_by):
        blocks.append(build_context(f"Shared by <@{shared_by}> with /define"))
    return blocks


def term_blocks(term: Term, related: Sequence[Term], *, action: str = DEFINE_ACTION) -> list[Block]:
    """A term's card as ``slack_sdk`` blocks, for views built of them (the Home tab's modal)."""
    parsed = (Block.parse(b) for b in _card(term, related, action=action))
    return [b for b in parsed if b is not None]


def card_blocks(card: Card, *, shareable: bool = False, shared_by: str | None = None) -> list[Json]:
    """The blocks of a ``Card``, with its replacement and labels."""
    return _card(
        card.term,
        card.related,
        shareable=shareable,
        shared_by=shared_by,
        replacement=card.replacement,
        labelled=card.labelled,
    )


def term_message(card: Card, *, shareable: bool = True) -> Message:
    """One term as a private card."""
    blocks = card_blocks(card, shareable=shareable)
    return message(plain(card.term, card.replacement), blocks)


def shared_message(card: Card, user: str) -> Message:
    """The card posted for everyone when someone shares it (never labelled: it is public)."""
    blocks = card_blocks(replace(card, labelled=False), shared_by=user)
    return message(plain(card.term, card.replacement), blocks)


def withheld_message(title: str) -> Message:
    """Said privately instead of sharing an internal term where partners read."""
    text = f"“{clip_escaped(title, 150)}” is internal: I don't share it in channels with partners."
    return message(text, [section(text)])


def explanation_message(explanation: Explanation) -> Message:
    """The in-thread reply: a few terms in full, the rest by name."""
    blocks: list[Json] = []
    for term in explanation.full:
        replacement = explanation.replacement(term)
        head = deprecation(term, replacement) or f"*{escape(term.title)}*"
        blocks.append(section(f"{head}\n{escape((replacement or term).definition)}"))
    names = ", ".join(escape(t.title) for t in explanation.full)
    if explanation.more:
        more = ", ".join(f"*{escape(t.title)}*" for t in explanation.more)
        blocks.append(context(f"Also mentioned: {more}. Try `/define &lt;term&gt;`."))
        names += ", " + ", ".join(escape(t.title) for t in explanation.more)
    blocks.append(context(_THREAD_NOTE))
    return Message(clip_entities(f"Glossary: {names}", FALLBACK_LIMIT), blocks)


_THREAD_NOTE = "📖 Partner glossary · each term is explained once per thread · `/define` anytime"
