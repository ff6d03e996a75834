"""``/define`` lookup: exact forms first, then calibrated fuzzy matching.

The order is name → acronym → alias → the head of a qualified name ("stakeholder" for
"Stakeholder (internal)" and "Stakeholder (external)"), each compared on folded text (case,
hyphens, spaces, punctuation, NBSP), with and without spaces ("whitelabel"), singular or plural,
in any word order. Questions ("what's a VAD?", "what does ICP stand for") are first reduced to
their subject.

Only then does fuzzy matching (rapidfuzz's normalised Indel ratio) run, and it is deliberately
strict: a confident ``found`` needs a score of at least FOUND_SCORE, a clear margin over the
next term, and its corrections must all be in words of five letters or more — a changed short
word is a different word ("CRM software" is not "PRM software"). Otherwise the candidates become
``suggest``ions, led by the terms whose names contain every word asked ("hybrid" → Hybrid
pricing). Acronym-like queries (three letters or fewer, or typed in capitals) never fuzzy-match
to a *different* acronym — "CRM" is not "PRM" — only a swapped pair of letters ("ELQ") is
offered as a suggestion. A name matched only with its words reordered is a suggestion too.
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
MIN_CORRECTED_WORD = 5
"""Shorter words are never typo-corrected into an answer: too many are other real words."""
MAX_SUGGESTIONS = 5
MAX_CONTAINED_WORDS = 4
"""Queries of more words are not a name fragment ("hybrid", "flat fee") but a sentence."""
MAX_QUERY = 200
"""Longer queries are cut: no glossary name is that long and fuzzy cost grows with length."""
STOPWORDS = frozenset({"a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "is"})

# Kinds of exact forms, best first.
NAME, ACRONYM, ALIAS, HEAD, REORDERED = 0, 1, 2, 3, 4

_QUESTION_PATTERNS = [
    re.compile(p)
    for p in (
        r"^(.+?) (?:please|pls|plz|thanks|thank you|thx)$",
        r"^(?:please )?(?:define|explain|describe|definition of|meaning of|tell me about) (.+)$",
        r"^(?:(?:hey|hi|hello) )?(?:what|who)(?:s| is| are| was| were| does| do| re)? (.+)$",
        r"^(?:can you |could you )?(?:explain|define) (.+)$",
        r"^(.+?) (?:stand for|stands for|mean|means|meaning|definition|abbreviation)$",
        r"^(?:an?|the) (.+)$",
        r"^(?:is|are) (.+?)(?: a thing)?$",
    )
]


def reduce_question(folded: str) -> str:
    """The subject of a question: "what does icp stand for" → "icp"."""
    subject = folded
    for _ in range(6):
        for pattern in _QUESTION_PATTERNS:
            match = pattern.match(subject)
            if match:
                subject = match.group(1).strip()
                break
        else:
            break
    return subject or folded


def _variants(folded: str) -> list[tuple[str, bool]]:
    """Exact-match keys for one folded text, most literal first; True marks a reordering."""
    one = singular_phrase(folded)
    if " " not in folded:
        return [(folded, False)] if one == folded else [(folded, False), (one, False)]
    forms = [folded, one, folded.replace(" ", ""), one.replace(" ", "")]
    keys = [(form, False) for form in dict.fromkeys(forms)]
    keys.append((" ".join(sorted(one.split())), True))
    return keys


def _words(folded: str) -> list[str]:
    return [singular(w) for w in folded.split() if w not in STOPWORDS]


class LookupIndex:
    """Exact and fuzzy indexes over every way a term can be written."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self._exact: dict[str, dict[int, list[Term]]] = {}
        fuzzy: dict[str, set[Term]] = {}
        self._word_terms: dict[str, set[Term]] = {}
        self._name_sizes: dict[Term, int] = {}
        for term in terms:
            forms = [(term.term, NAME), (term.title, NAME)]
            forms += [(a, ACRONYM) for a in term.acronyms]
            forms += [(a, ALIAS) for a in term.aliases]
            head = re.sub(r"\s*\(.*?\)\s*", " ", term.term).strip()
            if head != term.term:
                forms.append((head, HEAD))
            for form, kind in forms:
                folded = fold(form)
                if not folded:
                    continue
                for key, reordered in _variants(folded):
                    bucket = self._exact.setdefault(key, {})
                    owners = bucket.setdefault(REORDERED if reordered else kind, [])
                    if term not in owners:
                        owners.append(term)
                if kind != ACRONYM:
                    fuzzy.setdefault(folded, set()).add(term)
                    for word in _words(folded):
                        self._word_terms.setdefault(word, set()).add(term)
            self._name_sizes[term] = len(fold(term.term).split())
        ordered = sorted(fuzzy, key=len)
        self._fuzzy_keys = ordered
        self._fuzzy_lengths = [len(k) for k in ordered]
        self._fuzzy_terms = [sorted(fuzzy[k], key=lambda t: t.term) for k in ordered]
        self._acronym_owners: dict[str, set[Term]] = {}
        for term in terms:
            for acronym in term.acronyms:
                self._acronym_owners.setdefault(fold(acronym), set()).add(term)
        self._acronyms = sorted(
            ((fold(a), t) for t in terms for a in t.acronyms), key=lambda kv: (kv[0], kv[1].term)
        )

    def lookup(self, query: str) -> LookupResult:
        """Resolve a user's query to found / ambiguous / suggest / none."""
        query = query.strip()
        folded = fold(query[:MAX_QUERY])
        if not folded:
            return LookupResult(query, Status.NONE)
        subject = folded
        exact = self._exact_match(folded)
        if exact is None or exact[0] == REORDERED:
            reduced = reduce_question(folded)
            for attempt in (self._exact_match(reduced), self._without_own_acronym(reduced)):
                if attempt is not None and (exact is None or attempt[0] < exact[0]):
                    exact, subject = attempt, reduced
        if exact is not None:
            kind, terms = exact
            if kind == REORDERED:
                status = Status.SUGGEST
            else:
                status = Status.FOUND if len(terms) == 1 else Status.AMBIGUOUS
            return LookupResult(query, status, tuple(terms[: MAX_SUGGESTIONS * 2]), subject)
        if self._acronym_like(query, subject):
            return self._acronym_suggestions(query, subject)
        return self._fuzzy(query, subject)

    def _exact_match(self, folded: str) -> tuple[int, list[Term]] | None:
        best: tuple[int, list[Term]] | None = None
        for key, _ in _variants(folded):
            kinds = self._exact.get(key)
            if kinds:
                kind = min(kinds)
                if best is None or kind < best[0]:
                    best = (kind, kinds[kind])
        return best

    def _without_own_acronym(self, folded: str) -> tuple[int, list[Term]] | None:
        """Names written with their acronym inside: "OEM (original equipment manufacturer)",
        "Partner Relationship Management (PRM) Software" — the seed glossary's own spellings."""
        words = folded.split()
        for position, word in enumerate(words):
            owners = self._acronym_owners.get(word)
            if not owners or len(words) == 1:
                continue
            rest = " ".join(words[:position] + words[position + 1 :])
            exact = self._exact_match(rest)
            if exact is not None and exact[0] != REORDERED:
                matching = [t for t in exact[1] if t in owners]
                if matching:
                    return NAME, matching
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
            for key, term in self._acronyms
            if len(compact) >= 3
            and len(key) == len(compact)
            and sorted(key) == sorted(compact)
            and OSA.distance(key, compact) == 1
        ]
        if hits:
            return LookupResult(query, Status.SUGGEST, tuple(hits[:MAX_SUGGESTIONS]), subject)
        return LookupResult(query, Status.NONE, (), subject)

    def _candidates(self, subject: str, cutoff: float) -> dict[Term, tuple[float, str]]:
        """Best fuzzy score (and the key that gave it) per term, among keys long enough."""
        size = len(subject)
        ratio = cutoff / 100.0
        low = bisect.bisect_left(self._fuzzy_lengths, int(size * ratio / (2 - ratio)))
        high = bisect.bisect_right(self._fuzzy_lengths, int(size * (2 - ratio) / ratio) + 1)
        choices = self._fuzzy_keys[low:high]
        scores: dict[Term, tuple[float, str]] = {}
        hits = process.extract(
            subject, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4 * MAX_SUGGESTIONS
        )
        for key, score, index in hits:
            for term in self._fuzzy_terms[low + index]:
                if score > scores.get(term, (0.0, ""))[0]:
                    scores[term] = (score, key)
        return scores

    @staticmethod
    def _confident(query: str, subject: str, key: str) -> bool:
        """Whether every corrected word is long enough, and none was typed as an acronym."""
        shouted = {fold(w) for w in query.split() if len(w) > 1 and w.isupper()}
        known = set(key.split()) | {singular(w) for w in key.split()}
        return all(
            len(word) >= MIN_CORRECTED_WORD and word not in shouted
            for word in subject.split()
            if word not in known and singular(word) not in known
        )

    def _containing(self, subject: str) -> list[Term]:
        """Terms whose name or an alias has every word of ``subject``, shortest name first."""
        words = _words(subject)
        if not words or len(words) > MAX_CONTAINED_WORDS:
            return []
        found = set(self._word_terms.get(words[0], ()))
        for word in words[1:]:
            found &= self._word_terms.get(word, set())
        return sorted(found, key=lambda t: (self._name_sizes[t], t.term))

    def _fuzzy(self, query: str, subject: str) -> LookupResult:
        target = singular_phrase(subject)
        scores = self._candidates(target, FOUND_SCORE)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[0].term))
        if ranked:
            best_term, (best, key) = ranked[0]
            runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
            if best - runner_up >= MARGIN and self._confident(query, target, key):
                return LookupResult(query, Status.FOUND, (best_term,), subject)
        suggestions = self._containing(target)[:MAX_SUGGESTIONS]
        if len(suggestions) < MAX_SUGGESTIONS:
            wider = self._candidates(target, SUGGEST_SCORE) if not ranked else scores
            by_score = sorted(wider.items(), key=lambda kv: (-kv[1][0], kv[0].term))
            suggestions += [t for t, _ in by_score if t not in suggestions]
        if not suggestions:
            return LookupResult(query, Status.NONE, (), subject)
        return LookupResult(query, Status.SUGGEST, tuple(suggestions[:MAX_SUGGESTIONS]), subject)
