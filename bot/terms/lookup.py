"""``/define`` lookup: exact forms first, then calibrated fuzzy matching.

The order is name → acronym → alias → the head of a qualified name ("stakeholder" for
"Stakeholder (internal)" and "Stakeholder (external)"), each compared on folded text (case,
hyphens, spaces, punctuation, NBSP), with and without spaces ("whitelabel"), singular or plural,
in any word order. Questions ("what's a VAD?", "what does ICP stand for") are first reduced to
their subject.

Only then does fuzzy matching (rapidfuzz's normalised Indel ratio) run, and it is deliberately
strict: a confident ``found`` needs a score of at least FOUND_SCORE and a clear margin over the
next term; otherwise the candidates become ``suggest``ions. Acronym-like queries (three letters
or fewer, or typed in capitals) never fuzzy-match to a *different* acronym — "CRM" is not "PRM"
— only a swapped pair of letters ("ELQ") is offered as a suggestion.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.terms.model import LookupResult, Status, Term
from bot.terms.text import fold, singular, singular_phrase

FOUND_SCORE = 88.0
"""Indel ratio from which a fuzzy match is an answer (one typo in ~8 letters)."""
SUGGEST_SCORE = 72.0
"""Indel ratio from which a fuzzy match is worth offering as "did you mean"."""
MARGIN = 5.0
"""How far the best term must lead the next one to be an answer rather than a suggestion."""
MAX_SUGGESTIONS = 5
NAME_BONUS = 10.0
"""Ranking bonus, among suggestions only, for a term whose name holds every query word."""
MAX_QUERY = 200
"""Longer queries are cut: no glossary name is that long and fuzzy cost grows with length."""

# Kinds of exact forms, best first.
NAME, ACRONYM, ALIAS, HEAD = 0, 1, 2, 3

_QUESTION_PATTERNS = [
    re.compile(p)
    for p in (
        r"^(?:please )?(?:define|explain|describe|definition of|meaning of|tell me about) (.+)$",
        r"^(?:(?:hey|hi|hello) )?(?:what|who)(?:s| is| are| was| were| does| do)? (.+)$",
        r"^(?:can you |could you )?(?:explain|define) (.+)$",
        r"^(.+?) (?:stand for|stands for|mean|means|meaning|definition|abbreviation)$",
        r"^(?:an?|the) (.+)$",
        r"^(?:is|are) (.+?)(?: a thing)?$",
    )
]


def reduce_question(folded: str) -> str:
    """The subject of a question: "what does icp stand for" → "icp"."""
    subject = folded
    for _ in range(4):
        for pattern in _QUESTION_PATTERNS:
            match = pattern.match(subject)
            if match:
                subject = match.group(1).strip()
                break
        else:
            break
    return subject or folded


def _name_words(term: Term) -> set[str]:
    return {singular(w) for w in fold(term.term).split()} | set(fold(term.term).split())


def _variants(folded: str) -> list[str]:
    """The exact-match keys tried for one folded query, most literal first."""
    one = singular_phrase(folded)
    if " " not in folded:
        return [folded] if one == folded else [folded, one]
    forms = [folded, one, folded.replace(" ", ""), one.replace(" ", "")]
    forms.append(" ".join(sorted(one.split())))
    return list(dict.fromkeys(forms))


class LookupIndex:
    """Exact and fuzzy indexes over every way a term can be written."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self._exact: dict[str, dict[int, list[Term]]] = {}
        fuzzy: dict[str, set[Term]] = {}
        for term in terms:
            forms = [(term.term, NAME)]
            forms += [(a, ACRONYM) for a in term.acronyms]
            forms += [(a, ALIAS) for a in term.aliases]
            head = re.sub(r"\s*\(.*?\)\s*", " ", term.term).strip()
            if head != term.term:
                forms.append((head, HEAD))
            for form, kind in forms:
                folded = fold(form)
                if not folded:
                    continue
                for key in _variants(folded):
                    bucket = self._exact.setdefault(key, {}).setdefault(kind, [])
                    if term not in bucket:
                        bucket.append(term)
                if kind != ACRONYM:
                    fuzzy.setdefault(folded, set()).add(term)
        ordered = sorted(fuzzy, key=len)
        self._fuzzy_keys = ordered
        self._fuzzy_lengths = [len(k) for k in ordered]
        self._fuzzy_terms = [sorted(fuzzy[k], key=lambda t: t.term) for k in ordered]
        self._acronyms = sorted(
            {(fold(a), a): t for t in terms for a in t.acronyms}.items(), key=lambda kv: kv[0]
        )

    def lookup(self, query: str) -> LookupResult:
        """Resolve a user's query to found / ambiguous / suggest / none."""
        query = query.strip()
        folded = fold(query[:MAX_QUERY])
        if not folded:
            return LookupResult(query, Status.NONE)
        subject = folded
        exact = self._exact_match(folded)
        if exact is None:
            subject = reduce_question(folded)
            exact = self._exact_match(subject) if subject != folded else None
        if exact is not None:
            status = Status.FOUND if len(exact) == 1 else Status.AMBIGUOUS
            return LookupResult(query, status, tuple(exact), subject)
        if self._acronym_like(query, subject):
            return self._acronym_suggestions(query, subject)
        return self._fuzzy(query, subject)

    def _exact_match(self, folded: str) -> list[Term] | None:
        for key in _variants(folded):
            kinds = self._exact.get(key)
            if kinds:
                return kinds[min(kinds)]
        return None

    @staticmethod
    def _acronym_like(query: str, subject: str) -> bool:
        compact = subject.replace(" ", "")
        typed = "".join(ch for ch in query if ch.isalnum())
        shouted = len(typed) <= 6 and typed.isupper()
        return len(compact) <= 3 or shouted

    def _acronym_suggestions(self, query: str, subject: str) -> LookupResult:
        """Only a swapped pair of letters counts as a typo of an acronym."""
        compact = subject.replace(" ", "")
        hits = [
            term
            for (key, _), term in self._acronyms
            if len(key) == len(compact)
            and sorted(key) == sorted(compact)
            and OSA.distance(key, compact) == 1
        ]
        if hits:
            return LookupResult(query, Status.SUGGEST, tuple(hits[:MAX_SUGGESTIONS]), subject)
        return LookupResult(query, Status.NONE, (), subject)

    def _candidates(self, subject: str, cutoff: float) -> dict[Term, float]:
        """Best fuzzy score per term among keys whose length allows ``cutoff``."""
        size = len(subject)
        ratio = cutoff / 100.0
        low = bisect.bisect_left(self._fuzzy_lengths, int(size * ratio / (2 - ratio)))
        high = bisect.bisect_right(self._fuzzy_lengths, int(size * (2 - ratio) / ratio) + 1)
        choices = self._fuzzy_keys[low:high]
        scores: dict[Term, float] = {}
        hits = process.extract(
            subject, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4 * MAX_SUGGESTIONS
        )
        for _, score, index in hits:
            for term in self._fuzzy_terms[low + index]:
                if score > scores.get(term, 0.0):
                    scores[term] = score
        return scores

    def _fuzzy(self, query: str, subject: str) -> LookupResult:
        scores = self._candidates(subject, FOUND_SCORE)
        if not scores:
            scores = self._candidates(subject, SUGGEST_SCORE)
        if not scores:
            return LookupResult(query, Status.NONE, (), subject)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0].term))
        best_term, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best >= FOUND_SCORE and best - runner_up >= MARGIN:
            return LookupResult(query, Status.FOUND, (best_term,), subject)
        # As suggestions, terms whose name contains every query word come first:
        # "partner" suggests "Partner tier" before "System integrator" (alias "SI partner").
        wanted = {singular(w) for w in subject.split()}
        ranked.sort(
            key=lambda kv: (-(kv[1] + NAME_BONUS * (wanted <= _name_words(kv[0]))), kv[0].term)
        )
        terms = tuple(term for term, _ in ranked[:MAX_SUGGESTIONS])
        return LookupResult(query, Status.SUGGEST, terms, subject)
