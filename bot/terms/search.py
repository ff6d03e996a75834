"""Full-text search over names, aliases, acronyms and definitions, ranked with BM25.

Fields are weighted (a word in the name counts more than one in the definition) so that
"commission" lists Commission-based pricing before the partner types whose definitions
mention commissions, and a query that is a term's own name puts that term first. Words are
folded and singularised; a query word that is in no entry is
replaced by its closest vocabulary word ("comission" → "commission") before scoring.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz import fuzz, process

from bot.terms.index_cache import is_texts, pack, unpack
from bot.terms.model import SearchHit, Term
from bot.terms.text import fold, fold_all, singular, singular_phrase, words

FIELD_WEIGHTS = {"name": 4.0, "alias": 2.5, "definition": 1.0}
K1, B = 1.2, 0.75
TYPO_SCORE = 85.0
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "what",
        "which",
        "who",
        "will",
        "with",
        "within",
        "without",
    ]
)


def _stems(text: str) -> list[str]:
    return [singular(w) for w in words(text) if w not in STOPWORDS]


class SearchIndex:
    """An inverted index of weighted word counts per term.

    Why flat arrays: at 100,000 terms the definitions hold some 2.5 million (term, word) pairs,
    and a dict per word (the obvious shape) cost 200 MB; two arrays per word cost 85 MB, most
    of it the 360,000 array objects themselves. Now the term numbers and weights of every word
    are two arrays in all, word ``row`` owning ``[starts[row], starts[row + 1])`` of each (~20
    MB). ``named`` finds the term a query names (see Glossary, which lends the lookup index's);
    without it the index keeps its own table of names.
    """

    def __init__(
        self, terms: Sequence[Term], named: Callable[[str], int | None] | None = None
    ) -> None:
        self._terms = list(terms)
        postings: dict[str, tuple[array[int], array[float]]] = {}
        lengths: array[float] = array("f")
        names = fold_all([t.term for t in self._terms])
        others = fold_all([" ".join((*t.aliases, *t.acronyms)) for t in self._terms])
        definitions = fold_all([t.definition for t in self._terms])
        # Word → stem ("" for a stopword), computed once per distinct word rather than once per
        # occurrence: with every definition's words this loop is nearly all of the build.
        stems: dict[str, str] = {}
        stem_of = stems.get
        weights = (FIELD_WEIGHTS["name"], FIELD_WEIGHTS["alias"], FIELD_WEIGHTS["definition"])
        for number, texts in enumerate(zip(names, others, definitions, strict=True)):
            counts: dict[str, float] = {}
            count = counts.get
            for weight, text in zip(weights, texts, strict=True):
                for word in text.split():
                    stem = stem_of(word)
                    if stem is None:
                        stem = stems[word] = "" if word in STOPWORDS else singular(word)
                    # Weights are multiples of 0.5, so these sums are exact (and so is their
                    # float32 copy): the same as adding the weight per occurrence.
                    counts[stem] = count(stem, 0.0) + weight
            counts.pop("", None)
            for stem, weight in counts.items():
                pair = postings.get(stem)
                if pair is None:
                    pair = postings[stem] = (array("i"), array("f"))
                pair[0].append(number)
                pair[1].append(weight)
            lengths.append(sum(counts.values()))
        vocabulary = sorted(postings)
        numbers, scores, starts = array("i"), array("f"), array("i", [0])
        for word in vocabulary:
            numbers.extend(postings[word][0])
            scores.extend(postings[word][1])
            starts.append(len(numbers))
        self._setup(vocabulary, starts, numbers, scores, lengths, names, named)

    def _setup(
        self,
        vocabulary: list[str],
        starts: array[int],
        numbers: array[int],
        weights: array[float],
        lengths: array[float],
        names: list[str] | None,
        named: Callable[[str], int | None] | None,
    ) -> None:
        self._vocabulary = vocabulary  # sorted: the rows are in this order
        self._starts, self._numbers, self._weights = starts, numbers, weights
        self._lengths = lengths
        total = sum(lengths)
        self._average = total / len(lengths) if total > 0 else 1.0
        if named is None:
            named = self._own_names(names or fold_all([t.term for t in self._terms]))
        self._named = named

    def to_data(self) -> dict[str, object]:
        """The index as plain JSON data (bot.terms.index_cache keeps it between starts)."""
        return {
            "vocabulary": self._vocabulary,
            **{
                key: pack(numbers)
                for key, numbers in (
                    ("starts", self._starts),
                    ("numbers", self._numbers),
                    ("weights", self._weights),
                    ("lengths", self._lengths),
                )
            },
        }

    @classmethod
    def from_data(
        cls, terms: Sequence[Term], data: Any, named: Callable[[str], int | None] | None = None
    ) -> SearchIndex:
        """The index ``to_data`` gave, for the same terms; TypeError/ValueError unless every
        word is text, every number a term's, and every weight a finite number of at least 0.5."""
        vocabulary, starts = data["vocabulary"], unpack(data["starts"], "i")
        numbers, weights = unpack(data["numbers"], "i"), unpack(data["weights"], "f")
        lengths = unpack(data["lengths"], "f")
        if not is_texts(vocabulary) or len(starts) != len(vocabulary) + 1:
            raise TypeError("the vocabulary is not text")
        if len(lengths) != len(terms) or len(weights) != len(numbers) or starts[0] != 0:
            raise ValueError("sizes do not add up")
        if starts[-1] != len(numbers) or min(starts) < 0:
            raise ValueError("postings do not add up")
        if numbers and not 0 <= min(numbers) <= max(numbers) < len(terms):
            raise ValueError("a term number is out of range")
        for values, least in ((weights, 0.5), (lengths, 0.0)):  # a name of stopwords: 0
            if values and not (math.isfinite(sum(values)) and min(values) >= least):
                raise ValueError("a weight is not a positive number")
        index = cls.__new__(cls)
        index._terms = list(terms)
        index._setup(vocabulary, starts, numbers, weights, lengths, None, named)
        return index

    def _own_names(self, names: list[str]) -> Callable[[str], int | None]:
        table: dict[str, int] = {}
        for number, term in enumerate(self._terms):
            for form in (names[number], *fold_all([*term.aliases, *term.acronyms])):
                table.setdefault(singular_phrase(form), number)
        return lambda query: table.get(singular_phrase(fold(query)))

    def _resolve(self, stem: str) -> int | None:
        """The row of the indexed word for a query word, forgiving one typo in longer words.

        The sorted vocabulary is searched by bisection: a dict of its 180,000 words at 100,000
        terms cost ~10 MB, and a query has a handful of words."""
        vocabulary = self._vocabulary
        row = bisect.bisect_left(vocabulary, stem)
        if row < len(vocabulary) and vocabulary[row] == stem:
            return row
        if len(stem) < 5:
            return None
        best = process.extractOne(stem, vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
        return best[2] if best else None

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Terms matching any query word, best first; ties broken alphabetically."""
        total = len(self._terms)
        scores: dict[int, float] = {}
        lengths, average = self._lengths, self._average
        for stem in dict.fromkeys(_stems(query)):
            row = self._resolve(stem)
            if row is None:
                continue
            begin, end = self._starts[row], self._starts[row + 1]
            numbers, weights = self._numbers[begin:end], self._weights[begin:end]
            idf = math.log(1 + (total - len(numbers) + 0.5) / (len(numbers) + 0.5))
            for number, weight in zip(numbers, weights, strict=True):
                norm = K1 * (1 - B + B * lengths[number] / average)
                scores[number] = scores.get(number, 0.0) + idf * weight * (K1 + 1) / (weight + norm)
        named = self._named(query)
        if named is not None:  # searching for a term's own name puts that term first
            scores[named] = max(scores.values(), default=0.0) + 1.0
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._terms[kv[0]].term))
        return [SearchHit(self._terms[n], round(s, 3)) for n, s in ranked[:limit]]
