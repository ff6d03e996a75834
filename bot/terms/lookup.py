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

Scoring every key costs ~1 ms at 10,000 terms, so keys are first narrowed to those that can reach
FOUND_SCORE, found through the query's words and their near misses (see ``_narrowed``); answers
are those of scoring every key. Anything the narrowing cannot vouch for is still scored in full.
"""

from __future__ import annotations

import bisect
import itertools
import math
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
NARROW_FROM = 1000
"""Fewer keys of a fitting length are scored faster than narrowed (~50 ns a key)."""
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


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class LookupIndex:
    """Exact and fuzzy indexes over every way a term can be written.

    Terms are held by position: ints hash and compare faster than ``Term``s in the sets and
    dicts of a 10,000-term build and of every fuzzy query.
    """

    def __init__(self, terms: Sequence[Term]) -> None:
        self._terms = tuple(terms)
        self._names = [t.term for t in self._terms]
        self._name_sizes = [len(fold(name).split()) for name in self._names]
        self._exact: list[dict[str, list[int]]] = [{} for _ in range(REORDERED + 1)]
        self._acronym_owners: dict[str, set[int]] = {}
        self._word_terms: dict[str, set[int]] = {}
        fuzzy: dict[str, list[int]] = {}
        for i, term in enumerate(self._terms):
            forms = [(term.term, NAME), (term.title, NAME)]
            forms += [(a, ACRONYM) for a in term.acronyms]
            forms += [(a, ALIAS) for a in term.aliases]
            if "(" in term.term:
                forms.append((re.sub(r"\s*\(.*?\)\s*", " ", term.term).strip(), HEAD))
            for form, kind in dict.fromkeys(forms):  # the title is often the name
                folded = fold(form)
                if not folded:
                    continue
                for key, reordered in _variants(folded):
                    owners = self._exact[REORDERED if reordered else kind].setdefault(key, [])
                    if i not in owners:
                        owners.append(i)
                if kind != ACRONYM:
                    owners = fuzzy.setdefault(folded, [])
                    if i not in owners:
                        owners.append(i)
                    for word in _words(folded):
                        self._word_terms.setdefault(word, set()).add(i)
            for acronym in term.acronyms:
                self._acronym_owners.setdefault(fold(acronym), set()).add(i)
        self._acronyms = sorted(
            ((fold(a), i) for i, t in enumerate(self._terms) for a in t.acronyms),
            key=lambda kv: (kv[0], self._names[kv[1]]),
        )
        # Fuzzy keys by length (a cutoff bounds them to a slice), copied in that order so that a
        # scan reads memory in order (faster when cold); their words → keys; each word and its
        # one-letter deletions → words, space-separated (cheaper than lists: `is` = just stored).
        self._keys = [f" {key}"[1:] for key in sorted(fuzzy, key=len)]
        self._key_lengths = [len(k) for k in self._keys]
        self._key_terms = [sorted(fuzzy[k], key=self._names.__getitem__) for k in self._keys]
        self._postings: dict[str, list[int]] = {}
        for position, key in enumerate(self._keys):
            for word in key.split():
                self._postings.setdefault(word, []).append(position)
        self._deleted: dict[str, str] = {}
        for word in self._postings:
            for probe in (word, *_deletions(word)):
                if (other := self._deleted.setdefault(probe, word)) is not word:
                    self._deleted[probe] = f"{other} {word}"
        self._alphabet = sorted({ch for word in self._postings for ch in word})
        self._common = max(64, len(self._keys) // 64)  # more keys than that: leave the word out

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
            kind, found = exact
            status = Status.FOUND if len(found) == 1 else Status.AMBIGUOUS
            status = Status.SUGGEST if kind == REORDERED else status
            return LookupResult(query, status, self._as_terms(found, MAX_SUGGESTIONS * 2), subject)
        if self._acronym_like(query, subject):
            return self._acronym_suggestions(query, subject)
        return self._fuzzy(query, subject)

    def _as_terms(self, ids: list[int], limit: int = MAX_SUGGESTIONS) -> tuple[Term, ...]:
        return tuple(self._terms[i] for i in ids[:limit])

    def _exact_match(self, folded: str) -> tuple[int, list[int]] | None:
        best: tuple[int, list[int]] | None = None
        for key, _ in _variants(folded):
            for kind, owners_by_key in enumerate(self._exact):  # best kind first
                owners = owners_by_key.get(key)
                if owners:
                    if best is None or kind < best[0]:
                        best = (kind, owners)
                    break
        return best

    def _without_own_acronym(self, folded: str) -> tuple[int, list[int]] | None:
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
                matching = [i for i in exact[1] if i in owners]
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
        same = [(k, i) for k, i in self._acronyms if len(k) == len(compact) >= 3]
        hits = [
            i for k, i in same if sorted(k) == sorted(compact) and OSA.distance(k, compact) == 1
        ]
        status = Status.SUGGEST if hits else Status.NONE
        return LookupResult(query, status, self._as_terms(hits), subject)

    def _near(self, word: str, radius: int, insertions: bool = True) -> set[str]:
        """Every indexed word at most ``radius`` (1 or 2) insertions/deletions from ``word``,
        and some more (a substitution: a deletion on each side, which meet in ``_deleted``).
        Without ``insertions``, radius 2 only adds words two letters shorter."""
        probes = {word, *_deletions(word)}
        if radius > 1:  # two deletions from the word, or from the indexed one (via one insertion)
            probes.update(d for p in _deletions(word) for d in _deletions(p))
            ends = range(len(word) + 1) if insertions else ()
            probes.update(word[:i] + ch + word[i:] for i in ends for ch in self._alphabet)
        return set(" ".join([self._deleted[p] for p in probes if p in self._deleted]).split())

    def _window(self, size: int, cutoff: float) -> tuple[int, int]:
        """The positions of the keys neither too short nor too long to score ``cutoff``."""
        ratio = cutoff / 100.0
        low = bisect.bisect_left(self._key_lengths, int(size * ratio / (2 - ratio)))
        high = bisect.bisect_right(self._key_lengths, int(size * (2 - ratio) / ratio) + 1)
        return low, high

    def _narrowed(self, target: str) -> list[int] | None:
        """The positions of every key that can score FOUND_SCORE against ``target``, or None.

        Paired word for word, a query word with no indexed word within radius r of it puts a
        key r + 1 insertions/deletions away, and a key scoring FOUND_SCORE is at most 12% of
        the two lengths away. So a key holding no near word of the rare query words is scored
        only if it is long enough to afford their radii (raised to 2 to that end) and holds one
        of a common word ("team": in 10,000 keys), or if it can afford the radii of all words.
        None (score them all) for a word that is no typo of an indexed one, as the pairing fails
        when words are run together ("partnerportl"), or when few keys fit or most would be kept.
        """
        words, size = target.split(), len(target)
        low, high = self._window(size, FOUND_SCORE)
        if high - low < NARROW_FROM:
            return None
        near = [self._near(word, 1) for word in words]
        if not all(near):
            return None

        def first(differences: int) -> int:  # the first key long enough to be that far away
            length = differences * 100 / (100 - FOUND_SCORE) - size
            return bisect.bisect_left(self._key_lengths, math.ceil(length - 1e-6))

        weight = [sum(len(self._postings[w]) for w in found) for found in near]
        rare = [i for i, count in enumerate(weight) if count <= self._common]
        differences = 2 * len(rare)
        for i in sorted(rare, key=lambda i: -len(words[i])):
            if first(differences) < high:
                near[i] = self._near(words[i], 2)
                differences += min(len(words[i]), 2) - 1
        if len(words) > 1:  # words split or run together ("mid usa", "white labl"), where
            unknown = [word not in self._postings for word in words]  # pairing fails too
            runs = {"".join(words): 1}
            for i, (a, b) in enumerate(itertools.pairwise(words)):  # two unknown: fragments
                runs[a + b] = 2 if unknown[i] and unknown[i + 1] else runs.get(a + b, 1)
            rare += range(len(near), len(near) + len(runs))
            near += [self._near(run, radius, insertions=False) for run, radius in runs.items()]
        positions = {p for i in rare for w in near[i] for p in self._postings[w]}
        start = first(differences)
        for i in set(range(len(words))) - set(rare):
            for word in near[i]:
                postings = self._postings[word]
                positions.update(postings[bisect.bisect_left(postings, start) :])
            differences += 2
        start = max(low, first(differences))
        if 2 * (high - start) > high - low:
            return None
        positions.update(range(start, high))
        ordered = sorted(positions)
        return ordered[bisect.bisect_left(ordered, low) : bisect.bisect_left(ordered, high)]

    def _scan(self, target: str, cutoff: float, among: list[int] | None) -> list[tuple[float, int]]:
        """(score, key position) of the best keys scoring ``cutoff`` or more, best first: among
        all keys of a length that can, or only those ``among`` them (the same, to that cutoff)."""
        low, high = self._window(len(target), cutoff)
        where = range(low, high) if among is None else among
        choices = self._keys[low:high] if among is None else [self._keys[p] for p in among]
        hits = process.extract(
            target, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4 * MAX_SUGGESTIONS
        )
        return [(score, where[index]) for _, score, index in hits]

    def _ranked(self, hits: list[tuple[float, int]]) -> list[tuple[int, tuple[float, int]]]:
        """(term, (score, key position)) by each term's best score, then name."""
        best: dict[int, tuple[float, int]] = {}
        for score, position in hits:
            for i in self._key_terms[position]:
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
        found = set(self._word_terms.get(words[0], ()))
        for word in words[1:]:
            found &= self._word_terms.get(word, set())
        return sorted(found, key=lambda i: (self._name_sizes[i], self._names[i]))

    def _fuzzy(self, query: str, subject: str) -> LookupResult:
        target = singular_phrase(subject)
        among = self._narrowed(target)
        # Unnarrowed, one scan serves both cutoffs: its best keys are the best keys of either.
        wide = self._scan(target, SUGGEST_SCORE, None) if among is None else None
        hits = self._scan(target, FOUND_SCORE, among) if wide is None else wide
        ranked = self._ranked([hit for hit in hits if hit[0] >= FOUND_SCORE])
        if ranked:
            best_term, (best, position) = ranked[0]
            runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
            if best - runner_up >= MARGIN and self._confident(query, target, self._keys[position]):
                return LookupResult(query, Status.FOUND, (self._terms[best_term],), subject)
        suggestions = self._containing(target)[:MAX_SUGGESTIONS]
        if len(suggestions) < MAX_SUGGESTIONS:
            if not ranked:
                wide = self._scan(target, SUGGEST_SCORE, None) if wide is None else wide
                ranked = self._ranked(wide)
            suggestions += [i for i, _ in ranked if i not in suggestions]
        status = Status.SUGGEST if suggestions else Status.NONE
        return LookupResult(query, status, self._as_terms(suggestions), subject)
