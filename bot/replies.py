"""The values the service hands to the Slack layer: everything a renderer needs, nothing to query.

A renderer receives one of these and returns Block Kit; it never asks the glossary or the store
anything. So a term always travels with its related terms (``Card``), a Home page with its
counts and its slice of terms (``HomePage``), and the Slack layer stays a pure function of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.terms import LookupResult, Status, Term


@dataclass(frozen=True, slots=True)
class Card:
    """One term as shown on a card: the term and its related terms that exist."""

    term: Term
    related: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """A lookup: the cards it found, or suggestions, plus full-text results to offer."""

    result: LookupResult
    cards: tuple[Card, ...] = ()
    searched: tuple[Term, ...] = ()

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
