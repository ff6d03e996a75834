"""Block Kit for messages: term cards, lookup answers, lists, thread explanations.

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

from bot.replies import (
    Answer,
    AskReply,
    Card,
    Categories,
    CategoryTerms,
    Chatter,
    DefineReply,
    Explanation,
    Help,
    SearchResults,
    TermList,
)
from bot.slack.render.blocks import (
    DIVIDER,
    Button,
    Json,
    actions,
    build_actions,
    build_context,
    build_section,
    context,
    header,
    section,
)
from bot.slack.render.blocks import mrkdwn as mrkdwn  # the other renderers import it from here
from bot.slack.render.text import (
    BUTTON_TEXT_LIMIT,
    FALLBACK_LIMIT,
    clip,
    clip_entities,
    clip_escaped,
    escape,
    quote,
)
from bot.slack.render.wording import card_text, deprecation, plain
from bot.terms import Status, Term

DEFINE_ACTION = "define_term"
SHARE_ACTION = "share_term"
SUGGEST_ACTION = "suggest_term"
"""The *Suggest a term* button on misses and "did you mean" answers; its value is the query."""
SUGGEST_VALUE_LIMIT = 150
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


def _message(text: str, blocks: list[Json]) -> Message:
    """``text`` is escaped mrkdwn too: Slack formats the fallback and shows it in notifications."""
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
    return _message(plain(card.term, card.replacement), blocks)


def shared_message(card: Card, user: str) -> Message:
    """The card posted for everyone when someone shares it (never labelled: it is public)."""
    blocks = card_blocks(replace(card, labelled=False), shared_by=user)
    return _message(plain(card.term, card.replacement), blocks)


def withheld_message(title: str) -> Message:
    """Said privately instead of sharing an internal term where partners read."""
    text = f"“{clip_escaped(title, 150)}” is internal: I don't share it in channels with partners."
    return _message(text, [section(text)])


def suggest_block(answer: Answer) -> Json | None:
    """The *Suggest a term* button for a miss or a "did you mean" (None: nothing was asked)."""
    asked = answer.asked.strip()[:SUGGEST_VALUE_LIMIT]
    if not asked:
        return None
    return build_actions(("Suggest a term", SUGGEST_ACTION, asked))


def answer_message(answer: Answer, *, shareable: bool = True) -> Message:
    """The reply to a lookup, for each of found / ambiguous / suggest / none."""
    result = answer.result
    asked = quote(result.query)
    if answer.hidden:
        text = f"Sorry, there is no partner-facing glossary entry for {asked}."
        return _message(text, [build_section(text)])
    if result.status is Status.FOUND and answer.cards:
        return term_message(answer.cards[0], shareable=shareable)
    if result.status is Status.AMBIGUOUS:
        intro = f"{asked} has {len(answer.cards)} meanings in the glossary:"
        blocks = [build_section(intro)]
        for card in answer.cards[:MAX_CARDS]:
            blocks.append(DIVIDER)
            blocks.extend(card_blocks(card, shareable=shareable))
        names = escape(", ".join(c.term.title for c in answer.cards))
        return _message(f"{asked} has {len(answer.cards)} meanings: {names}", blocks)
    if result.status is Status.SUGGEST:
        which = "this" if len(result.terms) == 1 else "one of these"
        text = f"I don't have an entry for {asked}. Did you mean {which}?"
        blocks = [build_section(text), *term_buttons(result.terms)]
    else:
        text = f"Sorry, there is no glossary entry for {asked} yet."
        if answer.counts:
            text += " I've noted it for the maintainers."
        blocks = [build_section(text)]
    suggest = suggest_block(answer)
    if suggest is not None:
        blocks.append(suggest)
    if answer.searched:
        blocks.append(context("Entries that mention it:"))
        blocks.extend(term_buttons(answer.searched))
    blocks.append(context(_HINT))
    return _message(text.replace("*", ""), blocks)


_HINT = "Try `/define search &lt;words&gt;`, or browse every term with `/define list`."


def help_message(help: Help | None = None) -> Message:
    """How to use the bot. Its first line says who sees it, and must be true: ``/define help``
    is private, an empty @mention is answered in the channel's thread."""
    private = help is None or help.private
    who = "only you see the answer" if private else "`/define` answers are private"
    text = (
        f"*Look up partnership jargon — {who}.*\n"
        "• `/define EQL` or `/define what's a VAD?` — a term, acronym or alias; typos are fine\n"
        "• `/define search commission` — every entry that mentions some words\n"
        "• `/define list` — the categories; `/define list pricing` — the terms in one\n"
        "• Each answer has a *Share in channel* button. The Home tab lets you browse everything."
    )
    return _message("How to use /define", [section(text)])


