"""How a term's wording reads on a card: deprecations redirected, private cards labelled.

The service already chose the view (``bot.audience``); these helpers only word it. Every
string returned is escaped mrkdwn, clipped so a labelled card keeps both of its wordings.
"""

from __future__ import annotations

from bot.slack.render.text import SECTION_LIMIT, clip_escaped, escape
from bot.terms import Term

INTERNAL_ONLY = "_Internal only: not shown in shared channels._"
LABEL_LIMIT = 1400
"""Each wording of a labelled card: two of them and their labels fit one section (3,000)."""


def _wording(term: Term, labelled: bool) -> str:
    """A term's definition as escaped mrkdwn; ``labelled``: with what partners see instead."""
    if not labelled:
        return clip_escaped(term.definition, SECTION_LIMIT)
    if term.audience == "internal":
        return f"{clip_escaped(term.definition, LABEL_LIMIT)}\n{INTERNAL_ONLY}"
    partner = term.partner_definition
    if not partner or partner == term.definition:
        return clip_escaped(term.definition, SECTION_LIMIT)
    return (
        f"*Internal:* {clip_escaped(term.definition, LABEL_LIMIT)}\n"
        f"*What partners see:* {clip_escaped(partner, LABEL_LIMIT)}"
    )


def deprecation(term: Term, replacement: Term | None) -> str:
    """ "*X* is deprecated; use *Y*." (escaped mrkdwn), or "" for a term still in use."""
    if replacement is not None:
        old, new = clip_escaped(term.title, 200), clip_escaped(replacement.title, 200)
        return f"*{old}* is deprecated; use *{new}*."
    if term.status == "deprecated":
        return f"*{clip_escaped(term.title, 200)}* is deprecated."
    return ""


def card_text(term: Term, replacement: Term | None, labelled: bool) -> str:
    """A card's section text: the deprecation, then the definition to read."""
    note = deprecation(term, replacement)
    wording = _wording(replacement or term, labelled)
    return f"{note}\n{wording}" if note else wording


def plain(term: Term, replacement: Term | None) -> str:
    """The fallback text of a card (escaped)."""
    if replacement is not None:
        use = f"{term.title} is deprecated; use {replacement.title}: {replacement.definition}"
        return escape(use)
    return escape(f"{term.title}: {term.definition}")
