"""The written forms the scanner looks for, compiled into one Aho-Corasick automaton.

Each name and alias becomes its lower-cased words joined by one space; the last word is stored
as a stem with the endings it may take: its singular and plural, the verb forms that
bot.terms.verbs allows, and for "co-" aliases ("co-market") the regular verb and agent forms
people write ("co-marketed", "co-marketers"). Acronyms are stored lower-cased and checked
against their capitals on a hit. A verb form that is some term's own written form is left out,
so "franchising" stays the term Franchising and is never the verb of "Franchise".

Why packed integers: at 100,000 terms there are some 300,000 forms, and a Python object per
form (tuple, dict) cost more memory than the automaton. The automaton stores one signed 32-bit
value per form (pyahocorasick's ``STORE_INTS``) that says all a hit needs: the form's length, its
ending set and its owner, ``length | endings << 6 | owner << 13`` where an owner is
``acronym | term << 1``. A form that does not fit (longer than 63 letters, shared by several
terms, a rare ending set, a term numbered beyond 2**17) is stored as ``~entry``: its length and
its alternatives (``endings | owner << 16`` each) are in ``FormTable.entries``. Names are
normalised as one joined string, and the automaton is filled in one go (see _Builder), so that
building for 100,000 terms leaves little memory behind besides the automaton.

Why phrases are not in the automaton: a form can only match from the start of a word, so the
automaton holds each form of one word and, for the forms of several words, only their first
word and its space ("partner "); the whole forms ("partner program") are a sorted list that a
hit of that first word bisects (``phrases_at``). At 100,000 terms that is ~260,000 nodes instead
of ~2.3 million (``make_automaton`` 0.02 s instead of 0.6 s), with the same hits: the scanner
sorts them into the automaton's own order (by last letter, the longer form first).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, compress, count, islice, repeat
from operator import add, contains, ge, getitem, gt, ne, not_, or_
from typing import Any

import ahocorasick

from bot.terms.index_cache import is_texts, pack, unpack
from bot.terms.model import Term
from bot.terms.text import plural, singular
from bot.terms.verbs import verb_forms

# A word: letters and digits, with inner underscores kept (so "EQL_report" is one identifier-like
# word, not EQL) but outer ones dropped (so Slack's _italics_ still match).
WORD_RE = re.compile(r"[^\W_](?:\w*[^\W_])?")
_WORD_OR_NEWLINE_RE = re.compile(r"[^\W_](?:\w*[^\W_])?|\n")
_NOT_WORDS_RE = re.compile(r"[^\w\n ][^\w\n]*| [^\w\n]+")
"""Runs of characters between words, except the usual single space (left alone: fewer subs)."""
_ABBREVIATIONS = frozenset({"vs", "v"})
"""Words after which a full stop may join the next word ("Product vs. Technology partner")."""
ACRONYM = 1
"""The owner bit of an acronym: matched only as written, in capitals."""
_LENGTH_BITS, _ENDING_BITS, _OWNER_BITS = 6, 7, 18
LEAD = 0
"""Letters of a phrase's second word that the automaton holds besides its first word and space.
Measured at 100,000 terms: 1 scans ~25% faster (fewer first-word hits to bisect for) but adds
~190,000 nodes and ~0.1-0.3 s to a start; 0 keeps the start within its 2 s budget."""
PHRASE = -(1 << 30)
"""Automaton values at or below this mark the start of phrases: ``PHRASE - the first's number``."""
_Endings = tuple[int, frozenset[str], tuple[str, ...]]
"""How a last word is stored: letters kept in the stem, its endings, its verb forms."""


