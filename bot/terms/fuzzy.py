"""The fuzzy half of ``/define``: every name and alias as a key, and the index that narrows them.

Scoring every key with rapidfuzz costs ~250 ns a key, 20 ms at 100,000 terms, so a query scores
only the keys an index vouches for:

* ``found_candidates``: every key that can reach FOUND_SCORE against the query, found through
  the query's words and their neighbours one or two typos away (bot.terms.typos; see
  ``_narrowed``); answers are those of scoring every key, which tests/terms/test_lookup.py
  checks, except for typed junk in a very large glossary (see FULL_PASS_KEYS);
* ``suggestion_candidates``: the keys that share a word, or a one-typo neighbour of a word, with
  the query; "did you mean" offers the best of those, never a key with nothing in common.

Keys are sorted by length, so the keys long or short enough to reach a score are one slice;
words point to the positions of their keys (one flat array for all words).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz import fuzz, process

from bot.terms.fuzzy_keys import FuzzyKeys
from bot.terms.text import singular
from bot.terms.typos import Neighbours

FOUND_SCORE = 88.0
"""Indel ratio from which a fuzzy match is an answer (one typo in ~8 letters)."""
SUGGEST_SCORE = 72.0
"""Indel ratio from which a fuzzy match is worth offering as "did you mean"."""
LIMIT = 20
"""Best keys kept per scan: enough for five suggestions after merging a term's keys."""
NARROW_FROM = 1000
"""Fewer keys of a fitting length are scored faster than narrowed (~250 ns a key)."""
FULL_PASS_KEYS = 12_000
"""Beyond this many keys of a fitting length, narrowing follows simpler rules than "every key
that can score" (see ``_narrowed``): answers then differ from scoring every key only for a key
that differs from the query by three typos or more in each of its rarer words."""
MAX_SUGGESTION_KEYS = 4000
"""Suggestion candidates beyond this come only from the query's rarer words."""


