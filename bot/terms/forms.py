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
its alternatives (``endings | owner << 16`` each) are in ``FormTable.entries``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

from bot.terms.model import Term
from bot.terms.text import plural, singular
from bot.terms.verbs import verb_forms

# A word: letters and digits, with inner underscores kept (so "EQL_report" is one identifier-like
# word, not EQL) but outer ones dropped (so Slack's _italics_ still match).
WORD_RE = re.compile(r"[^\W_](?:\w*[^\W_])?")
_WORD_OR_NEWLINE_RE = re.compile(r"[^\W_](?:\w*[^\W_])?|\n")
_ABBREVIATIONS = frozenset({"vs", "v"})
"""Words after which a full stop may join the next word ("Product vs. Technology partner")."""
ACRONYM = 1
"""The owner bit of an acronym: matched only as written, in capitals."""
_LENGTH_BITS, _ENDING_BITS, _TERM_BITS = 6, 7, 17


@dataclass(frozen=True, slots=True)
class FormTable:
    """The compiled forms: see the module docstring for the packing."""

    automaton: ahocorasick.Automaton
    endings: list[frozenset[str]]
    entries: list[tuple[int, tuple[int, ...]]]


def build_forms(terms: Sequence[Term]) -> FormTable:
    """The automaton and entry table for ``terms`` (term numbers are positions in it)."""
    builder = _Builder()
    written = [(i, name, False) for i, t in enumerate(terms) for name in (t.term,)]
    written += [(i, alias, True) for i, t in enumerate(terms) for alias in t.aliases]
    tokenised = _tokenise([text for _, text, _ in written])
    forms = [(words, i, alias) for (i, _, alias), words in zip(written, tokenised, strict=True)]
    spelled = {
        " ".join((*words[:-1], variant))
        for words, _, alias in forms
        if words
        for variant in _literal_variants(words, alias)
        if variant.endswith(("ed", "ing"))
    }
    for words, i, alias in forms:
        if not words:
            continue
        variants = _literal_variants(words, alias)
        head = words[:-1]
        for verb in verb_forms(words[-1], alone=not head):
            if verb not in variants and " ".join((*head, verb)) not in spelled:
                variants.add(verb)
        stem = os.path.commonprefix(list(variants))
        endings = frozenset(variant[len(stem) :] for variant in variants)
        for prefix in _abbreviated(head):
            builder.add(" ".join((*prefix, stem)), endings, i << 1)
    for i, term in enumerate(terms):
        for acronym in term.acronyms:
            if WORD_RE.fullmatch(acronym):
                key = fold_word(acronym)
                builder.add(key, frozenset(("", "s")), i << 1 | ACRONYM)
    return builder.compile()


class _Builder:
    """Collects forms by key, merging a term's own repeated keys, then compiles them."""

    def __init__(self) -> None:
        self._keys: dict[str, int | list[int]] = {}
        self._ending_ids: dict[frozenset[str], int] = {}
        self.endings: list[frozenset[str]] = []

    def _ending_id(self, endings: frozenset[str]) -> int:
        number = self._ending_ids.get(endings)
        if number is None:
            number = self._ending_ids[endings] = len(self.endings)
            self.endings.append(endings)
        return number

    def add(self, key: str, endings: frozenset[str], owner: int) -> None:
        """A form ``key`` of ``owner`` (``acronym | term << 1``) with its last word's endings."""
        alternative = self._ending_id(endings) | owner << 16
        known = self._keys.get(key)
        if known is None:
            self._keys[key] = alternative
            return
        alternatives = known if isinstance(known, list) else [known]
        for position, other in enumerate(alternatives):
            if other >> 16 == owner:  # the same term and kind: one ending set for both
                merged = self.endings[other & 0xFFFF] | endings
                alternatives[position] = self._ending_id(merged) | owner << 16
                break
        else:
            alternatives.append(alternative)
        self._keys[key] = alternatives[0] if len(alternatives) == 1 else alternatives

    def compile(self) -> FormTable:
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        entries: list[tuple[int, tuple[int, ...]]] = []
        for key, known in self._keys.items():
            if not isinstance(known, list):
                ending, owner = known & 0xFFFF, known >> 16
                if (
                    len(key) < 1 << _LENGTH_BITS
                    and ending < 1 << _ENDING_BITS
                    and owner < 1 << (_TERM_BITS + 1)
                ):
                    automaton.add_word(key, len(key) | ending << 6 | owner << 13)
                    continue
                known = [known]
            alternatives = tuple(sorted(known, key=lambda alternative: alternative >> 17))
            automaton.add_word(key, ~len(entries))
            entries.append((len(key), alternatives))
        automaton.make_automaton()
        return FormTable(automaton, self.endings, entries)


def _tokenise(texts: list[str]) -> list[tuple[str, ...]]:
    """Each text's words as the scanner reads them, for all texts in a few C-level passes.

    Words are found before normalising (as in a message), then NFKC- and case-folded; spaces
    and newlines are Unicode starters that never compose, so folding the joined words equals
    folding each word.
    """
    joined = "\n".join(texts).replace("’", "'")
    if joined.count("\n") != max(len(texts) - 1, 0):
        return [tuple(fold_word(w) for w in WORD_RE.findall(t.replace("’", "'"))) for t in texts]
    tokens = " ".join(_WORD_OR_NEWLINE_RE.findall(joined))
    tokens = tokens.lower() if tokens.isascii() else _fold(tokens)
    return [tuple(line.split()) for line in tokens.split("\n")] if texts else []


def _literal_variants(words: tuple[str, ...], alias: bool) -> set[str]:
    """The last word as written, singular and plural; "co-" aliases' verb and agent forms."""
    last = words[-1]
    variants = {last, plural(last), singular(last)}
    if alias and words[0] == "co" and len(words) > 1:
        stem = last[:-1] if last.endswith("e") else last
        variants.update((stem + "ed", stem + "ing", stem + "er", stem + "ers"))
    return variants


def _abbreviated(head: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The leading words, and every spelling with a full stop after "vs" or "v"."""
    spellings: list[tuple[str, ...]] = [()]
    for word in head:
        options = (word, word + ".") if word in _ABBREVIATIONS else (word,)
        spellings = [(*spelling, option) for spelling in spellings for option in options]
    return iter(spellings)


def fold_word(word: str) -> str:
    """How a word is written in the automaton: case-folded, full-width letters made plain."""
    if word.isascii():
        return word.lower()
    return _fold(word)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()
