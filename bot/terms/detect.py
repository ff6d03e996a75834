"""Find glossary terms in a chat message (what the bot would explain in a thread).

Design, chosen by measuring (see ``bench/``): the message is split into words once with one
C-level regex, and each word is looked up in a dict keyed by the first word of every form a
term can take (name, alias, plural, hyphen or space variants); only on a hit are the following
words compared. That is linear in the message, independent of the glossary's size, and keeps
offsets into the original string for free.

Rules (each has tests):
* whole words only; names and aliases match in any case, acronyms only as written in capitals
  (with an optional plural "s": EQLs), so "pms" or "Icp" never match;
* the words of a multi-word form may be separated by spaces, hyphens or brackets, so
  "usage based", "usage-based" and "exclusivity (de facto)" all match;
* leftmost-longest wins and overlapping shorter terms are dropped;
* code spans and blocks, URLs, ``<…>`` links and mentions, and ``:emoji:`` codes are skipped;
* each term once per message; an ambiguous acronym yields one match per meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.terms.model import Match, Term
from bot.terms.text import plural, singular

# A word: letters and digits, with inner underscores kept (so "EQL_report" is one identifier-like
# word, not EQL) but outer ones dropped (so Slack's _italics_ still match).
_WORD_RE = re.compile(r"[^\W_](?:\w*[^\W_])?")
# Characters allowed between the words of a multi-word term.
_JOINER_RE = re.compile(r"[\s\-‐‑‒–—()]{1,4}")
# After an abbreviation ("Product vs. Technology partner") a full stop may join words too.
_ABBREVIATION_JOINER_RE = re.compile(r"\.?[\s\-‐‑‒–—()]{1,4}")
_ABBREVIATIONS = frozenset({"vs", "v"})
# Regions never scanned; replaced by NUL so offsets stay put and no term spans them.
_SKIP_RE = re.compile(
    r"```.*?(?:```|\Z)"  # code block (an unclosed fence runs to the end)
    r"|`[^`]*`"  # inline code
    r"|<[^<>]*>"  # Slack links, user/channel mentions, <!here>
    r"|\b(?:https?|ftp|mailto)://\S+|\bwww\.\S+"  # bare URLs
    r"|:[a-z0-9_+'\-]+:",  # emoji codes
    re.DOTALL | re.IGNORECASE,
)
_SKIP_HINTS = ("`", "<", "://", "www.", ":")
MAX_SCAN_CHARS = 40_000
"""Slack cuts message text at 40,000 characters; anything longer is scanned up to that."""

_Found = tuple[int, int, int, tuple["Term", ...]]
"""A candidate match: start and end offsets, its number of words, the terms it means."""
_END = ""
"""Trie key under which a node stores the terms whose form ends there (no word is empty)."""


def _blank(match: re.Match[str]) -> str:
    return "\0" * (match.end() - match.start())


class Scanner:
    """A word trie of every written form of every term, plus a case-sensitive acronym table."""

    def __init__(self, terms: Sequence[Term]) -> None:
        root: dict[str, Any] = {}
        acronyms: dict[str, tuple[Term, ...]] = {}
        for term in terms:
            for words in self._name_forms(term):
                node = root
                for word in words:
                    node = node.setdefault(word, {})
                owners = node.get(_END, ())
                if term not in owners:
                    node[_END] = (*owners, term)
            for acronym in term.acronyms:
                for written in (acronym, acronym + "s"):
                    owners = acronyms.get(written, ())
                    if term not in owners:
                        acronyms[written] = (*owners, term)
        self._root = root
        self._acronyms = acronyms
        # Every lower-cased word that can begin a match: a message with none of them (most
        # messages) is dismissed with one C-level set operation.
        self._openers = frozenset(root) | {a.lower() for a in acronyms}

    @staticmethod
    def _name_forms(term: Term) -> set[tuple[str, ...]]:
        """Word tuples for the name and aliases, with singular/plural of the last word.

        Aliases of the co-* family ("co-market") are verbs in chat, so they also get their
        regular verb forms ("co-marketed", "co-marketing", "co-marketers").
        """
        forms: set[tuple[str, ...]] = set()
        for written, is_alias in ((term.term, False), *((a, True) for a in term.aliases)):
            words = tuple(_key(w) for w in _WORD_RE.findall(written.replace("’", "'")))
            if not words:
                continue
            last = words[-1]
            variants = {last, plural(last), singular(last)}
            if is_alias and words[0] == "co" and len(words) > 1:
                variants.update(_verb_forms(last))
            for variant in variants:
                forms.add((*words[:-1], variant))
        return forms

    def scan(self, text: str, *, include_all: bool = False) -> list[Match]:
        """Terms in ``text``, in order of appearance; ``include_all`` adds auto_expand: false.

        Where matches overlap, the one with more words wins, then the leftmost: in "channel
        partner sales support" that is "partner sales support", not "channel partner".
        """
        text = text[:MAX_SCAN_CHARS]
        masked = text
        if any(hint in text for hint in _SKIP_HINTS):
            masked = _SKIP_RE.sub(_blank, text)
        low = masked.lower()
        if low.isascii() and len(low) == len(masked):
            found = self._find_ascii(masked, low)
        else:
            found = self._find_unicode(masked, low)
        if not include_all:
            # Terms that are never explained must not hide ones that are: in "affiliate
            # partner ecosystems" the alias "affiliate partner" (Affiliate, not explained)
            # would otherwise win the overlap against "partner ecosystems".
            found = [
                (start, end, words, kept)
                for start, end, words, owners in found
                if (kept := tuple(t for t in owners if t.auto_expand))
            ]
        if len(found) > 1:
            found = self._without_overlaps(found)
        matches: list[Match] = []
        seen: set[str] = set()
        for start, end, _, owners in found:
            if masked.startswith(")", end) and masked.count("(", start, end) > masked.count(
                ")", start, end
            ):
                end += 1  # "exclusivity (de facto)" keeps its closing bracket
            for term in owners:
                if term.term in seen:
                    continue
                seen.add(term.term)
                matches.append(Match(term, text[start:end], start, end))
        return matches

    def _find_ascii(self, masked: str, low: str) -> list[_Found]:
        """Candidates in an ASCII message, found without building a token list.

        One C-level ``findall`` plus a set intersection tell which words that can begin a
        term occur at all (usually none); only those are located with ``str.find`` and
        walked through the trie. Measured 2–3× faster than tokenising every message.
        """
        openers = self._openers.intersection(_WORD_RE.findall(low))
        found: list[_Found] = []
        for word in openers:
            size = len(word)
            position = low.find(word)
            while position != -1:
                end = position + size
                if _starts_word(low, position) and _ends_word(low, end):
                    hit = self._walk(masked, low, word, position, end)
                    if hit is not None:
                        found.append(hit)
                position = low.find(word, end)
        found.sort(key=_start)
        return found

    def _find_unicode(self, masked: str, low: str) -> list[_Found]:
        """Candidates in any other message: token by token, each NFKC-folded."""
        if len(low) != len(masked):  # a rare letter whose lower case is longer: keep offsets
            low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in masked)
        found: list[_Found] = []
        for match in _WORD_RE.finditer(low):
            word = _key(match.group())
            if word in self._openers:
                hit = self._walk(masked, low, word, match.start(), match.end())
                if hit is not None:
                    found.append(hit)
        return found

    @staticmethod
    def _without_overlaps(found: list[_Found]) -> list[_Found]:
        """Keep the longest matches (most words, then leftmost) that do not overlap."""
        kept: list[_Found] = []
        for hit in sorted(found, key=lambda f: (-f[2], f[0])):
            if all(hit[1] <= other[0] or other[1] <= hit[0] for other in kept):
                kept.append(hit)
        return sorted(kept, key=_start)

    def _walk(self, masked: str, low: str, word: str, start: int, end: int) -> _Found | None:
        """The longest form that starts with ``word`` at ``start``, or its acronym meaning."""
        best: tuple[Term, ...] = ()
        best_end, words = end, 1
        node = self._root.get(word)
        if node is not None:
            best = node.get(_END, ())
            previous, previous_end, count = word, end, 1
            search = _WORD_RE.search
            while len(node) > (_END in node):  # the node has children: try the next word
                following = search(low, previous_end)
                if following is None:
                    break
                key = following.group()
                node = node.get(key if key.isascii() else _key(key))
                if node is None:
                    break
                joiner = _ABBREVIATION_JOINER_RE if previous in _ABBREVIATIONS else _JOINER_RE
                if not joiner.fullmatch(masked, previous_end, following.start()):
                    break
                count += 1
                previous, previous_end = following.group(), following.end()
                if _END in node:
                    best, best_end, words = node[_END], previous_end, count
        if not best:
            written = masked[start:end]
            if not written.isascii():
                written = unicodedata.normalize("NFKC", written)
            best = self._acronyms.get(written, ())
        return (start, best_end, words, best) if best else None


def _start(found: _Found) -> int:
    return found[0]


def _starts_word(low: str, position: int) -> bool:
    """Whether a word starts at ``position`` (as ``_WORD_RE`` would split the text)."""
    if position == 0:
        return True
    before = low[position - 1]
    if before.isalnum():
        return False
    while before == "_" and position > 1:  # "foo_eql" is one identifier; "_eql_" is italics
        position -= 1
        before = low[position - 1]
    return not before.isalnum()


def _ends_word(low: str, end: int) -> bool:
    """Whether a word ends at ``end``."""
    size = len(low)
    while end < size and low[end] == "_":
        end += 1
    return end == size or not low[end].isalnum()


def _key(word: str) -> str:
    """How a word is looked up in the trie: case-folded, full-width letters made plain."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).casefold()


def _verb_forms(word: str) -> list[str]:
    stem = word[:-1] if word.endswith("e") else word
    return [stem + "ed", stem + "ing", stem + "er", stem + "ers"]
