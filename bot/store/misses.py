"""Counting misses the same way in every backend: one normalised query, however it was typed.

Misses are stored as asked (``recent_misses`` shows them so) and normalised when ``misses``
reads them: the backends group by the stored text and hand their groups to ``rank_misses``,
which merges the groups whose queries normalise alike. So Python's ``casefold`` decides, and
SQLite and PostgreSQL (whose ``lower`` differ) never have to agree on it.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.base import Miss


def normalised_query(query: str) -> str:
    """Casefolded, whitespace collapsed: "Tier  X " and "tier x" are one miss."""
    return " ".join(query.split()).casefold()


def rank_misses(groups: Iterable[tuple[str, int, float, float]], limit: int) -> list[Miss]:
    """``(query, count, first_seen, last_seen)`` groups merged by normalised query; most
    frequent first, then most recent, then alphabetical (so ties read the same everywhere)."""
    merged: dict[str, Miss] = {}
    for query, count, first, last in groups:
        key = normalised_query(query)
        seen = merged.get(key)
        if seen is not None:
            count += seen.count
            first, last = min(first, seen.first_seen), max(last, seen.last_seen)
        merged[key] = Miss(key, count, first, last)
    ranked = sorted(merged.values(), key=lambda m: (-m.count, -m.last_seen, m.query))
    return ranked[: max(limit, 0)]
