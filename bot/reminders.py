"""Who gets reminded of which overdue terms, and in which week: the pure half of reminders.

Overdue terms come from the term service (``Glossary.overdue``); this module groups them
by owner and then by the person to DM, since one person may own terms directly, through a user
group and by email, and must still get one message. Resolving a group or an email to people is
Slack's business, so it is passed in (``resolve``) and a failure there is the caller's to log.
Ownerless terms are nobody's to DM: the Maintainers section and ``check --stale`` list them.

Weeks are ISO weeks in UTC, the same on every replica, so a store claim per week
(``Week.key``) lets exactly one replica send them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.terms.review import Overdue

__all__ = ["Due", "Week", "by_owner", "owner_kind", "recipients"]

_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP = re.compile(r"S[A-Z0-9]{2,}")


@dataclass(frozen=True, slots=True)
class Due:
    """One overdue term as a reminder lists it: where to edit it and since when it is due."""

    term: str
    where: str
    since: date | None
    """When it fell due; None when it was never reviewed."""


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week in UTC: ``key`` is ``reminders:2026-W49``; ``start``/``end`` epoch seconds."""

    key: str
    start: float
    end: float

    @classmethod
    def of(cls, now: float) -> Week:
        today = datetime.fromtimestamp(now, UTC).date()
        year, week, weekday = today.isocalendar()
        monday = datetime.combine(today - timedelta(days=weekday - 1), datetime.min.time(), UTC)
        start = monday.timestamp()
        return cls(f"reminders:{year}-W{week:02d}", start, start + 7 * 86400.0)


def owner_kind(owner: str) -> str | None:
    """``user`` (U…/W…), ``group`` (S…), ``email``, or None for anything else."""
    owner = owner.strip()
    if _USER.fullmatch(owner):
        return "user"
    if _GROUP.fullmatch(owner):
        return "group"
    if "@" in owner.strip("@"):
        return "email"
    return None


def by_owner(items: Iterable[Overdue], root: Path | None = None) -> dict[str, list[Due]]:
    """Overdue terms per owner (ownerless ones left out), each list in glossary order.

    ``root`` makes file names relative (``glossary/partners.yaml:12`` rather than the
    container's absolute path), so the owner can find the line in their checkout.
    """
    owed: dict[str, list[Due]] = {}
    for item in items:
        owner = (item.term.owner or "").strip()
        if owner:
            where = f"{_relative(item.term.source, root)}:{item.term.line}"
            owed.setdefault(owner, []).append(Due(item.term.term, where, item.since))
    return owed


def recipients(
    owed: Mapping[str, Sequence[Due]], resolve: Callable[[str], Iterable[str]]
) -> dict[str, list[Due]]:
    """Overdue terms per Slack user id: each owner resolved to people (``resolve``), merged.

    A person reached through several owners gets each term once, sorted by file and line.
    """
    merged: dict[str, dict[tuple[str, str], Due]] = {}
    for owner, dues in owed.items():
        for user in resolve(owner):
            mine = merged.setdefault(user, {})
            for due in dues:
                mine.setdefault((due.where, due.term), due)
    return {user: sorted(dues.values(), key=_order) for user, dues in sorted(merged.items())}


def _relative(source: str, root: Path | None) -> str:
    if root is None or not source:
        return source
    try:
        return Path(source).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return source


def _order(due: Due) -> tuple[str, int, str]:
    file, _, line = due.where.rpartition(":")
    return file, int(line) if line.isdigit() else 0, due.term.casefold()
