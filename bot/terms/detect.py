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
        tokens = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(masked)]
        found: list[tuple[int, int, tuple[Term, ...]]] = []
        for index in range(len(tokens)):
            owners, length = self._longest(masked, tokens, index)
            if owners:
                found.append((index, length, owners))
        if len(found) > 1:
            found = self._without_overlaps(found)
        matches: list[Match] = []
        seen: set[str] = set()
        for index, length, owners in found:
            start, end = tokens[index][0], tokens[index + length - 1][1]
            if masked.startswith(")", end) and masked.count("(", start, end) > masked.count(
                ")", start, end
            ):
                end += 1  # "exclusivity (de facto)" keeps its closing bracket
            for term in owners:
                if term.term in seen or not (include_all or term.auto_expand):
                    continue
                seen.add(term.term)
                matches.append(Match(term, text[start:end], start, end))
        return matches

    @staticmethod
    def _without_overlaps(
        found: list[tuple[int, int, tuple[Term, ...]]],
    ) -> list[tuple[int, int, tuple[Term, ...]]]:
        """Keep the longest matches (then the leftmost) that do not share a word."""
        taken: set[int] = set()
        kept = []
        for index, length, owners in sorted(found, key=lambda f: (-f[1], f[0])):
            words = range(index, index + length)
            if taken.isdisjoint(words):
                taken.update(words)
                kept.append((index, length, owners))
        return sorted(kept, key=lambda f: f[0])

    def _longest(
        self, masked: str, tokens: list[tuple[int, int, str]], index: int
    ) -> tuple[tuple[Term, ...], int]:
        """The terms of the longest form starting at ``tokens[index]``, and its word count."""
        first = tokens[index][2]
        node = self._root.get(_key(first))
        if node is None:
            return self._acronym(first), 1
        best: tuple[Term, ...] = node.get(_END, ())
        length = 1
        previous_end, previous = tokens[index][1], first
        for offset in range(index + 1, len(tokens)):
            start, end, word = tokens[offset]
            node = node.get(_key(word))
            if node is None:
                break
            joiner = _ABBREVIATION_JOINER_RE if previous.lower() in _ABBREVIATIONS else _JOINER_RE
            if not joiner.fullmatch(masked, previous_end, start):
                break
            if _END in node:
                best, length = node[_END], offset - index + 1
            previous_end, previous = end, word
        if not best:
            return self._acronym(first), 1
        return best, length

    def _acronym(self, word: str) -> tuple[Term, ...]:
        """Terms with this acronym, as written (in capitals, optionally with a plural s)."""
        if not word.isascii():
            word = unicodedata.normalize("NFKC", word)
        return self._acronyms.get(word, ())


def _key(word: str) -> str:
    """How a word is looked up in the trie: case-folded, full-width letters made plain."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).casefold()


def _verb_forms(word: str) -> list[str]:
    stem = word[:-1] if word.endswith("e") else word
    return [stem + "ed", stem + "ing", stem + "er", stem + "ers"]
