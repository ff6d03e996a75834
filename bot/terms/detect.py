"""Find glossary terms in a chat message (what the bot would explain in a thread).

Design, chosen by measuring (see ``bench/``): one Aho-Corasick automaton (pyahocorasick) holds
every written form of every term, lower-cased, its words joined by one space. A message is
lower-cased and its joiner characters (spaces, hyphens, brackets) become spaces, which keeps every
offset; the automaton then reports every form in one C-level pass, whatever the glossary's size,
and Python only checks word boundaries and resolves overlaps for the few hits. Forms are stored by
stem with the endings their last word may take ("redlin" + e/es/ed/ing), so plurals and verb
forms cost no automaton nodes; a form of several words is found through its first word
(``FormTable.phrases_at``), and its hits are put back in the automaton's own order
(bot.terms.forms builds the table).

Rules (each has tests):
* whole words only; names and aliases match in any case, acronyms only as written in capitals
  (with an optional plural "s": EQLs), so "pms" or "Icp" never match;
* the words of a multi-word form may be separated by one to four spaces, hyphens or brackets,
  so "usage based", "usage-based" and "exclusivity (de facto)" all match;
* the last word may be plural, and a verb form where bot.terms.verbs allows ("churned");
* leftmost-longest wins and overlapping shorter terms are dropped;
* code spans and blocks, URLs, ``<…>`` links and mentions, and ``:emoji:`` codes are skipped;
* each term once per message; an ambiguous acronym yields one match per meaning.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from bot.terms.forms import ACRONYM, PHRASE, WORD_RE, FormTable, build_forms, fold_word
from bot.terms.model import Match, Term

_JOINER = r"[\s\-‐‑‒–—()]"
_JOINERS_RE = re.compile(_JOINER + "{1,4}")
_ABBREVIATION_JOINERS_RE = re.compile(r"\." + _JOINER + "{1,4}")
_ASCII_JOINERS = str.maketrans({chr(c): " " for c in range(128) if re.fullmatch(_JOINER, chr(c))})
_RUNS_RE = re.compile(" {2,}")
_REST_RE = re.compile(r"\w*")
# Regions never scanned: a hit inside one is dropped, so offsets stay put.
_SKIP_RE = re.compile(
    r"```.*?(?:```|\Z)"  # code block (an unclosed fence runs to the end)
    r"|`[^`]*`"  # inline code
    r"|<[^<>]*>"  # Slack links, user/channel mentions, <!here>
    r"|\b(?:https?|ftp|mailto)://\S+|\bwww\.\S+"  # bare URLs
    r"|:[a-z0-9_+'\-]+:",  # emoji codes
    re.DOTALL | re.IGNORECASE,
)
MAX_SCAN_CHARS = 40_000
"""Slack cuts message text at 40,000 characters; anything longer is scanned up to that."""

_Hit = tuple[int, int, int]
"""A whole-word form in a message: start and end offsets, owner (``acronym | term << 1``)."""
_Found = tuple[int, int, tuple[int, ...]]
"""A candidate match: start and end offsets, the terms (their numbers) it means."""


class Scanner:
    """The written forms of every term in one automaton, and the rules that read its hits."""

    def __init__(self, terms: Sequence[Term], forms: FormTable | None = None) -> None:
        self._terms = tuple(terms)
        self._forms: FormTable = build_forms(self._terms) if forms is None else forms
        self._quiet = frozenset(i for i, term in enumerate(self._terms) if not term.auto_expand)

    def to_data(self) -> dict[str, object]:
        """What ``from_data`` needs to skip building (see bot.terms.index_cache)."""
        return self._forms.to_data()

    @classmethod
    def from_data(cls, terms: Sequence[Term], data: Any) -> Scanner:
        """The scanner ``to_data`` described, for the same terms; TypeError/ValueError if the
        data is malformed."""
        return cls(terms, FormTable.from_data(data, len(terms)))

    def scan(self, text: str, *, include_all: bool = False) -> list[Match]:
        """Terms in ``text``, in order of appearance; ``include_all`` adds auto_expand: false.

        Where matches overlap, the one with more words wins, then the leftmost: in "channel
        partner sales support" that is "partner sales support", not "channel partner".
        """
        text = text[:MAX_SCAN_CHARS]
        if text.isascii():
            low = text.lower()
            normal = low.replace("-", " ").replace("(", " ").replace(")", " ")
            if not normal.isprintable():  # tabs, newlines: the other ASCII joiners
                normal = normal.translate(_ASCII_JOINERS)
            hits = self._hits(normal, None) if "  " not in normal else self._collapsed(normal)
        else:
            low = text.lower()
            hits = self._hits_unicode(text, low)
        if not hits:
            return []
        masked = text
        if "`" in low or "<" in low or ":" in low or "www." in low:
            masked, skipped = _SKIP_RE.subn(_blank, text)
            if skipped:
                hits = [hit for hit in hits if "\0" not in masked[hit[0] : hit[1]]]
        found = self._choose(hits, text)
        if not include_all:
            # Terms that are never explained must not hide ones that are: in "affiliate
            # partner ecosystems" the alias "affiliate partner" (Affiliate, not explained)
            # would otherwise win the overlap against "partner ecosystems".
            quiet = self._quiet
            if quiet:
                found = [
                    (start, end, owners)
                    if len(owners) == 1
                    else (start, end, tuple(i for i in owners if i not in quiet))
                    for start, end, owners in found
                    if len(owners) > 1 or owners[0] not in quiet
                ]
                found = [candidate for candidate in found if candidate[2]]
        if len(found) > 1:
            found = _without_overlaps(found, text)
        terms = self._terms
        matches: list[Match] = []
        seen: set[int] = set()
        for start, end, owners in found:
            if masked.startswith(")", end) and masked.count("(", start, end) > masked.count(
                ")", start, end
            ):
                end += 1  # "exclusivity (de facto)" keeps its closing bracket
            for i in owners:
                if i not in seen:
                    seen.add(i)
                    matches.append(Match(terms[i], text[start:end], start, end))
        return matches

    def _collapsed(self, normal: str) -> list[_Hit]:
        """Hits in an ASCII message with runs of joiners, read collapsed and mapped back."""
        collapsed, breaks, shifts = _collapse(normal)

        def original(position: int) -> int | None:
            return position + shifts[bisect.bisect_right(breaks, position) - 1]

        return self._hits(collapsed, original)

    def _hits_unicode(self, text: str, low: str) -> list[_Hit]:
        """Hits in any other message: rebuilt word by word (NFKC, case-folded), then mapped."""
        if len(low) != len(text):  # a rare letter whose lower case is longer: keep offsets
            low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        pieces: list[str] = []
        offsets: dict[int, int] = {0: 0}
        size, previous = 0, 0
        for match in WORD_RE.finditer(low):
            gap = _gap(low[previous : match.start()])
            word = fold_word(match.group())
            pieces += (gap, word)
            size += len(gap)
            offsets[size] = match.start()
            size += len(word)
            offsets[size] = match.end()
            previous = match.end()
        normal = "".join(pieces)
        return self._hits(normal, offsets.get)

    def _hits(self, normal: str, original: Callable[[int], int | None] | None) -> list[_Hit]:
        """Whole-word hits of the automaton in ``normal``, in the message's own offsets."""
        table = self._forms
        hits: list[_Hit] = []
        ranks: list[tuple[int, int]] = []
        phrased = False
        for last, value in table.automaton.iter(normal):
            if value >= 0:
                length = value & 63
            elif value > PHRASE:
                length = table.entries[~value][0]
            else:
                length = table.start_length(PHRASE - value)
            start = last - length + 1
            if start:
                before = normal[start - 1]
                if before.isalnum() or (before == "_" and not _starts_word(normal, start)):
                    continue
            if value > PHRASE:
                _whole_word(table, normal, start, length, value, hits, ranks)
                continue
            for size, form in table.phrases_at(normal, start, PHRASE - value):
                _whole_word(table, normal, start, size, form, hits, ranks)
            phrased = True
        if phrased and len(hits) > 1:  # in the order the automaton reports whole forms
            hits = [hit for _, hit in sorted(zip(ranks, hits, strict=True), key=itemgetter(0))]
        if original is not None:
            mapped = []
            for start, end, owner in hits:
                first, after = original(start), original(end)
                if first is not None and after is not None:
                    mapped.append((first, after, owner))
            hits = mapped
        return hits

    def _choose(self, hits: list[_Hit], text: str) -> list[_Found]:
        """At each start, the longest form (the most words), else an acronym written as such."""
        if len(hits) == 1:
            start, end, owner = hits[0]
            if owner & ACRONYM and not self._written_as_acronym(text[start:end], owner >> 1):
                return []
            return [(start, end, (owner >> 1,))]
        best: dict[int, _Found] = {}
        acronyms: dict[int, _Found] = {}
        for start, end, owner in hits:
            term = owner >> 1
            if owner & ACRONYM:
                if self._written_as_acronym(text[start:end], term):
                    known = acronyms.get(start)
                    acronyms[start] = (start, end, (term,) if known is None else (*known[2], term))
                continue
            chosen = best.get(start)
            if chosen is None or end > chosen[1]:
                best[start] = (start, end, (term,))
            elif end == chosen[1] and term not in chosen[2]:
                best[start] = (start, end, tuple(sorted((*chosen[2], term))))
        for start, found in acronyms.items():
            best.setdefault(start, found)
        return sorted(best.values()) if len(best) > 1 else list(best.values())

    def _written_as_acronym(self, written: str, term: int) -> bool:
        if not written.isascii():
            written = unicodedata.normalize("NFKC", written)
        return any(written in (a, a + "s") for a in self._terms[term].acronyms)


