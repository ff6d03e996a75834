"""The glossary's value objects.

Everything here is immutable and imports only the standard library, so the term service can be
used (and tested) from the CLI, the Slack app or a notebook alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry, as written by the glossary's maintainers."""

    term: str
    category: str
    definition: str
    acronyms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    auto_expand: bool = True
    source: str = ""
    line: int = 0
    # -- governance (issue 9): who may read it, who owns it, where it is in its life ---------
    audience: str = "public"
    """``Audience``: internal (never shown where partners read), partner or public."""
    partner_definition: str | None = None
    """The wording partners see (shared channels, ``export --audience partner``), if different."""
    owner: str | None = None
    """Who keeps it current: a Slack user (``U…``/``W…``), a user group (``S…``) or an email."""
    reviewed: date | None = None
    """When its owner last confirmed it."""
    review_every_days: int | None = None
    """How often it must be reviewed (``review_every: 180d``; the file default applies)."""
    status: str = "active"
    """``Lifecycle``: a draft is never shown; a deprecated term points to ``replaced_by``."""
    replaced_by: str | None = None

    # Value equality as the dataclass would generate it, made cheap: the indexes and the Slack
    # layer keep Terms in sets, dicts and ``in`` checks, where the generated methods built a
    # tuple of every field (the definition included) on each call. Equal terms have equal
    # names, so the name's (cached) hash is a valid hash, and two different terms almost
    # always differ by name, so comparing it first settles nearly every comparison. (Identity
    # equality, ``eq=False``, would be cheaper still, but callers and tests compare Terms of
    # separately loaded glossaries, e.g. tests/terms/test_seed.py.)
    def __hash__(self) -> int:
        return hash(self.term)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Term) or other.__class__ is not self.__class__:
            return NotImplemented
        return self.term == other.term and _values(self) == _values(other)

    @property
    def acronym(self) -> str | None:
        """The main acronym, for display ("Ecosystem Qualified Lead (EQL)")."""
        return self.acronyms[0] if self.acronyms else None

    @property
    def title(self) -> str:
        """Name with its acronym, unless the name already is or contains it."""
        if self.acronym and self.acronym not in self.term:
            return f"{self.term} ({self.acronym})"
        return self.term

    def to_dict(self) -> dict[str, object]:
        """The public JSON shape used by ``--json`` outputs."""
        return {
            "term": self.term,
            "acronym": list(self.acronyms) if len(self.acronyms) > 1 else self.acronym,
            "aliases": list(self.aliases),
            "category": self.category,
            "definition": self.definition,
            "related": list(self.related),
        }


def _values(term: Term) -> tuple[object, ...]:
    return tuple(getattr(term, f.name) for f in fields(term))


class Audience(StrEnum):
    """Who may read a term's explanation: an internal one never reaches a shared channel."""

    INTERNAL = "internal"
    PARTNER = "partner"
    PUBLIC = "public"


class Lifecycle(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    DEPRECATED = "deprecated"


class Status(StrEnum):
    """How confident a lookup is; the Slack layer words each one differently."""

    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The answer to "what is X?": a status and the terms, best first."""

    query: str
    status: Status
    terms: tuple[Term, ...] = ()
    subject: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "status": self.status.value,
            "terms": [t.to_dict() for t in self.terms],
        }


class Match(NamedTuple):
    """A glossary term found in a message: ``text[start:end]`` is what was written.

    A named tuple rather than a frozen dataclass: scanning creates one per hit, and a tuple is
    built at a quarter of the cost (measured with bench/profile_terms.py).
    """

    term: Term
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"term": self.term.term, "text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A full-text search result with its relevance score (higher is better)."""

    term: Term
    score: float = field(compare=False)