def _short(label: str) -> str:
    """The first word of a category, which ``/define list`` accepts as a prefix."""
    return label.split()[0].lower()


def chatter_message() -> Message:
    """The reply to "thanks", "test" and the like: friendly, and what to try instead."""
    text = (
        "Hi! I explain partnership jargon. Ask me about a term — `EQL`, `what's a VAR?`, "
        "`co-selling` — or type `/define help` anywhere."
    )
    return _message(text, [section(text)])


def categories_message(categories: Categories) -> Message:
    lines = [
        f"• *{escape(label)}* — {count} terms  (`/define list {escape(_short(label))}`)"
        for label, count in categories.counts
    ]
    text = f"*The glossary has {categories.total} terms in these categories:*\n" + "\n".join(lines)
    blocks = [section(text)]
    if categories.unknown is not None:
        missing = f"There is no category {quote(categories.unknown)}."
        return _message(missing, [build_section(missing), *blocks])
    return _message("Glossary categories", blocks)


def category_message(found: CategoryTerms) -> Message:
    label, terms = found.label, found.terms
    shown = terms[:MAX_LIST]
    blocks = [header(f"{label} ({len(terms)})"), *term_buttons(shown)]
    if len(terms) > len(shown):
        blocks.append(context(f"…and {len(terms) - len(shown)} more: browse them in my Home tab."))
    return _message(f"{escape(label)}: {len(terms)} terms", blocks)


def search_message(results: SearchResults) -> Message:
    query, terms = results.query, results.terms
    if not terms:
        text = f"Nothing in the glossary mentions {quote(query)}."
        return _message(text, [build_section(text)])
    text = f"*{len(terms)} entries mention {quote(query)}*, best match first:"
    return _message(text.replace("*", ""), [build_section(text), *term_buttons(terms)])


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


def terms_message(found: TermList) -> Message:
    """Several terms in full (message shortcut, mentions naming several terms)."""
    cards = found.cards
    if not cards:
        return _message(found.empty, [section(escape(found.empty))])
    blocks: list[Json] = []
    for card in cards[:MAX_CARDS]:
        if blocks:
            blocks.append(DIVIDER)
        blocks.extend(card_blocks(card))
    if len(cards) > MAX_CARDS:
        rest = ", ".join(escape(c.term.title) for c in cards[MAX_CARDS:])
        blocks.append(context(f"Also in the message: {rest}"))
    names = escape(", ".join(c.term.title for c in cards))
    return _message(f"Glossary terms: {names}", blocks)


def define_message(reply: DefineReply) -> Message:
    """The private answer to ``/define``, whatever kind of reply it is."""
    if isinstance(reply, Help):
        return help_message(reply)
    if isinstance(reply, Categories):
        return categories_message(reply)
    if isinstance(reply, CategoryTerms):
        return category_message(reply)
    if isinstance(reply, SearchResults):
        return search_message(reply)
    return answer_message(reply)


def ask_message(reply: AskReply) -> Message:
    """The answer to a mention or DM (in a conversation, so without Share buttons)."""
    if isinstance(reply, Help):
        return help_message(reply)
    if isinstance(reply, Chatter):
        return chatter_message()
    if isinstance(reply, TermList):
        return terms_message(reply)
    return answer_message(reply, shareable=False)
