"""What a glossary reload changed in what terms *say*: the content of an announcement.

A pure function of two term lists (the glossary served before a reload and after it), so the
same answer comes out on every replica and in a unit test. Only changes a reader would notice
count: a new term, a removed one, a deprecation (or a new successor), and a changed
``definition`` or ``partner_definition``. Owners, review dates, aliases or a re-wrapped line
of YAML change nothing a reader sees, so an edit of only those announces nothing. Drafts are
never shown, so they are treated as absent: a draft that becomes active is new, an active
term turned back into a draft is removed. A rename is the old name removed and the new one
added. A term whose internal ``definition`` changed while what partners read (its
``partner_definition``) did not is also in ``internal_wording``, so a channel shared with
partners is not told of a change it cannot see (nor that the internal wording moved).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.terms.model import Lifecycle, Term
from bot.terms.text import fold

__all__ = ["Changes", "Deprecated", "diff_terms"]


@dataclass(frozen=True, slots=True)
class Deprecated:
    """A term now deprecated, and the term to use instead (None if unnamed or unknown)."""

    term: Term
    successor: Term | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    """Each group alphabetical; ``removed`` holds the terms as they were before."""

    added: tuple[Term, ...] = ()
    changed: tuple[Term, ...] = ()
    deprecated: tuple[Deprecated, ...] = ()
    removed: tuple[Term, ...] = ()
    internal_wording: tuple[Term, ...] = ()
    """The ``changed`` terms whose partner wording is as before: not a change for partners."""

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.deprecated or self.removed)


def diff_terms(before: Iterable[Term], after: Iterable[Term]) -> Changes:
    """What changed from ``before`` to ``after``, as readers of the glossary see it."""
    old = _shown(before)
    new = _shown(after)
    added: list[Term] = []
    changed: list[Term] = []
    deprecated: list[Deprecated] = []
    internal: list[Term] = []
    for key, term in new.items():
        previous = old.get(key)
        if _is_deprecated(term) and (
            previous is None
            or not _is_deprecated(previous)
            or fold(previous.replaced_by or "") != fold(term.replaced_by or "")
        ):
            successor = new.get(fold(term.replaced_by)) if term.replaced_by else None
            deprecated.append(Deprecated(term, successor))
        elif previous is None:
            added.append(term)
        elif _says(previous) != _says(term) or _is_deprecated(previous) != _is_deprecated(term):
            changed.append(term)
            same_for_partners = _partners_read(previous) == _partners_read(term)
            if same_for_partners and _is_deprecated(previous) == _is_deprecated(term):
                internal.append(term)
    removed = [term for key, term in old.items() if key not in new]
    return Changes(
        added=_sorted(added),
        changed=_sorted(changed),
        deprecated=tuple(sorted(deprecated, key=lambda d: d.term.term.casefold())),
        removed=_sorted(removed),
        internal_wording=_sorted(internal),
    )


def _shown(terms: Iterable[Term]) -> dict[str, Term]:
    return {fold(t.term): t for t in terms if t.status != Lifecycle.DRAFT}


def _is_deprecated(term: Term) -> bool:
    return term.status == Lifecycle.DEPRECATED


def _says(term: Term) -> tuple[str, str]:
    """The wording readers get, whitespace-normalised (a re-wrapped YAML line is no change)."""
    return " ".join(term.definition.split()), " ".join((term.partner_definition or "").split())


def _partners_read(term: Term) -> str:
    """What a shared channel shows of the term: its partner wording, else its definition."""
    return " ".join((term.partner_definition or term.definition).split())


def _sorted(terms: list[Term]) -> tuple[Term, ...]:
    return tuple(sorted(terms, key=lambda t: t.term.casefold()))
