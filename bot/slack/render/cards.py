"""Block Kit for messages: term cards, lookup answers, lists, thread explanations.

Pure functions from term-service values to ``Message`` (fallback text + blocks). Blocks are
built with ``slack_sdk.models.blocks`` so Slack's limits are checked when they are rendered,
and every user- or glossary-supplied string is escaped and clipped (``render.text``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.service import Answer, Explanation
from bot.slack.render.text import (
    BUTTON_TEXT_LIMIT,
    FALLBACK_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    clip,
    clip_entities,
    clip_escaped,
    escape,
    quote,
)
from bot.terms import Glossary, SearchHit, Status, Term

DEFINE_ACTION = "define_term"
SHARE_ACTION = "share_term"
MAX_BUTTONS_PER_ROW = 5
MAX_LIST = 40
"""Terms listed in one message (Slack allows 50 blocks)."""
MAX_CARDS = 8
"""Cards in one message: 8 × (5 blocks + a divider) stays under Slack's 50 blocks."""
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,20}$")


@dataclass(frozen=True, slots=True)
class Message:
    """What to send: the notification/fallback text and the blocks as plain dicts."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def _message(text: str, blocks: Sequence[Block]) -> Message:
    """``text`` is escaped mrkdwn too: Slack formats the fallback and shows it in notifications."""
    return Message(clip_entities(text, FALLBACK_LIMIT), [b.to_dict() for b in blocks])


def mrkdwn(text: str) -> MarkdownTextObject:
    """A mrkdwn text object from already escaped ``text``, clipped to Slack's limit."""
    return MarkdownTextObject(text=clip_entities(text, SECTION_LIMIT))


def term_button(term: Term, action: str, index: int, *, style: str | None = None) -> ButtonElement:
    """A button that opens ``term``; ``index`` keeps action_ids unique within a block."""
    return ButtonElement(
        text=clip(term.title, BUTTON_TEXT_LIMIT),
        action_id=f"{action}_{index}",
        value=term.term,
        style=style,
    )


def term_buttons(terms: Sequence[Term], action: str = DEFINE_ACTION) -> list[Block]:
    """Rows of term buttons (a row per five, as Slack wraps long rows awkwardly)."""
    rows: list[Block] = []
    for start in range(0, len(terms), MAX_BUTTONS_PER_ROW):
        chunk = terms[start : start + MAX_BUTTONS_PER_ROW]
        buttons = [term_button(t, action, start + i) for i, t in enumerate(chunk)]
        rows.append(ActionsBlock(elements=buttons))
    return rows


def _details(term: Term) -> str:
    parts = [f"*Category:* {escape(term.category)}"]
    if len(term.acronyms) > 1:
        parts.append("*Acronyms:* " + ", ".join(escape(a) for a in term.acronyms))
    if term.aliases:
        parts.append("*Also written:* " + ", ".join(escape(a) for a in term.aliases[:6]))
    return "  ·  ".join(parts)


def term_blocks(
    term: Term,
    related: Sequence[Term],
    *,
    shareable: bool = False,
    shared_by: str | None = None,
    action: str = DEFINE_ACTION,
) -> list[Block]:
    """The card for one term: name, definition (with the share button beside it), category,
    related terms as buttons that open their own card."""
    share = None
    if shareable:
        share = ButtonElement(
            text="Share in channel", action_id=SHARE_ACTION, value=term.term, style="primary"
        )
    blocks: list[Block] = [
        HeaderBlock(text=clip(term.title, HEADER_LIMIT)),
        SectionBlock(text=mrkdwn(clip_escaped(term.definition, SECTION_LIMIT)), accessory=share),
        ContextBlock(elements=[mrkdwn(_details(term))]),
    ]
    if related:
        buttons = [term_button(t, action, i) for i, t in enumerate(related[:MAX_BUTTONS_PER_ROW])]
        blocks.append(ContextBlock(elements=[mrkdwn("*Related:*")]))
        blocks.append(ActionsBlock(elements=buttons))
    if shared_by and USER_ID_RE.match(shared_by):
        blocks.append(ContextBlock(elements=[mrkdwn(f"Shared by <@{shared_by}> with /define")]))
    return blocks


def term_message(glossary: Glossary, term: Term, *, shareable: bool = True) -> Message:
    """One term as a private card."""
    blocks = term_blocks(term, glossary.related(term), shareable=shareable)
    return _message(escape(f"{term.title}: {term.definition}"), blocks)


def shared_message(glossary: Glossary, term: Term, user: str) -> Message:
    """The card posted for everyone when someone shares it."""
    blocks = term_blocks(term, glossary.related(term), shared_by=user)
    return _message(escape(f"{term.title}: {term.definition}"), blocks)


