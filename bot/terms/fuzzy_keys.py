"""The keys fuzzy matching scores: every folded name, title, alias and head, with the terms that
own each and, for each word, the keys holding it — for bot.terms.fuzzy, which narrows them.

Why plain arrays: at 100,000 terms there are 300,000 keys and 175,000 words; owners are one
array (a tuple only for the few keys of several terms), and the postings of every word are
slices of one flat array, where a dict of lists cost ~20 MB more. The same arrays are what
bot.terms.index_cache keeps between starts (``to_data``/``from_data``).
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from bot.terms.index_cache import is_texts, pack, unpack


class FuzzyKeys:
    """Keys sorted by length (stable: equal lengths keep the glossary's order), their owners,
    and the positions of the keys holding each word."""

    @classmethod
    def build(cls, keys: Iterable[tuple[str, int]], names: Sequence[str]) -> FuzzyKeys:
        """The table of ``keys`` (folded key, term number), owners ordered by ``names``."""
        first: dict[str, int] = {}
        more: dict[str, list[int]] = {}  # the few keys of several terms
        for key, term in keys:
            known = first.setdefault(key, term)
            if known != term:
                others = more.setdefault(key, [known])
                if term not in others:
                    others.append(term)
        ordered = sorted(first, key=len)  # stable: equal lengths keep the glossary's order
        postings: dict[str, list[int]] = {}
        for position, key in enumerate(ordered):
            for word in key.split():
                known_positions = postings.get(word)
                if known_positions is None:
                    postings[word] = [position]
                elif known_positions[-1] != position:
                    known_positions.append(position)
        return cls(
            ordered,
            array("i", [first[k] for k in ordered]),
            {
                position: tuple(sorted(more[k], key=names.__getitem__))
                for position, k in enumerate(ordered)
                if k in more
            },
            list(postings),
            array("i", itertools.accumulate(map(len, postings.values()), initial=0)),
            array("i", itertools.chain.from_iterable(postings.values())),
        )

    def __init__(
        self,
        keys: list[str],
        first_owner: array[int],
        more_owners: dict[int, tuple[int, ...]],
        words: list[str],
        starts: array[int],
        flat: array[int],
    ) -> None:
        """Postings are one flat array: the keys of ``words[row]`` are
        ``flat[starts[row]:starts[row + 1]]`` (a dict of lists cost ~20 MB at 100,000 terms)."""
        self.keys = keys
        self.lengths = array("H", map(min, map(len, keys), itertools.repeat(0xFFFF)))
        self._first_owner = first_owner
        self._more_owners = more_owners
        self.rows = {word: row for row, word in enumerate(words)}
        self._starts = starts
        self._flat = memoryview(flat)

    def to_data(self) -> dict[str, object]:
        """The table as plain JSON data (bot.terms.index_cache keeps it between starts)."""
        return {
            "keys": self.keys,
            "first_owner": pack(self._first_owner),
            "more_owners": [[p, list(owners)] for p, owners in self._more_owners.items()],
            "words": list(self.rows),
            "starts": pack(self._starts),
            "flat": pack(self._flat),
        }

    @classmethod
    def from_data(cls, data: Any, names: Sequence[str]) -> FuzzyKeys:
        """The table ``to_data`` gave, for these term names; TypeError/ValueError unless every
        key is text and every number points inside the keys, the postings and the terms."""
        keys, words = data["keys"], data["words"]
        first_owner, starts, flat = (
            unpack(data[k], "i") for k in ("first_owner", "starts", "flat")
        )
        if not (is_texts(keys) and is_texts(words)) or len(first_owner) != len(keys):
            raise TypeError("keys or words are not text")
        if len(starts) != len(words) + 1 or starts[0] != 0 or starts[-1] != len(flat):
            raise ValueError("postings do not add up")
        if min(starts) < 0 or (flat and not 0 <= min(flat) <= max(flat) < len(keys)):
            raise ValueError("a posting is out of range")
        if first_owner and (min(first_owner) < 0 or max(first_owner) >= len(names)):
            raise ValueError("an owner is out of range")
        more: dict[int, tuple[int, ...]] = {}
        for position, owners in data["more_owners"]:
            checked = array("i", owners)
            if type(position) is not int or not 0 <= position < len(keys) or not checked:
                raise ValueError("malformed owners")
            if min(checked) < 0 or max(checked) >= len(names):
                raise ValueError("an owner is out of range")
            more[position] = tuple(checked)
        return cls(keys, first_owner, more, words, starts, flat)

    def __len__(self) -> int:
        return len(self.lengths)

    def key(self, position: int) -> str:
        return self.keys[position]

    def owners(self, position: int) -> tuple[int, ...]:
        """The terms of a key, by name."""
        return self._more_owners.get(position) or (self._first_owner[position],)

    def positions(self, word: str) -> Sequence[int]:
        """The keys holding ``word``, in order."""
        row = self.rows.get(word)
        if row is None:
            return ()
        return self._flat[self._starts[row] : self._starts[row + 1]]

    def has_word(self, word: str) -> bool:
        return word in self.rows
