"""The values the service hands to the Slack layer: everything a renderer needs, nothing to query.

A renderer receives one of these and returns Block Kit; it never asks the glossary or the store
anything. So a term always travels with its related terms (``Card``), a Home page with its
counts and its slice of terms (``HomePage``), and the Slack layer stays a pure function of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.terms import LookupResult, Status, Term

_SLACK_MARKUP = re.compile(r"(?:<|&lt;)[^<>]*?(?:>|&gt;)")
"""A mention, channel link or URL as Slack writes it, raw or escaped as typed in a command."""


class View(StrEnum):
    """Who may read an answer. ``PARTNER``: a shared channel (or one whose settings force the
    partner view), where internal terms and internal wording never appear. ``INTERNAL``: DMs,
    private answers and the workspace's own channels."""

    INTERNAL = "internal"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Card:
    """One term as shown on a card: the term and its related terms that exist.

    In the partner view the service hands over copies of the terms with the partner wording as
    their ``definition`` and no internal-only field, so a renderer cannot show the wrong one."""

    term: Term
    related: tuple[Term, ...] = ()
    replacement: Term | None = None
    """The term to use instead, when ``term`` is deprecated (its definition is the one shown)."""
    labelled: bool = False
    """A private answer: show the partner wording beside the internal one, each labelled."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A lookup: the cards it found, or suggestions, plus full-text results to offer."""

    result: LookupResult
    cards: tuple[Card, ...] = ()
    searched: tuple[Term, ...] = ()
    hidden: bool = False
    """Partner view: the query names only internal terms, so the answer says there is no
    partner-facing entry and shows nothing of them."""
    counts: bool = True
    """Whether it is a real lookup worth recording (a long sentence in a mention is not)."""
    subject: str = ""
    """What a miss asked about, folded ("what's a zorb?" → "zorb"); "": the lookup's own."""

    @property
    def found(self) -> bool:
        return self.result.status in (Status.FOUND, Status.AMBIGUOUS)

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def query(self) -> str:
        return self.result.query

    @property
    def counted(self) -> str | None:
        """The term this lookup counts for (an ambiguous one counts for its first meaning:
        it was answered, not missed), or None for a miss."""
        return self.result.terms[0].term if self.found else None

    @property
    def asked(self) -> str:
        """What the asker looked up, in their own letters: "what's a Zorb?" → "Zorb".

        ``subject`` is folded; the same span of the query keeps the asker's casing (for the
        *Suggest a term* button). When folding changed more than case (punctuation, length),
        the whole query is what was asked. Slack's mentions and links (``<@U…>``, ``<!here>``)
        are dropped: a miss keeps no one's id, and a button's value never carries a ping."""
        subject, query = self.subject or self.result.subject, self.result.query
        start = query.casefold().find(subject) if subject else -1
        if start < 0 or len(query.casefold()) != len(query):
            asked = query
        else:
            asked = query[start : start + len(subject)]
        return " ".join(_SLACK_MARKUP.sub(" ", asked).replace("<", " ").replace(">", " ").split())

    @property
    def suggestions(self) -> tuple[Term, ...]:
        return self.result.terms if self.result.status is Status.SUGGEST else ()


@dataclass(frozen=True, slots=True)
class TermList:
    """Several terms in full (the message shortcut, a question that names several terms)."""

    cards: tuple[Card, ...]
    empty: str = "No glossary terms there."


@dataclass(frozen=True, slots=True)
class Help:
    """``/define help`` or an empty mention; ``private`` says whether only the asker sees it."""

    private: bool = True


@dataclass(frozen=True, slots=True)
class Chatter:
    """A DM or mention that is not a lookup ("thanks", "test"): a friendly pointer, no miss."""


@dataclass(frozen=True, slots=True)
class Categories:
    """Every category with its number of terms, and the glossary's size."""

    counts: tuple[tuple[str, int], ...]
    total: int
    unknown: str | None = None
    """The category the user asked for that does not exist, if that is why this is shown."""


@dataclass(frozen=True, slots=True)
class CategoryTerms:
    label: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """What to post in a thread: terms explained in full, then terms only named."""

    full: tuple[Term, ...]
    more: tuple[Term, ...] = field(default=())
    replacements: tuple[tuple[str, Term], ...] = ()
    """(deprecated term's name, the term to use instead) for the deprecated ones in ``full``."""

    def replacement(self, term: Term) -> Term | None:
        return next((new for old, new in self.replacements if old == term.term), None)


@dataclass(frozen=True, slots=True)
class HomePage:
    """Everything the App Home tab shows for one state (see bot.slack.home_state)."""

    title: str
    terms: tuple[Term, ...]
    """This page's terms."""
    matched: int
    """How many terms the current mode selects (all pages)."""
    page: int
    pages: int
    categories: tuple[tuple[str, int], ...]
    letters: tuple[str, ...]
    top: tuple[Term, ...]
    total: int


DefineReply = Answer | Help | Categories | CategoryTerms | SearchResults
"""What ``/define <text>`` can answer."""
AskReply = Answer | TermList | Help | Chatter
"""What a mention or DM can answer."""