def _whole_word(
    table: FormTable,
    normal: str,
    start: int,
    length: int,
    value: int,
    hits: list[_Hit],
    ranks: list[tuple[int, int]],
) -> None:
    """Add the hits of a form found at ``start`` whose last word ends with one of its endings
    (``ranks``: the automaton's order, by last letter of the form, the longer first)."""
    end = start + length
    rest = ""
    if end < len(normal) and (normal[end].isalnum() or normal[end] == "_"):
        rest = _REST_RE.match(normal, end).group().rstrip("_")  # type: ignore[union-attr]
    if value >= 0:
        if rest in table.endings[value >> 6 & 127]:
            hits.append((start, end + len(rest), value >> 13))
            ranks.append((end, -length))
        return
    for alternative in table.entries[~value][1]:
        if rest in table.endings[alternative & 0xFFFF]:
            hits.append((start, end + len(rest), alternative >> 16))
            ranks.append((end, -length))


def _without_overlaps(found: list[_Found], text: str) -> list[_Found]:
    """Keep the longest matches (most words, then leftmost) that do not overlap."""
    reach = 0
    for start, end, _ in found:  # sorted by start: if each ends before the next, none do
        if start < reach:
            break
        reach = end
    else:
        return found
    kept: list[_Found] = []
    for hit in sorted(found, key=lambda f: (-len(WORD_RE.findall(text, f[0], f[1])), f[0])):
        if all(hit[1] <= other[0] or other[1] <= hit[0] for other in kept):
            kept.append(hit)
    return sorted(kept)


