"""The exact half of ``/define``: every name, acronym, alias and head by the spelling they share.

Each form is stored once, by its folded singular without spaces ("White-label partners" →
"whitelabelpartner"), which every spelling bot.terms.lookup accepts reduces to: case, hyphens,
spaces, punctuation, singular or plural, run together. Which spelling matched (the more literal
wins between two terms) is decided by the lookup for the few terms found, rather than storing
five keys per form.

Why packed integers: at 100,000 terms there are 300,000 forms; an entry is ``term << 2 | kind``
(an int), and the few forms several terms share hold a tuple of them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any

from bot.terms.index_cache import is_texts, pack, unpack
from bot.terms.text import singular, singular_phrase

# Kinds of exact forms, best first (two bits of an entry).
NAME, ACRONYM, ALIAS, HEAD = 0, 1, 2, 3


def canonical(folded: str) -> str:
    """What every spelling of a form reduces to: singular, without spaces."""
    return singular_phrase(folded).replace(" ", "")


class ExactForms:
    """Terms by every form's canonical spelling."""

    def __init__(self, forms: Iterable[tuple[str, int, int]]) -> None:
        """``forms``: (folded form, kind, term number)."""
        self._table: dict[str, int | tuple[int, ...]] = {}
        singulars: dict[str, str] = {}  # singular() once per distinct last word
        for form, kind, term in forms:
            if not form:
                continue
            head, _, last = form.rpartition(" ")
            one = singulars.get(last)
            if one is None:
                one = singulars[last] = singular(last)
            self._add(f"{head}{one}".replace(" ", ""), term << 2 | kind)

    def to_data(self) -> dict[str, object]:
        """The table as plain JSON data (bot.terms.index_cache keeps it between starts)."""
        table = self._table
        keys = [key for key, entry in table.items() if type(entry) is int]
        return {
            "keys": keys,
            "entries": pack(array("q", [table[key] for key in keys])),
            "shared": [[key, list(e)] for key, e in table.items() if isinstance(e, tuple)],
        }

    @classmethod
    def from_data(cls, data: Any, terms: int) -> ExactForms:
        """The table ``to_data`` gave, for ``terms`` terms; TypeError/ValueError unless every
        key is text and every entry a kind of one of the terms."""
        keys, entries, limit = data["keys"], unpack(data["entries"], "q"), 4 * terms
        if not is_texts(keys) or len(keys) != len(entries):
            raise TypeError("keys are not text")
        if entries and not 0 <= min(entries) <= max(entries) < limit:
            raise ValueError("an entry is out of range")
        table: dict[str, int | tuple[int, ...]] = dict(zip(keys, entries, strict=True))
        for key, shared in data["shared"]:
            checked = array("q", shared)
            if type(key) is not str or not 0 <= min(checked, default=-1) <= max(checked) < limit:
                raise ValueError("malformed shared entry")
            table[key] = tuple(checked)
        forms = cls(())
        forms._table = table
        return forms

    def _add(self, key: str, entry: int) -> None:
        known = self._table.get(key)
        if known is None:
            self._table[key] = entry
        elif isinstance(known, int):
            if known != entry:
                self._table[key] = (known, entry)
        elif entry not in known:
            self._table[key] = (*known, entry)

    def entries(self, folded: str) -> list[tuple[int, int]]:
        """(kind, term) of every form ``folded`` spells."""
        known = self._table.get(canonical(folded), ())
        entries = (known,) if isinstance(known, int) else known
        return [(entry & 3, entry >> 2) for entry in entries]

    def best(self, folded: str) -> tuple[int, list[int]] | None:
        """The best kind of form ``folded`` spells, and the terms (in order) with one."""
        entries = self.entries(folded)
        if not entries:
            return None
        kind = min(kind for kind, _ in entries)
        return kind, sorted({term for other, term in entries if other == kind})
