"""``FormTable.phrases_at``: the scanner's lookup of several-word forms after the automaton found
their first word. It walks a sorted list with shortcuts (the next phrase, else bisection), so it
is checked here against the plain definition — every listed phrase the text starts with, in list
order — on small alphabets where phrases share long prefixes."""

from __future__ import annotations

from array import array
from bisect import bisect_left

import ahocorasick
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.terms.forms import FormTable

WORDS = st.text(alphabet="ab", min_size=1, max_size=3)
PHRASES = st.lists(WORDS, min_size=2, max_size=4).map(" ".join)


def table_of(phrases: list[str]) -> FormTable:
    ordered = sorted(set(phrases))
    return FormTable(
        automaton=ahocorasick.Automaton(),
        endings=[],
        entries=[],
        phrases=ordered,
        values=array("q", range(len(ordered))),
        longest=max(len(p) for p in ordered),
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(PHRASES, min_size=1, max_size=30), st.lists(WORDS, min_size=1, max_size=6))
def test_every_phrase_the_text_starts_with_and_only_those(
    phrases: list[str], words: list[str]
) -> None:
    table = table_of(phrases)
    text = " ".join(words)
    head = words[0] + " "
    first = bisect_left(table.phrases, head)
    if first == len(table.phrases) or not table.phrases[first].startswith(head):
        return  # the automaton reports no phrase start for this first word
    expected = [(len(p), i) for i, p in enumerate(table.phrases) if text.startswith(p)]
    assert list(table.phrases_at(text, 0, first)) == expected


def test_a_worked_example() -> None:
    table = table_of(["partner program", "partner programme", "partner portal", "deal desk"])
    assert table.phrases == ["deal desk", "partner portal", "partner program", "partner programme"]
    text = "partner programme manager"
    assert list(table.phrases_at(text, 0, 1)) == [(15, 2), (17, 3)]
    assert list(table.phrases_at("partner portals", 0, 1)) == [(14, 1)]
    assert list(table.phrases_at("partner pro", 0, 1)) == []