@dataclass(frozen=True, slots=True)
class FormTable:
    """The compiled forms: see the module docstring for the packing."""

    automaton: ahocorasick.Automaton
    endings: list[frozenset[str]]
    entries: list[tuple[int, tuple[int, ...]]]
    phrases: list[str]
    """The forms of several words, sorted; ``values`` holds their packed values."""
    values: array[int]
    longest: int

    def phrases_at(self, normal: str, start: int, first: int) -> Iterator[tuple[int, int]]:
        """The length and value of every phrase that ``normal`` spells from ``start``, where
        the automaton found the start of ``phrases[first]`` (its first phrase of that start).

        Each step looks at the smallest phrase not below what the text is known to begin with
        (the next one in the list, else by bisection), then either reports it (it is a prefix
        of the text) or extends what is known up to where they differ; it stops at a phrase
        past the text.
        """
        phrases, values = self.phrases, self.values
        text = normal[start : start + self.longest]
        low, known = first, self.start_length(first)
        while True:
            phrase = phrases[low]
            if text.startswith(phrase):
                yield len(phrase), values[low]
                known = len(phrase) + 1
            elif phrase.startswith(text[:known]):
                shared, most = known, min(len(phrase), len(text))
                while shared < most and phrase[shared] == text[shared]:
                    shared += 1
                if shared >= len(text) or phrase[shared] > text[shared]:
                    return
                known = shared + 1
            else:  # above the text within what is known
                return
            low += 1
            if low == len(phrases):
                return
            if phrases[low] < text[:known]:
                low = bisect_left(phrases, text[:known], low)
                if low == len(phrases):
                    return

    def start_length(self, first: int) -> int:
        """How much of ``phrases[first]`` the automaton holds: its first word, a space, LEAD."""
        return self.phrases[first].index(" ") + 1 + LEAD

    def to_data(self) -> dict[str, object]:
        """The table as plain JSON data (bot.terms.index_cache keeps it between starts)."""
        items = [(k, v) for k, v in self.automaton.items() if v > PHRASE]
        items = sorted([*items, *zip(self.phrases, self.values, strict=True)])
        return {
            "keys": [key for key, _ in items],
            "values": pack(array("i", [value for _, value in items])),
            "endings": [sorted(endings) for endings in self.endings],
            "entries": [[length, list(alternatives)] for length, alternatives in self.entries],
        }

    @classmethod
    def from_data(cls, data: Any, terms: int) -> FormTable:
        """The table ``to_data`` gave, for ``terms`` terms; TypeError/ValueError if the data is
        not exactly that shape, so that a tampered cache file can never break a scan: every
        packed value must point inside the ending sets, the entries and the terms, and carry
        its own key's length (the offsets of a hit), and the keys must be sorted."""
        keys, values, endings, entries = (data[k] for k in ("keys", "values", "endings", "entries"))
        packed = unpack(values, "i")
        if not is_texts(keys):
            raise TypeError("keys are not text")
        if len(keys) != len(packed):
            raise ValueError("keys and values differ")
        if any(map(ge, keys, islice(keys, 1, None))):
            raise ValueError("keys not in order")
        if type(endings) is not list or not all(is_texts(e) for e in endings):
            raise TypeError("endings are not lists of text")
        sets = [frozenset(e) for e in endings]
        sets += [frozenset()] * ((1 << _ENDING_BITS) - len(sets))  # any 7-bit number is one
        table = []
        for entry in entries:
            length, alternatives = entry
            checked = array("q", alternatives)
            if type(length) is not int or not 0 < length < 1 << 16 or not checked:
                raise ValueError("malformed entry")
            if any(a < 0 or a & 0xFFFF >= len(endings) or a >> 17 >= terms for a in checked):
                raise ValueError("entry out of range")
            table.append((length, tuple(checked)))
        if packed and (max(packed) >> 14 >= terms or min(packed) < -len(table)):
            raise ValueError("value out of range")
        # Every value holds its key's length, or points to an entry that does (C-level passes).
        shorter = set(compress(count(), map(ne, map(len, keys), map((63).__and__, packed))))
        negative = list(compress(count(), map((0).__gt__, packed)))
        if not shorter <= set(negative) or any(
            len(keys[i]) != table[~packed[i]][0] for i in negative
        ):
            raise ValueError("a value does not have its key's length")
        return cls.compile(keys, packed, sets, table)

    @classmethod
    def compile(
        cls,
        keys: list[str],
        values: array[int],
        endings: list[frozenset[str]],
        entries: list[tuple[int, tuple[int, ...]]],
    ) -> FormTable:
        """The automaton and the sorted phrases, from ``keys`` in sorted order and their values
        (in C-level passes). A phrase short enough is a key of the automaton as it is, unless
        it is also the start of a longer one: then it stays with the phrases."""
        spaced = list(map(contains, keys, repeat(" ")))
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        put = automaton.add_word
        alone = list(map(not_, spaced))
        deque(map(put, compress(keys, alone), compress(values, alone)), 0)
        phrases = list(compress(keys, spaced))
        phrase_values = array("i", compress(values, spaced))
        cuts = list(map(add, map(str.index, phrases, repeat(" ")), repeat(1 + LEAD)))
        leads = list(map(getitem, phrases, map(slice, repeat(None), cuts)))
        long = list(map(gt, map(len, phrases), cuts))
        if not all(long):  # a phrase no longer than a lead: a key as it is, unless it is a lead
            starts = set(compress(leads, long))
            kept = list(map(or_, long, map(starts.__contains__, phrases)))
            short = list(map(not_, kept))
            deque(map(put, compress(phrases, short), compress(phrase_values, short)), 0)
            phrases = list(compress(phrases, kept))
            phrase_values = array("i", compress(phrase_values, kept))
            leads = list(compress(leads, kept))
        # Sorted, the phrases of one lead are together: each lead points to the first.
        firsts = list(map(ne, leads, chain((None,), leads)))
        deque(map(put, compress(leads, firsts), map(PHRASE.__sub__, compress(count(), firsts))), 0)
        automaton.make_automaton()
        longest = max(map(len, phrases), default=0)
        return cls(automaton, endings, entries, phrases, phrase_values, longest)


