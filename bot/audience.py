"""Who may read what: the internal and the partner view of the glossary's terms.

The service applies a ``View`` before anything reaches a renderer. In the partner view an
``internal`` term does not exist, and every other term is a copy whose ``definition`` is its
partner wording and whose internal-only fields (owner, review dates) are gone: a renderer, or a
future field shown on a card, cannot leak what it never receives. Deprecated terms carry the
term to use instead, itself in the same view. Drafts never reach this module (the glossary
keeps them out of its indexes); they are refused here too, as the cheapest second line.

``answer`` is the lookup in a view: a query that names only internal terms is ``hidden`` where
partners read (the reply says there is no partner-facing entry), and "did you mean" and search
results offer only what the view may show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from bot.replies import Answer, Card, View
from bot.terms import Glossary, Status, Term
from bot.terms.model import Audience, Lifecycle
from bot.terms.questions import reduce_question
from bot.terms.text import fold

__all__ = ["answer", "card", "cards", "normalised", "replacement", "visible", "visible_all"]

SEARCH_FALLBACK = 5
"""Full-text results offered when a lookup has no confident answer."""
_ANSWERED = (Status.FOUND, Status.AMBIGUOUS)


def visible(term: Term | None, view: View) -> Term | None:
    """``term`` as ``view`` may show it, or None when it may not be shown at all."""
    if term is None or term.status == Lifecycle.DRAFT:
        return None
    if view is View.INTERNAL:
        return term
    if term.audience == Audience.INTERNAL:
        return None
    return dataclasses.replace(
        term,
        definition=term.partner_definition or term.definition,
        partner_definition=None,
        owner=None,
        reviewed=None,
        review_every_days=None,
    )


def visible_all(terms: Iterable[Term], view: View) -> tuple[Term, ...]:
    """The terms ``view`` may show, in order, each as it may show it."""
    return tuple(shown for shown in (visible(t, view) for t in terms) if shown is not None)


def replacement(glossary: Glossary, term: Term, view: View) -> Term | None:
    """The term a deprecated ``term`` points to, as ``view`` may show it (None: none to show)."""
    target = glossary.replacement(term)
    if target is None or target.term == term.term:
        return None
    return visible(target, view)


def card(glossary: Glossary, term: Term, view: View, *, labelled: bool = False) -> Card | None:
    """The card ``view`` may show for ``term`` (None: an internal term in the partner view)."""
    shown = visible(term, view)
    if shown is None:
        return None
    related = visible_all(glossary.related(term), view)
    labelled = labelled and view is View.INTERNAL
    return Card(shown, related, replacement(glossary, term, view), labelled)


def cards(
    glossary: Glossary, terms: Sequence[Term], view: View, *, labelled: bool = False
) -> tuple[Card, ...]:
    """The cards ``view`` may show for ``terms``, in order."""
    found = (card(glossary, t, view, labelled=labelled) for t in terms)
    return tuple(c for c in found if c is not None)


def answer(glossary: Glossary, query: str, view: View, *, labelled: bool = False) -> Answer:
    """The answer to "what is <query>?" as ``view`` may show it; near-misses and misses come
    with full-text results. Where partners read, a query that names only internal terms gets
    a ``hidden`` answer, and "did you mean" offers nothing they may not see."""
    result = glossary.define(query)
    searched: tuple[Term, ...] = ()
    if result.status in (Status.SUGGEST, Status.NONE):
        offered = set(result.terms)
        hits = glossary.search(result.subject or query, SEARCH_FALLBACK + len(offered))
        others = (h.term for h in hits if h.term not in offered)
        searched = visible_all(others, view)[:SEARCH_FALLBACK]
    if result.status not in _ANSWERED:
        if view is View.PARTNER:
            shown = visible_all(result.terms, view)
            status = result.status if shown else Status.NONE
            result = dataclasses.replace(result, terms=shown, status=status)
        return Answer(result, (), searched, subject=reduce_question(fold(query)))
    found = cards(glossary, result.terms, view, labelled=labelled)
    if not found:  # every meaning is internal: say so, and show none of them
        return Answer(result, hidden=True)
    if len(found) < len(result.terms):
        status = Status.FOUND if len(found) == 1 else Status.AMBIGUOUS
        terms = tuple(c.term for c in found)
        result = dataclasses.replace(result, status=status, terms=terms)
    return Answer(result, found, searched)


def normalised(query: str) -> str:
    """A query as misses and counts keep it: case-folded, whitespace collapsed."""
    return " ".join(query.split()).casefold()
