"""bot.terms.text: the one definition of "the same words" shared by lookup, scan and search.

Pinned here because every other engine inherits these rules: if ``fold`` stopped treating a
non-breaking space or a curly apostrophe as its plain twin, ``/define`` and detection would
silently disagree with each other.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.terms.text import fold, fold_all, plural, singular, singular_phrase, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Value-added distributor", "value added distributor"),
        ("VALUE‑ADDED\u00a0Distributor!", "value added distributor"),  # U+2011 hyphen, NBSP
        ("What’s a VAD?", "whats a vad"),
        ("partner's", "partners"),
        ("`code`", "code"),
        ("ＥＱＬ", "eql"),  # full-width letters, NFKC
        ("Ｃｏ－ｍａｒｋｅｔｉｎｇ", "co marketing"),
        ("co_marketing", "co marketing"),  # underscore separates words
        ("e.q.l.", "e q l"),
        ("  lots   of\tspace\n", "lots of space"),
        ("Straße", "strasse"),  # casefold, not lower
        ("Exclusivity (de facto)", "exclusivity de facto"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_words_are_the_folded_words() -> None:
    assert words("Co-Selling, please!") == ["co", "selling", "please"]
    assert words("") == []


@pytest.mark.parametrize(
    ("word", "one"),
    [
        ("partners", "partner"),
        ("alliances", "alliance"),
        ("companies", "company"),
        ("businesses", "business"),
        ("matches", "match"),
        ("wishes", "wish"),
        ("boxes", "box"),
        ("resources", "resource"),
        ("sales", "sale"),
        ("eqls", "eql"),  # folded acronyms
        ("isvs", "isv"),
        ("prms", "prm"),
        ("sis", "si"),
        ("vars", "var"),
        # Left alone: already singular, or too short to tell.
        ("partner", "partner"),
        ("business", "business"),
        ("process", "process"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("css", "css"),
        ("as", "as"),
        ("is", "is"),
        ("s", "s"),
        ("", ""),
    ],
)
def test_singular(word: str, one: str) -> None:
    assert singular(word) == one


@pytest.mark.parametrize(
    ("word", "many"),
    [
        ("partner", "partners"),
        ("company", "companies"),
        ("day", "days"),
        ("key", "keys"),
        ("alliance", "alliances"),
        ("business", "businesses"),
        ("match", "matches"),
        ("wish", "wishes"),
        ("box", "boxes"),
        ("buzz", "buzzes"),
        ("eql", "eqls"),
    ],
)
def test_plural_and_back(word: str, many: str) -> None:
    assert plural(word) == many
    assert singular(many) == word


@pytest.mark.parametrize(
    ("phrase", "one"),
    [
        ("referral partners", "referral partner"),
        ("ecosystem qualified leads", "ecosystem qualified lead"),
        ("partners referral", "partners referral"),  # only the last word changes
        ("partners", "partner"),
        ("", ""),
    ],
)
def test_singular_phrase(phrase: str, one: str) -> None:
    assert singular_phrase(phrase) == one


@given(st.lists(st.text(alphabet=st.sampled_from("ab _-.()’'\u00a0ＥéßİΣ½™\n")), max_size=6))
def test_fold_all_folds_as_fold_does(texts: list[str]) -> None:
    """The indexes fold a whole glossary in one pass: it must be fold(), text by text."""
    assert fold_all(texts) == [fold(text) for text in texts]