def build_forms(terms: Sequence[Term]) -> FormTable:
    """The automaton and entry table for ``terms`` (term numbers are positions in it)."""
    names = [term.term for term in terms]
    aliases = [(i, alias) for i, term in enumerate(terms) for alias in term.aliases]
    lines = _normalise([*names, *(alias for _, alias in aliases)])
    owners = [*range(len(names)), *(i for i, _ in aliases)]
    builder = _Builder()
    spelled = {
        f"{head} {variant}" if head else variant
        for line in lines
        if line.endswith(("ed", "ing", "eds", "ings"))
        for head, _, last in (line.rpartition(" "),)
        for variant in (last, singular(last))
        if variant.endswith(("ed", "ing"))
    }
    spelled_last = {form.rpartition(" ")[2] for form in spelled}
    # Per distinct last word: letters kept, ending set number, and whether one of its verb forms
    # is also spelled out somewhere (then checked form by form). Numbers, not sets: at 100,000
    # terms this table has 150,000 words.
    endings: dict[tuple[str, bool, bool], tuple[int, int, bool]] = {}
    for number, (line, i) in enumerate(zip(lines, owners, strict=True)):
        if not line:
            continue
        head, _, last = line.rpartition(" ")
        co = number >= len(names) and line.startswith("co ")
        known = endings.get((last, co, not head))
        if known is None:
            cut, stored, verbs = _endings(last, co, alone=not head)
            clash = any(verb in spelled_last for verb in verbs)
            known = endings[last, co, not head] = (cut, builder.ending_id(stored), clash)
        cut, ending, clash = known
        if clash:
            cut, stored, _ = _endings(last, co, alone=not head, spelled=spelled, head=head)
            ending = builder.ending_id(stored)
        stem = last[:cut]
        for prefix in _abbreviated(head):
            builder.add(f"{prefix} {stem}" if prefix else stem, ending, i << 1)
    plural_s = builder.ending_id(frozenset(("", "s")))
    for i, term in enumerate(terms):
        for acronym in term.acronyms:
            if WORD_RE.fullmatch(acronym):
                builder.add(fold_word(acronym), plural_s, i << 1 | ACRONYM)
    del lines, endings, spelled  # before the automaton's nodes are allocated (see _Builder)
    return builder.compile()


