"""Which terms need their owners' attention: overdue reviews and terms nobody owns.

Pure (terms and a date in, values out) so that ``check --stale`` in CI, the weekly owner
reminders and the maintainers' App Home section all agree on one answer, and tests need no
clock. A term is due ``review_every`` days after ``reviewed`` and overdue from the day after;
one with a ``review_every`` but no ``reviewed`` has never been reviewed; one without an
``owner`` has nobody to remind. A term can have several of these at once, so each is its own
``Overdue``; all come ordered by file and line, the order an editor walks them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.terms.model import Term


class Why(StrEnum):
    """Why a term is listed; the value is how ``check --stale`` words it."""

    OVERDUE = "overdue"
    NEVER_REVIEWED = "never reviewed"
    NO_OWNER = "no owner"


_ORDER = {why: rank for rank, why in enumerate(Why)}


@dataclass(frozen=True, slots=True)
class Overdue:
    """One reason ``term`` needs attention; ``since`` is its due date when ``OVERDUE``."""

    term: Term
    why: Why
    since: date | None = None

    def __str__(self) -> str:
        """``file:line: term: overdue since 2026-05-30`` (or ``no owner``, ``never reviewed``)."""
        what = f"overdue since {self.since.isoformat()}" if self.since else self.why.value
        return f"{self.term.source}:{self.term.line}: {self.term.term}: {what}"


def overdue(terms: Iterable[Term], today: date) -> list[Overdue]:
    """Every reason each term needs attention on ``today``, ordered by file and line."""
    found: list[Overdue] = []
    for term in terms:
        if term.review_every_days is not None:
            if term.reviewed is None:
                found.append(Overdue(term, Why.NEVER_REVIEWED))
            elif (due := _due(term.reviewed, term.review_every_days)) and due < today:
                found.append(Overdue(term, Why.OVERDUE, due))
        if not term.owner:
            found.append(Overdue(term, Why.NO_OWNER))
    found.sort(key=lambda o: (o.term.source, o.term.line, _ORDER[o.why]))
    return found


def _due(reviewed: date, days: int) -> date | None:
    """None past year 9999: never due (the loader caps ``review_every``; others may not)."""
    try:
        return reviewed + timedelta(days=days)
    except OverflowError:
        return None
