"""Full-text search over names, aliases, acronyms and definitions, ranked with BM25.

Fields are weighted (a word in the name counts more than one in the definition) so that
"commission" lists Commission-based pricing before the partner types whose definitions
mention commissions, and a query that is a term's own name puts that term first. Words are
folded and singularised; a query word that is in no entry is
replaced by its closest vocabulary word ("comission" → "commission") before scoring.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.terms.model import SearchHit, Term
from bot.terms.text import fold, singular, singular_phrase, words

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
    """An inverted index of weighted word counts per term."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self._terms = list(terms)
        self._postings: dict[str, dict[int, float]] = {}
        self._lengths: list[float] = []
        # Word → stem ("" for a stopword), computed once per distinct word rather than once per
        # occurrence: with every definition's words this loop is nearly all of the build.
        stems: dict[str, str] = {}
        stem_of = stems.get
        name_weight, alias_weight = FIELD_WEIGHTS["name"], FIELD_WEIGHTS["alias"]
        definition_weight = FIELD_WEIGHTS["definition"]
        for number, term in enumerate(self._terms):
            counts: dict[str, float] = {}
            for weight, text in (
                (name_weight, term.term),
                (alias_weight, " ".join((*term.aliases, *term.acronyms))),
                (definition_weight, term.definition),
            ):
                for word in words(text):
                    stem = stem_of(word)
                    if stem is None:
                        stem = stems[word] = "" if word in STOPWORDS else singular(word)
                    if stem:
                        # Weights are multiples of 0.5, so these sums are exact: adding per
                        # occurrence equals the former weight × count per distinct word.
                        counts[stem] = counts.get(stem, 0.0) + weight
            for stem, weight in counts.items():
                postings = self._postings.get(stem)
                if postings is None:
                    self._postings[stem] = {number: weight}
                else:
                    postings[number] = weight
            self._lengths.append(sum(counts.values()))
        self._average = sum(self._lengths) / len(self._lengths) if self._lengths else 1.0
        self._named: dict[str, int] = {}
        for number, term in enumerate(self._terms):
            for form in (term.term, *term.aliases, *term.acronyms):
                self._named.setdefault(singular_phrase(fold(form)), number)
        self._vocabulary = sorted(self._postings)

    def _resolve(self, stem: str) -> str | None:
        """The indexed word for a query word, forgiving one typo in longer words."""
        if stem in self._postings:
            return stem
        if len(stem) < 5:
            return None
        best = process.extractOne(
            stem, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE
        )
        return best[0] if best else None

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Terms matching any query word, best first; ties broken alphabetically."""
        total = len(self._terms)
        scores: dict[int, float] = {}
        for stem in dict.fromkeys(_stems(query)):
            word = self._resolve(stem)
            if word is None:
                continue
            postings = self._postings[word]
            idf = math.log(1 + (total - len(postings) + 0.5) / (len(postings) + 0.5))
            for number, weight in postings.items():
                norm = K1 * (1 - B + B * self._lengths[number] / self._average)
                scores[number] = scores.get(number, 0.0) + idf * weight * (K1 + 1) / (weight + norm)
        named = self._named.get(singular_phrase(fold(query)))
        if named is not None:  # searching for a term's own name puts that term first
            scores[named] = max(scores.values(), default=0.0) + 1.0
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._terms[kv[0]].term))
        return [SearchHit(self._terms[n], round(s, 3)) for n, s in ranked[:limit]]