class FuzzyIndex:
    """Narrowing over the keys (bot.terms.fuzzy_keys): which of them a query should score."""

    def __init__(self, table: FuzzyKeys) -> None:
        self.table = table
        self._keys, self._lengths, self._rows = table.keys, table.lengths, table.rows
        # The table's own methods, bound once: the narrowing calls them in its inner loops.
        self.key, self.owners, self.positions = table.key, table.owners, table.positions
        self._near = Neighbours(table.rows)
        self._common = max(64, len(table) // 64)  # more keys than that: leave the word out

    def prepare(self) -> None:
        """Build now what the first query that needs it would otherwise build (see typos)."""
        self._near.prepare()

    def __len__(self) -> int:
        return len(self.table)

    def scan(
        self, target: str, cutoff: float, among: Sequence[int] | None
    ) -> list[tuple[float, int]]:
        """(score, key position) of the best keys scoring ``cutoff`` or more, best first: among
        all keys of a length that can, or only those ``among`` them (the same, to that cutoff)."""
        low, high = self.window(len(target), cutoff)
        if among is None:
            where: Sequence[int] = range(low, high)
            choices = self._keys[low:high]
        else:
            where = _within(among, low, high)
            keys = self._keys
            choices = [keys[p] for p in where]
        hits = process.extract(target, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=LIMIT)
        return [(score, where[index]) for _, score, index in hits]

    def window(self, size: int, cutoff: float) -> tuple[int, int]:
        """The positions of the keys neither too short nor too long to score ``cutoff``."""
        ratio = cutoff / 100.0
        low = bisect.bisect_left(self._lengths, int(size * ratio / (2 - ratio)))
        high = bisect.bisect_right(self._lengths, int(size * (2 - ratio) / ratio) + 1)
        return low, high

    def found_candidates(self, target: str) -> list[int] | None:
        """Every key that can score FOUND_SCORE against ``target``, or None (score them all)."""
        low, high = self.window(len(target), FOUND_SCORE)
        if high - low < NARROW_FROM:
            return None
        return self._narrowed(target, low, high)

    def _narrowed(self, target: str, low: int, high: int) -> list[int] | None:
        """Keys found through the query's words, or None when that cannot vouch for all.

        Paired word for word, a query word with no indexed word within radius r of it puts a
        key r + 1 insertions/deletions away, and a key scoring FOUND_SCORE is at most 12% of
        the two lengths away. So a key holding no near word of the rare query words is scored
        only if it is long enough to afford their radii (raised to 2 to that end) and holds one
        of a common word ("team": in 10,000 keys), or if it can afford the radii of all words.
        None (score them all) when most keys would be kept, or for a word that is no typo of an
        indexed one, as the pairing fails when words are run together ("partnerportl").

        Beyond FULL_PASS_KEYS keys, scoring all costs more than a query may (~250 ns a key), and
        the rules are those of ``_through_rare_words``; a word that neither two typos nor two
        words run together explain is taken for junk and no key is scored ("our team qzvxo" gets
        no confident answer; "did you mean" still looks at its other words).
        """
        words, size = target.split(), len(target)
        near = [self._near.one(word) for word in words]
        lenient = high - low > FULL_PASS_KEYS
        if not all(near):
            if not lenient:
                return None
            near = [found or self._explained(word) for found, word in zip(near, words, strict=True)]
            if not all(near):
                return []

        def first(differences: int) -> int:  # the first key long enough to be that far away
            length = differences * 100 / (100 - FOUND_SCORE) - size
            return bisect.bisect_left(self._lengths, math.ceil(length - 1e-6))

        weight = [sum(len(self.positions(w)) for w in found) for found in near]
        rare = [i for i, count in enumerate(weight) if count <= self._common]
        if lenient and rare:
            return self._through_rare_words(words, near, rare, low, high)
        differences = 2 * len(rare)
        for i in sorted(rare, key=lambda i: -len(words[i])):
            if first(differences) < high:
                near[i] = self._near.two(words[i])
                differences += min(len(words[i]), 2) - 1
        if len(words) > 1:  # words split or run together ("mid usa", "white labl"), where
            unknown = [word not in self._rows for word in words]  # pairing fails too
            runs = {"".join(words): True}
            for i, (a, b) in enumerate(itertools.pairwise(words)):  # two unknown: fragments
                runs[a + b] = runs.get(a + b, False) or (unknown[i] and unknown[i + 1])
            rare += range(len(near), len(near) + len(runs))
            near += [
                self._near.two(run, longer=False) if fragments else self._near.one(run)
                for run, fragments in runs.items()
            ]
        positions = {p for i in rare for w in near[i] for p in self.positions(w)}
        start = first(differences)
        for i in set(range(len(words))) - set(rare):
            for word in near[i]:
                postings = self.positions(word)
                positions.update(postings[bisect.bisect_left(postings, start) :])
            differences += 2
        start = max(low, first(differences))
        if 2 * (high - start) > high - low:
            return None
        positions.update(range(start, high))
        return _within(sorted(positions), low, high)

    def suggestion_candidates(self, target: str) -> list[int] | None:
        """Keys sharing a word, or a one-typo neighbour of one, with ``target``, the rarest
        first and at most about MAX_SUGGESTION_KEYS; None (score them all) when few keys have
        a fitting length. A word in more keys than that is too common to suggest by."""
        low, high = self.window(len(target), SUGGEST_SCORE)
        if high - low < NARROW_FROM:
            return None
        words = target.split()
        groups = [self._near.one(word) for word in words]
        if len(words) > 1:
            groups += [self._near.one(a + b) for a, b in itertools.pairwise(words)]
        groups += [{a, b} for word in words for a, b in self._splits(word)]
        sized = sorted(
            (sum(len(self.positions(w)) for w in group), sorted(group)) for group in groups if group
        )
        positions: set[int] = set()
        for count, group in sized:
            if len(positions) + count > MAX_SUGGESTION_KEYS:
                break
            positions.update(p for w in group for p in self.positions(w))
        return _within(sorted(positions), low, high)

    def _through_rare_words(
        self, words: list[str], near: list[set[str]], rare: list[int], low: int, high: int
    ) -> list[int]:
        """Beyond FULL_PASS_KEYS keys: the keys holding a word two typos or less from a rare
        query word, or from two query words run together — no key is scored for being merely
        long enough to absorb three typos in every rare word, nor for holding a common word
        that a rare one happens to be near ("ketam" is two deletions from "team")."""
        found = [near[i] | self._near.two(words[i]) for i in rare]
        found += [self._near.two(a + b, longer=False) for a, b in itertools.pairwise(words)]
        common = self._common
        positions = {
            p
            for group in found
            for word in group
            for keys in (self.positions(word),)
            if len(keys) <= common
            for p in keys
        }
        return _within(sorted(positions), low, high)

    def _explained(self, word: str) -> set[str]:
        """Indexed words two typos from ``word``, else the words it runs together."""
        return self._near.two(word) or {w for a, b in self._fuzzy_splits(word) for w in (*a, *b)}

    def _fuzzy_splits(self, word: str) -> list[tuple[set[str], set[str]]]:
        """Two indexed words within a typo each that ``word`` runs together ("partnerportl")."""
        halves = [(self._near.one(word[:i]), word[i:]) for i in range(2, len(word) - 1)]
        return [(a, b) for a, rest in halves if a for b in (self._near.one(rest),) if b]

    def _splits(self, word: str) -> list[tuple[str, str]]:
        """Two indexed words that ``word`` runs together ("partnerportal")."""
        has = self._rows.__contains__
        return [
            (word[:i], word[i:]) for i in range(2, len(word) - 1) if has(word[:i]) and has(word[i:])
        ]

    def containing(self, words: Iterable[str], words_of: Callable[[int], set[str]]) -> set[int]:
        """Terms with every word in one of their keys, each compared in the singular
        ("partners" has "partner"), rarest word first; ``words_of`` gives a term's words, to
        check a few candidates rather than collect every key of a common word."""
        counted = sorted((self._count(word), word) for word in set(words))
        if not counted or counted[0][0] == 0:
            return set()
        found = self._terms_with(counted[0][1])
        for count, word in counted[1:]:
            if not found:
                break
            if count <= 4 * len(found):
                found &= self._terms_with(word)
            else:
                found = {i for i in found if word in words_of(i)}
        return found

    def _terms_with(self, word: str) -> set[int]:
        return {
            owner
            for written in self._plurals(word)
            for p in self.positions(written)
            for owner in self.owners(p)
        }

    def _plurals(self, word: str) -> list[str]:
        """The indexed words whose singular is ``word``."""
        written = [word, word + "s", word + "es"]
        if word.endswith("y"):
            written.append(word[:-1] + "ies")
        return [w for w in written if w in self._rows and singular(w) == word]

    def _count(self, word: str) -> int:
        return sum(len(self.positions(w)) for w in self._plurals(word))


def _within(ordered: Sequence[int], low: int, high: int) -> list[int]:
    return list(ordered[bisect.bisect_left(ordered, low) : bisect.bisect_left(ordered, high)])
