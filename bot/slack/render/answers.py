"""Block Kit for replies to someone who asked: ``/define`` answers, help, lists, search results.

Apart from the term card (``render.cards``) because these decide what an answer says around the
cards (several meanings, "did you mean", a miss with its *Suggest a term* button, the lists and
help), while a card is the same wherever it appears. Pure functions from term-service values to
``Message``; every user- or glossary-supplied string is escaped and clipped (``render.text``).
"""

from __future__ import annotations

from bot.replies import (
    Answer,
    AskReply,
    Categories,
    CategoryTerms,
    Chatter,
    DefineReply,
    Help,
    SearchResults,
    TermList,
)
from bot.slack.render.blocks import (
    DIVIDER,
    Json,
    build_actions,
    build_section,
    context,
    header,
    section,
)
from bot.slack.render.cards import Message, card_blocks, message, term_buttons, term_message
from bot.slack.render.text import escape, quote
from bot.terms import Status

SUGGEST_ACTION = "suggest_term"
"""The *Suggest a term* button on misses and "did you mean" answers; its value is the query."""
SUGGEST_VALUE_LIMIT = 150
MAX_LIST = 40
"""Terms listed in one message (Slack allows 50 blocks)."""
MAX_CARDS = 8
"""Cards in one message: 8 × (5 blocks + a divider) stays under Slack's 50 blocks."""


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
        return message(text, [build_section(text)])
    if result.status is Status.FOUND and answer.cards:
        return term_message(answer.cards[0], shareable=shareable)
    if result.status is Status.AMBIGUOUS:
        intro = f"{asked} has {len(answer.cards)} meanings in the glossary:"
        blocks = [build_section(intro)]
        for card in answer.cards[:MAX_CARDS]:
            blocks.append(DIVIDER)
            blocks.extend(card_blocks(card, shareable=shareable))
        names = escape(", ".join(c.term.title for c in answer.cards))
        return message(f"{asked} has {len(answer.cards)} meanings: {names}", blocks)
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
    return message(text.replace("*", ""), blocks)


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
    return message("How to use /define", [section(text)])


def _short(label: str) -> str:
    """The first word of a category, which ``/define list`` accepts as a prefix."""
    return label.split()[0].lower()


def chatter_message() -> Message:
    """The reply to "thanks", "test" and the like: friendly, and what to try instead."""
    text = (
        "Hi! I explain partnership jargon. Ask me about a term — `EQL`, `what's a VAR?`, "
        "`co-selling` — or type `/define help` anywhere."
    )
    return message(text, [section(text)])


def categories_message(categories: Categories) -> Message:
    lines = [
        f"• *{escape(label)}* — {count} terms  (`/define list {escape(_short(label))}`)"
        for label, count in categories.counts
    ]
    text = f"*The glossary has {categories.total} terms in these categories:*\n" + "\n".join(lines)
    blocks = [section(text)]
    if categories.unknown is not None:
        missing = f"There is no category {quote(categories.unknown)}."
        return message(missing, [build_section(missing), *blocks])
    return message("Glossary categories", blocks)


def category_message(found: CategoryTerms) -> Message:
    label, terms = found.label, found.terms
    shown = terms[:MAX_LIST]
    blocks = [header(f"{label} ({len(terms)})"), *term_buttons(shown)]
    if len(terms) > len(shown):
        blocks.append(context(f"…and {len(terms) - len(shown)} more: browse them in my Home tab."))
    return message(f"{escape(label)}: {len(terms)} terms", blocks)


def search_message(results: SearchResults) -> Message:
    query, terms = results.query, results.terms
    if not terms:
        text = f"Nothing in the glossary mentions {quote(query)}."
        return message(text, [build_section(text)])
    text = f"*{len(terms)} entries mention {quote(query)}*, best match first:"
    return message(text.replace("*", ""), [build_section(text), *term_buttons(terms)])


def terms_message(found: TermList) -> Message:
    """Several terms in full (message shortcut, mentions naming several terms)."""
    cards = found.cards
    if not cards:
        return message(found.empty, [section(escape(found.empty))])
    blocks: list[Json] = []
    for card in cards[:MAX_CARDS]:
        if blocks:
            blocks.append(DIVIDER)
        blocks.extend(card_blocks(card))
    if len(cards) > MAX_CARDS:
        rest = ", ".join(escape(c.term.title) for c in cards[MAX_CARDS:])
        blocks.append(context(f"Also in the message: {rest}"))
    names = escape(", ".join(c.term.title for c in cards))
    return message(f"Glossary terms: {names}", blocks)


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