def _endings(
    last: str,
    co: bool,
    *,
    alone: bool,
    spelled: frozenset[str] | set[str] = frozenset(),
    head: str = "",
) -> _Endings:
    """The stem length and endings of a last word: as written, singular, plural, verb forms."""
    variants = {last, plural(last), singular(last)}
    if co:
        stem = last[:-1] if last.endswith("e") else last
        variants.update((stem + "ed", stem + "ing", stem + "er", stem + "ers"))
    verbs = tuple(v for v in verb_forms(last, alone=alone) if v not in variants)
    variants.update(v for v in verbs if f"{head} {v}".lstrip() not in spelled)
    first, last_variant = min(variants), max(variants)  # they share what all share
    cut = next(
        (i for i, pair in enumerate(zip(first, last_variant, strict=False)) if pair[0] != pair[1]),
        len(first),
    )
    return cut, frozenset(variant[cut:] for variant in variants), verbs


class _Builder:
    """Collects forms by key, merging a form that several terms (or kinds) share, then compiles
    them into the automaton in one go: its nodes then sit together in memory rather than among
    the build's short-lived objects, whose memory goes back to the system afterwards."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}
        self.entries: list[tuple[int, tuple[int, ...]]] = []
        self._ending_ids: dict[frozenset[str], int] = {}
        self.endings: list[frozenset[str]] = []

    def ending_id(self, endings: frozenset[str]) -> int:
        number = self._ending_ids.get(endings)
        if number is None:
            number = self._ending_ids[endings] = len(self.endings)
            self.endings.append(endings)
        return number

    def add(self, key: str, ending: int, owner: int) -> None:
        """A form ``key`` of ``owner`` (``acronym | term << 1``) with its ending set's number."""
        known = self._values.get(key)
        if known is None:
            if (
                len(key) < 1 << _LENGTH_BITS
                and ending < 1 << _ENDING_BITS
                and owner < 1 << _OWNER_BITS
            ):
                self._values[key] = len(key) | ending << 6 | owner << 13
            else:
                self._values[key] = ~len(self.entries)
                self.entries.append((len(key), (ending | owner << 16,)))
            return
        if known >= 0:  # becomes an entry of the table
            single = (known >> 6 & 0x7F) | (known >> 13) << 16
            known = self._values[key] = ~len(self.entries)
            self.entries.append((len(key), (single,)))
        length, alternatives = self.entries[~known]
        merged = []
        for alternative in alternatives:
            if alternative >> 16 == owner:  # the same term and kind: one ending set for both
                ending = self.ending_id(self.endings[alternative & 0xFFFF] | self.endings[ending])
            else:
                merged.append(alternative)
        merged.append(ending | owner << 16)
        self.entries[~known] = (length, tuple(sorted(merged, key=lambda a: a >> 17)))

    def compile(self) -> FormTable:
        keys = sorted(self._values)
        values = array("i", map(self._values.__getitem__, keys))
        self._values.clear()
        return FormTable.compile(keys, values, self.endings, self.entries)


def _normalise(texts: list[str]) -> list[str]:
    """Each text's words as the scanner reads them, joined by one space, for all texts in a few
    C-level passes over one joined string (newlines and spaces never compose in NFKC, so
    folding the joined words equals folding each word)."""
    joined = "\n".join(texts).replace("’", "'")
    if joined.count("\n") != max(len(texts) - 1, 0):
        return [" ".join(fold_word(w) for w in WORD_RE.findall(t.replace("’", "'"))) for t in texts]
    if "_" in joined:  # outer underscores are no part of a word: let the word pattern decide
        joined = " ".join(_WORD_OR_NEWLINE_RE.findall(joined))
    joined = _NOT_WORDS_RE.sub(" ", joined)
    joined = joined.lower() if joined.isascii() else _fold(joined)
    return [line.strip(" ") for line in joined.split("\n")] if texts else []


def _abbreviated(head: str) -> Iterator[str]:
    """The leading words, and every spelling with a full stop after "vs" or "v"."""
    if not head or not _ABBREVIATIONS.intersection(head.split()):
        yield head
        return
    spellings = [""]
    for word in head.split():
        options = (word, word + ".") if word in _ABBREVIATIONS else (word,)
        spellings = [f"{s} {o}" if s else o for s in spellings for o in options]
    yield from spellings


def fold_word(word: str) -> str:
    """How a word is written in the automaton: case-folded, full-width letters made plain."""
    if word.isascii():
        return word.lower()
    return _fold(word)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()
