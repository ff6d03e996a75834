"""Indexed words one or two typos away from a query word, for bot.terms.fuzzy's narrowing.

One typo (a letter added, dropped, changed, or two swapped) is found by generating every such
spelling of the query word and looking it up: a few hundred dictionary probes, no index. Two
need an index, as generating them costs tens of thousands of probes: every indexed word and its
one-letter deletions, so that two spellings meet when a deletion on each side makes them equal.

Why a sorted array of hashes rather than a dict of deletion strings: at 100,000 terms there
are a million deletions, ~100 MB as Python strings and ~10 MB as ``hash(deletion) << bits |
word number``. The array takes a second to build at that size, so it is built on first need
or by ``prepare()`` (which bot.terms.glossary.Glossary.build_search_index calls), never at
start-up; a hash collision only adds a word, and narrowing tolerates extra candidates.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Collection

from rapidfuzz.distance import OSA

_BUCKET_SHIFT = 62 - 16
"""Codes are grouped by their top 16 bits, so a lookup bisects a bucket, not the array."""


def deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class Neighbours:
    """The words of ``vocabulary`` near a given word."""

    def __init__(self, vocabulary: Collection[str]) -> None:
        self._has = vocabulary.__contains__
        self._words = list(vocabulary)
        self._alphabet = sorted({ch for word in self._words for ch in word})
        self._bits = max(len(self._words), 1).bit_length()
        self._mask = (1 << (62 - self._bits)) - 1
        self._index: tuple[array[int], array[int]] | None = None
        self._lock = threading.Lock()

    def one(self, word: str) -> set[str]:
        """Indexed words one typo from ``word`` (a letter added, dropped, changed, or two
        swapped), or ``word`` itself: the same answer with or without the deletion index."""
        if self._index is not None:
            found = self._meeting({word, *deletions(word)})
            return {other for other in found if OSA.distance(word, other, score_cutoff=1) <= 1}
        has, alphabet = self._has, self._alphabet
        cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        found = {word} if has(word) else set()
        found.update(p for a, b in cuts if b for p in (a + b[1:],) if has(p))
        found.update(p for a, b in cuts for c in alphabet for p in (a + c + b,) if has(p))
        found.update(p for a, b in cuts if b for c in alphabet for p in (a + c + b[1:],) if has(p))
        found.update(p for a, b in cuts if len(b) > 1 for p in (a + b[1] + b[0] + b[2:],) if has(p))
        return found

    def two(self, word: str, *, longer: bool = True) -> set[str]:
        """Indexed words at most two insertions/deletions from ``word``, and some more (a
        deletion on each side meets a substitution); without ``longer``, none two letters
        longer (for words run together, whose match is never longer)."""
        once = deletions(word)
        probes = {word, *once, *(d for p in once for d in deletions(p))}
        if longer:
            cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
            probes.update(a + c + b for a, b in cuts for c in self._alphabet)
        self.prepare()
        return self._meeting(probes)

    def _meeting(self, probes: set[str]) -> set[str]:
        """Indexed words equal to a probe, or to it with one more letter."""
        index = self._index
        assert index is not None
        codes, buckets = index
        bits, mask, words = self._bits, self._mask, self._words
        number = (1 << bits) - 1
        found: set[str] = set()
        for probe in probes:
            low = (hash(probe) & mask) << bits
            bucket = low >> _BUCKET_SHIFT
            at = bisect.bisect_left(codes, low, buckets[bucket], buckets[bucket + 1])
            while at < len(codes) and codes[at] >> bits == low >> bits:
                found.add(words[codes[at] & number])
                at += 1
        return found

    def prepare(self) -> None:
        """Build the deletion index once (a caller arriving mid-build waits for it)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    bits, mask = self._bits, self._mask
                    codes = array(
                        "q",
                        sorted(
                            (hash(p) & mask) << bits | number
                            for number, word in enumerate(self._words)
                            for p in (word, *deletions(word))
                        ),
                    )
                    starts = range(0, (1 << 62) + 1, 1 << _BUCKET_SHIFT)
                    buckets = array("q", [bisect.bisect_left(codes, s) for s in starts])
                    self._index = codes, buckets
