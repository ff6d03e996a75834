"""``/define`` lookup: exact forms first, then calibrated fuzzy matching.

The order is name → acronym → alias → the head of a qualified name ("stakeholder" for
"Stakeholder (internal)" and "Stakeholder (external)"), each compared on folded text (case,
hyphens, spaces, punctuation, NBSP), with and without spaces ("whitelabel"), singular or plural,
in any word order, and with the name used as a verb ("churned", "cross selling"; see
bot.terms.verbs). Questions ("what's a VAD?", "what does ICP stand for", "what's our NRR?") are
first reduced to their subject.

Only then does fuzzy matching (rapidfuzz's normalised Indel ratio, over keys narrowed by
bot.terms.fuzzy) run, and it is deliberately strict: a confident ``found`` needs a score of at
least FOUND_SCORE, a clear margin over the next term, and its corrections must all be in words
of five letters or more — a changed short word is a different word ("CRM software" is not "PRM
software"). Otherwise the candidates become ``suggest``ions, led by the terms whose names
contain every word asked ("hybrid" → Hybrid pricing). Acronym-like queries (three letters or
fewer, or typed in capitals) never fuzzy-match to a *different* acronym — "CRM" is not "PRM" —
only a swapped pair of letters ("ELQ") is offered as a suggestion. A name matched only with its
words reordered is a suggestion too.

The rules are here; the indexes they consult are bot.terms.exact (every form by its spelling)
and bot.terms.fuzzy (keys and the narrowing that keeps fuzzy matching fast).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cached_property, partial

from rapidfuzz.distance import OSA

from bot.terms.exact import ACRONYM, ALIAS, HEAD, NAME, ExactForms
from bot.terms.fuzzy import FOUND_SCORE, SUGGEST_SCORE, FuzzyIndex
from bot.terms.fuzzy_keys import FuzzyKeys
from bot.terms.index_cache import IndexCache, built
from bot.terms.model import LookupResult, Status, Term
from bot.terms.questions import reduce_question
from bot.terms.text import fold, fold_all, singular, singular_phrase
from bot.terms.verbs import verb_forms, verb_stems

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

REORDERED = 4
"""The kind of a name matched only with its words reordered (after bot.terms.exact's kinds)."""
_OWNED = {NAME, ALIAS, HEAD}
"""Kinds a verb form may come from (an acronym is no verb)."""
_TITLE = 5
"""A name with its acronym ("Ideal Customer Profile (ICP)"): a fuzzy key only, as its exact
spelling is found by _without_own_acronym."""
_Forms = tuple[list[str], list[int], list[int]]
"""Every folded form, its kind, its term."""


def _variants(folded: str) -> list[str]:
    """The spellings one folded text stands for, most literal first."""
    one = singular_phrase(folded)
    return list(dict.fromkeys((folded, one, folded.replace(" ", ""), one.replace(" ", ""))))


def _ordered_words(folded: str) -> list[str]:
    return sorted(singular_phrase(folded).split())


def _words(folded: str) -> list[str]:
    return [singular(w) for w in folded.split() if w not in STOPWORDS]


class LookupIndex:
    """Exact forms of every term, acronyms by their letters, and the fuzzy keys (FuzzyIndex).

    With a ``cache`` (bot.terms.index_cache) the exact forms are read from it, and the fuzzy
    keys too, on first need: only a query with no exact answer needs them, and ``prepare()``
    (which the bot calls right after start, with the search index) loads them, so a warm start
    pays only for what every lookup uses. Without one, everything is built from the terms.
    """

    def __init__(self, terms: Sequence[Term], cache: IndexCache | None = None) -> None:
        self._terms = tuple(terms)
        self._names = [t.term for t in self._terms]
        self._folded: _Forms | None = None
        load_exact = partial(ExactForms.from_data, terms=len(self._terms))
        self._exact = built(cache, "exact", self._terms, self._build_exact, load_exact)
        load_keys = partial(FuzzyKeys.from_data, names=self._names)
        self._fuzzy_keys = partial(built, cache, "fuzzy", self._terms, self._build_keys, load_keys)
        self._fuzzy_index: FuzzyIndex | None = None
        self._fuzzy_lock = threading.Lock()

    def _folded_forms(self) -> _Forms:
        """Every form of every term, folded, with its kind and term (computed once)."""
        if self._folded is None:
            owners: list[int] = []
            kinds: list[int] = []
            texts: list[str] = []
            for i, term in enumerate(self._terms):
                forms = [(term.term, NAME), *((a, ACRONYM) for a in term.acronyms)]
                forms += [(a, ALIAS) for a in term.aliases]
                if term.title != term.term:
                    forms.append((term.title, _TITLE))
                if "(" in term.term:
                    forms.append((_head(term.term), HEAD))
                texts += (text for text, _ in forms)
                kinds += (kind for _, kind in forms)
                owners += [i] * len(forms)
            self._folded = fold_all(texts), kinds, owners
        return self._folded

    def _build_exact(self) -> ExactForms:
        every = zip(*self._folded_forms(), strict=True)
        return ExactForms(form for form in every if form[1] != _TITLE)

    def _build_keys(self) -> FuzzyKeys:
        every = zip(*self._folded_forms(), strict=True)
        keys = ((form, i) for form, kind, i in every if form and kind != ACRONYM)
        return FuzzyKeys.build(keys, self._names)

    @property
    def _fuzzy(self) -> FuzzyIndex:
        """The fuzzy index, made once: a caller arriving mid-load waits for it."""
        index = self._fuzzy_index
        if index is None:
            with self._fuzzy_lock:
                index = self._fuzzy_index
                if index is None:
                    index = self._fuzzy_index = FuzzyIndex(self._fuzzy_keys())
                    self._folded = None  # both halves made: the folded forms are done with
        return index

    @cached_property
    def _anagrams(self) -> dict[str, list[tuple[str, int]]]:
        """Folded acronyms by their sorted letters, for the swapped-letters suggestions (made
        on the first acronym-like miss; making it twice at once is harmless)."""
        acronyms = [(acronym, i) for i, t in enumerate(self._terms) for acronym in t.acronyms]
        folded = fold_all([acronym for acronym, _ in acronyms])
        pairs = zip(folded, (i for _, i in acronyms), strict=True)
        anagrams: dict[str, list[tuple[str, int]]] = {}
        for form, i in sorted(pairs, key=lambda pair: (pair[0], self._names[pair[1]])):
            if form:
                anagrams.setdefault("".join(sorted(form)), []).append((form, i))
        return anagrams

    def named(self, query: str) -> int | None:
        """The first term whose name, alias or acronym ``query`` spells (search ranks it first)."""
        owners = [term for kind, term in self._exact.entries(fold(query)) if kind != HEAD]
        return min(owners) if owners else None

    def prepare(self) -> None:
        """Make the fuzzy keys, the typo index and the acronyms by letters now rather than on
        the first query that needs them."""
        self._fuzzy.prepare()
        _ = self._anagrams

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
            attempts = (self._exact_match, self._without_own_acronym, self._inflected)
            for attempt in (find(reduced) for find in attempts):
                if attempt is not None and (exact is None or attempt[0] < exact[0]):
                    exact, subject = attempt, reduced
        if exact is not None:
            kind, found = exact
            status = Status.FOUND if len(found) == 1 else Status.AMBIGUOUS
            status = Status.SUGGEST if kind == REORDERED else status
            return LookupResult(query, status, self._as_terms(found, MAX_SUGGESTIONS * 2), subject)
        if self._acronym_like(query, subject):
            return self._acronym_suggestions(query, subject)
        return self._fuzzy_lookup(query, subject)

    def _as_terms(self, ids: Sequence[int], limit: int = MAX_SUGGESTIONS) -> tuple[Term, ...]:
        return tuple(self._terms[i] for i in ids[:limit])

    def _exact_match(self, folded: str) -> tuple[int, list[int]] | None:
        """The best kind of form ``folded`` spells, and its terms; else its words reordered."""
        best = self._exact.best(folded)
        if best is not None:
            kind, owners = best
            return kind, self._most_literal(folded, owners, kind) if len(owners) > 1 else owners
        return self._reordered(folded) if " " in folded else None

    def _forms(self, i: int, kind: int) -> list[str]:
        term = self._terms[i]
        written = {
            NAME: [term.term],
            ACRONYM: list(term.acronyms),
            ALIAS: list(term.aliases),
            HEAD: [_head(term.term)],
        }[kind]
        return [fold(text) for text in written]

    def _most_literal(self, folded: str, owners: list[int], kind: int) -> list[int]:
        """Of several terms, those spelled most like the query ("partners": Partners)."""
        spelled = {i: {v for form in self._forms(i, kind) for v in _variants(form)} for i in owners}
        for variant in _variants(folded):
            matching = [i for i in owners if variant in spelled[i]]
            if matching:
                return matching
        return owners

    def _reordered(self, folded: str) -> tuple[int, list[int]] | None:
        """Terms with a form of exactly these words in another order (a suggestion)."""
        wanted = _ordered_words(folded)
        words = folded.split()
        found = sorted(
            i
            for i in self._fuzzy.containing([singular(w) for w in words], self._term_words)
            if any(
                _ordered_words(form) == wanted
                for kind in (NAME, ALIAS, HEAD)
                for form in self._forms(i, kind)
                if form
            )
        )
        return (REORDERED, found) if found else None

    def _without_own_acronym(self, folded: str) -> tuple[int, list[int]] | None:
        """Names written with their acronym inside: "OEM (original equipment manufacturer)",
        "Partner Relationship Management (PRM) Software" — the seed glossary's own spellings."""
        words = folded.split()
        if len(words) == 1:
            return None
        for position, word in enumerate(words):
            owners = {term for kind, term in self._exact.entries(word) if kind == ACRONYM}
            if not owners:
                continue
            exact = self._exact_match(" ".join(words[:position] + words[position + 1 :]))
            if exact is not None and exact[0] != REORDERED:
                matching = [i for i in exact[1] if i in owners]
                if matching:
                    return NAME, matching
        return None

    def _inflected(self, folded: str) -> tuple[int, list[int]] | None:
        """A name used as a verb: "churned" → Churn, "cross selling" → Cross-sell."""
        *head, last = folded.split()
        for stem in verb_stems(last):
            if last in verb_forms(stem, alone=not head):
                exact = self._exact_match(" ".join((*head, stem)))
                if exact is not None and exact[0] in _OWNED:
                    return exact
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
        same = self._anagrams.get("".join(sorted(compact)), []) if len(compact) >= 3 else []
        hits = [i for k, i in same if OSA.distance(k, compact) == 1]
        status = Status.SUGGEST if hits else Status.NONE
        return LookupResult(query, status, self._as_terms(hits), subject)

    def _ranked(self, hits: list[tuple[float, int]]) -> list[tuple[int, tuple[float, int]]]:
        """(term, (score, key position)) by each term's best score, then name."""
        best: dict[int, tuple[float, int]] = {}
        for score, position in hits:
            for i in self._fuzzy.owners(position):
                if score > best.get(i, (0.0, 0))[0]:
                    best[i] = (score, position)
        return sorted(best.items(), key=lambda kv: (-kv[1][0], self._names[kv[0]]))

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

    def _containing(self, subject: str) -> list[int]:
        """Terms whose name or an alias has every word of ``subject``, shortest name first."""
        words = _words(subject)
        if not words or len(words) > MAX_CONTAINED_WORDS:
            return []
        found = self._fuzzy.containing(words, self._term_words)
        return sorted(found, key=lambda i: (len(fold(self._names[i]).split()), self._names[i]))

    def _term_words(self, i: int) -> set[str]:
        """The words of a term's names and aliases, in the singular."""
        forms = [form for kind in (NAME, ALIAS, HEAD) for form in self._forms(i, kind)]
        return {
            singular(word) for form in (*forms, fold(self._terms[i].title)) for word in form.split()
        }

    def _fuzzy_lookup(self, query: str, subject: str) -> LookupResult:
        target = singular_phrase(subject)
        fuzzy = self._fuzzy
        ranked = self._ranked(fuzzy.scan(target, FOUND_SCORE, self._found_candidates(target)))
        if ranked:
            best_term, (best, position) = ranked[0]
            runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
            if best - runner_up >= MARGIN and self._confident(query, target, fuzzy.key(position)):
                return LookupResult(query, Status.FOUND, (self._terms[best_term],), subject)
        suggestions = self._containing(target)[:MAX_SUGGESTIONS]
        if len(suggestions) < MAX_SUGGESTIONS:
            if not ranked:
                among = fuzzy.suggestion_candidates(target)
                ranked = self._ranked(fuzzy.scan(target, SUGGEST_SCORE, among))
            suggestions += [i for i, _ in ranked if i not in suggestions]
        status = Status.SUGGEST if suggestions else Status.NONE
        return LookupResult(query, status, self._as_terms(suggestions), subject)

    def _found_candidates(self, target: str) -> list[int] | None:
        """The keys to score for a confident answer (None: all); tests replace it."""
        return self._fuzzy.found_candidates(target)


def _head(name: str) -> str:
    """A qualified name without its qualifier: "Stakeholder (internal)" → "Stakeholder"."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