def answer_message(glossary: Glossary, answer: Answer, *, shareable: bool = True) -> Message:
    """The reply to a lookup, for each of found / ambiguous / suggest / none."""
    result = answer.result
    asked = quote(result.query)
    if result.status is Status.FOUND:
        return term_message(glossary, result.terms[0], shareable=shareable)
    if result.status is Status.AMBIGUOUS:
        intro = f"{asked} has {len(result.terms)} meanings in the glossary:"
        blocks: list[Block] = [SectionBlock(text=mrkdwn(intro))]
        for term in result.terms[:MAX_CARDS]:
            blocks.append(DividerBlock())
            blocks.extend(term_blocks(term, glossary.related(term), shareable=shareable))
        names = escape(", ".join(t.title for t in result.terms))
        return _message(f"{asked} has {len(result.terms)} meanings: {names}", blocks)
    if result.status is Status.SUGGEST:
        which = "this" if len(result.terms) == 1 else "one of these"
        text = f"I don't have an entry for {asked}. Did you mean {which}?"
        blocks = [SectionBlock(text=mrkdwn(text)), *term_buttons(result.terms)]
    else:
        text = (
            f"Sorry, there is no glossary entry for {asked} yet. I've noted it for the maintainers."
        )
        blocks = [SectionBlock(text=mrkdwn(text))]
    if answer.searched:
        blocks.append(ContextBlock(elements=[mrkdwn("Entries that mention it:")]))
        blocks.extend(term_buttons(answer.searched))
    blocks.append(ContextBlock(elements=[mrkdwn(_HINT)]))
    return _message(text.replace("*", ""), blocks)


_HINT = "Try `/define search &lt;words&gt;`, or browse every term with `/define list`."


def help_message() -> Message:
    text = (
        "*Look up partnership jargon — only you see the answer.*\n"
        "• `/define EQL` or `/define what's a VAD?` — a term, acronym or alias; typos are fine\n"
        "• `/define search commission` — every entry that mentions some words\n"
        "• `/define list` — the categories; `/define list pricing` — the terms in one\n"
        "• Each answer has a *Share in channel* button. The Home tab lets you browse everything."
    )
    return _message("How to use /define", [SectionBlock(text=mrkdwn(text))])


def _short(label: str) -> str:
    """The first word of a category, which ``/define list`` accepts as a prefix."""
    return label.split()[0].lower()


def categories_message(glossary: Glossary) -> Message:
    lines = [
        f"• *{escape(label)}* — {len(terms)} terms  (`/define list {escape(_short(label))}`)"
        for label, terms in glossary.categories().items()
    ]
    text = f"*The glossary has {len(glossary)} terms in these categories:*\n" + "\n".join(lines)
    return _message("Glossary categories", [SectionBlock(text=mrkdwn(text))])


def category_message(label: str, terms: Sequence[Term]) -> Message:
    shown = terms[:MAX_LIST]
    blocks: list[Block] = [HeaderBlock(text=clip(f"{label} ({len(terms)})", HEADER_LIMIT))]
    blocks.extend(term_buttons(shown))
    if len(terms) > len(shown):
        more = f"…and {len(terms) - len(shown)} more: browse them in my Home tab."
        blocks.append(ContextBlock(elements=[mrkdwn(more)]))
    return _message(f"{escape(label)}: {len(terms)} terms", blocks)


def unknown_category_message(query: str, glossary: Glossary) -> Message:
    text = f"There is no category {quote(query)}."
    message = categories_message(glossary)
    return Message(text, [SectionBlock(text=mrkdwn(text)).to_dict(), *message.blocks])


def search_message(query: str, hits: Sequence[SearchHit]) -> Message:
    if not hits:
        text = f"Nothing in the glossary mentions {quote(query)}."
        return _message(text, [SectionBlock(text=mrkdwn(text))])
    terms = [h.term for h in hits]
    text = f"*{len(terms)} entries mention {quote(query)}*, best match first:"
    return _message(text.replace("*", ""), [SectionBlock(text=mrkdwn(text)), *term_buttons(terms)])


def explanation_message(explanation: Explanation) -> Message:
    """The in-thread reply: a few terms in full, the rest by name."""
    blocks: list[Block] = []
    for term in explanation.full:
        text = f"*{escape(term.title)}*\n{escape(term.definition)}"
        blocks.append(SectionBlock(text=mrkdwn(text)))
    names = ", ".join(escape(t.title) for t in explanation.full)
    if explanation.more:
        more = ", ".join(f"*{escape(t.title)}*" for t in explanation.more)
        blocks.append(
            ContextBlock(elements=[mrkdwn(f"Also mentioned: {more}. Try `/define &lt;term&gt;`.")])
        )
        names += ", " + ", ".join(escape(t.title) for t in explanation.more)
    blocks.append(ContextBlock(elements=[mrkdwn(_THREAD_NOTE)]))
    return _message(f"Glossary: {names}", blocks)


_THREAD_NOTE = "📖 Partner glossary · each term is explained once per thread · `/define` anytime"


def terms_message(glossary: Glossary, terms: Sequence[Term], *, empty: str) -> Message:
    """Several terms in full (message shortcut, mentions naming several terms)."""
    if not terms:
        return _message(empty, [SectionBlock(text=mrkdwn(escape(empty)))])
    blocks: list[Block] = []
    budget = MAX_CARDS
    for term in terms[:budget]:
        if blocks:
            blocks.append(DividerBlock())
        blocks.extend(term_blocks(term, glossary.related(term)))
    if len(terms) > budget:
        rest = ", ".join(escape(t.title) for t in terms[budget:])
        blocks.append(ContextBlock(elements=[mrkdwn(f"Also in the message: {rest}")]))
    names = escape(", ".join(t.title for t in terms))
    return _message(f"Glossary terms: {names}", blocks)