def _collapse(normal: str) -> tuple[str, list[int], list[int]]:
    """Runs of joiners as one space (a run of five or more joins nothing: NUL), with the
    breakpoints and shifts that map a collapsed offset back to the message's."""
    pieces: list[str] = []
    breaks, shifts = [0], [0]
    previous = removed = 0
    for run in _RUNS_RE.finditer(normal):
        pieces += (normal[previous : run.start()], " " if len(run.group()) <= 4 else "\0")
        removed += len(run.group()) - 1
        breaks.append(run.start() - removed + len(run.group()))
        shifts.append(removed)
        previous = run.end()
    pieces.append(normal[previous:])
    return "".join(pieces), breaks, shifts


def _gap(between: str) -> str:
    """What the characters between two words become: a joiner, "vs."'s joiner, or a break."""
    if _JOINERS_RE.fullmatch(between):
        return " "
    if _ABBREVIATION_JOINERS_RE.fullmatch(between):
        return ". "
    return "\0" if between else ""


def _blank(match: re.Match[str]) -> str:
    return "\0" * (match.end() - match.start())


def _starts_word(text: str, position: int) -> bool:
    """Whether a word starts at ``position`` (as ``WORD_RE`` would split the text)."""
    before = text[position - 1]
    if before.isalnum():
        return False
    while before == "_" and position > 1:  # "foo_eql" is one identifier; "_eql_" is italics
        position -= 1
        before = text[position - 1]
    return not before.isalnum()
