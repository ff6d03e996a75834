"""Text normalisation shared by lookup, detection and search.

One place decides what "the same words" means, so that a term found by ``/define`` is also found
in a message and by search: Unicode is NFKC-folded (non-breaking spaces become spaces, curly
apostrophes straight), case is folded, and every run of punctuation becomes a single space.
``fold_all`` gives the same answers as ``fold`` for a whole glossary at once: the indexes fold
hundreds of thousands of names, and one pass of each C-level step over one joined string is an
order of magnitude faster than a Python call per name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

WORD_RE = re.compile(r"[^\W_]+")
_APOSTROPHES = str.maketrans({"’": "", "'": "", "‘": "", "`": ""})
_SEPARATORS_RE = re.compile(r"[^\w\n ][^\w\n]*| [^\w\n]+")
"""Runs of characters between words, except the usual single space (left alone: fewer subs)."""


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case-, accent-width-, hyphen-, space- and punctuation-insensitive form of ``text``.

    Apostrophes are dropped rather than split on, so "what's" reads as "whats" and
    "partner's" as "partners" (which the singular rule then takes back to "partner").
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return " ".join(WORD_RE.findall(text))


def fold_all(texts: Sequence[str]) -> list[str]:
    """``[fold(t) for t in texts]``, computed on one joined string.

    A newline is a Unicode starter that never composes, so normalising and case-folding the
    joined string equals doing it text by text; texts containing newlines are folded one by one.
    """
    joined = "\n".join(texts)
    if joined.count("\n") != max(len(texts) - 1, 0):
        return [fold(text) for text in texts]
    joined = unicodedata.normalize("NFKC", joined).casefold().translate(_APOSTROPHES)
    joined = _SEPARATORS_RE.sub(" ", joined.replace("_", " "))
    return [line.strip(" ") for line in joined.split("\n")] if texts else []


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()


@lru_cache(maxsize=1 << 16)
def singular(word: str) -> str:
    """A deliberately simple English singular: enough for glossary nouns and acronyms.

    Plurals in partner jargon are regular ("partners", "ISVs", "strategic alliances",
    "ecosystem qualified leads"); the few irregular cases belong in a term's aliases.
    """
    if len(word) <= 3:
        return word[:-1] if len(word) == 3 and word.endswith("s") and word[1] != "s" else word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """The regular plural, used to pre-compute the forms a name takes in running text."""
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    return word + "s"


def singular_phrase(folded: str) -> str:
    """Singular of the last word of a folded phrase ("referral partners" → "referral partner")."""
    head, _, last = folded.rpartition(" ")
    last = singular(last)
    return f"{head} {last}" if head else last
