"""bot.terms.search: full-text search over names, aliases and definitions, best first.

The rankings below were checked by hand against the definitions: "commission" is in the name
of Commission-based pricing, in an alias and the definition of Agent ("commission agent", "on a
commission basis"), and only in the definitions of the others. Typos in a longer word are
forgiven; words that carry no meaning are not searched for at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import ClassVar

import pytest

from bot.terms import Glossary, Term
from bot.terms import glossary as glossary_module
from bot.terms.search import SearchIndex

COMMISSION = [
    "Commission-based pricing",
    "Agent",
    "Referral partner",
    "Affiliate",
    "Hybrid pricing",  # "commission-based" in its definition
    "Partner program",  # "commissions" in its definition
]


def names(glossary: Glossary, query: str, limit: int = 10) -> list[str]:
    return [hit.term.term for hit in glossary.search(query, limit)]


@pytest.mark.parametrize("query", ["commission", "Commissions!", "comission", "xyzzy commission"])
def test_commission_ranks_the_pricing_model_first(glossary: Glossary, query: str) -> None:
    assert names(glossary, query) == COMMISSION


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("royalties", ["Licensing", "Franchising"]),
        ("white label", ["White label", "White label pricing"]),
        (
            "referral",
            ["Referral Program", "Referral partner", "Ecosystem Qualified Lead", "Partner program"],
        ),
        ("EQL", ["Ecosystem Qualified Lead"]),
        ("patent", ["Exclusivity (de jure)"]),
    ],
)
def test_ranking(glossary: Glossary, query: str, expected: list[str]) -> None:
    assert names(glossary, query) == expected


@pytest.mark.parametrize(
    ("query", "first"),
    [
        pytest.param("franchise", "Franchise", id="franchise"),
        pytest.param("ecosystem", "Ecosystem", id="ecosystem"),
    ],
)
def test_an_exact_name_ranks_first(glossary: Glossary, query: str, first: str) -> None:
    assert names(glossary, query)[0] == first


@pytest.mark.parametrize("query", ["the of and", "what is", "", "   ", "?!", "zzzzqqq", "comi"])
def test_nothing_to_search_for(glossary: Glossary, query: str) -> None:
    assert glossary.search(query) == []


def test_limit(glossary: Glossary) -> None:
    assert names(glossary, "commission", limit=3) == COMMISSION[:3]
    assert names(glossary, "commission", limit=0) == []
    assert len(glossary.search("partner")) == 10
    assert len(glossary.search("partner", limit=50)) == 50


def test_scores_are_best_first(glossary: Glossary) -> None:
    scores = [hit.score for hit in glossary.search("partner", limit=98)]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] > 0


class SlowIndex(SearchIndex):
    """A SearchIndex whose build says it began, waits for ``release``, and counts its runs."""

    built: ClassVar[list[str]] = []
    began = threading.Event()
    release = threading.Event()

    def __init__(self, terms: Sequence[Term], named: Callable[[str], int | None]) -> None:
        SlowIndex.began.set()
        assert self.release.wait(10), "the test never released the build"
        SlowIndex.built.append(threading.current_thread().name)
        super().__init__(terms, named)


@pytest.fixture
def slow_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[SlowIndex]]:
    SlowIndex.built = []
    SlowIndex.began = threading.Event()
    SlowIndex.release = threading.Event()
    monkeypatch.setattr(glossary_module, "SearchIndex", SlowIndex)
    yield SlowIndex
    SlowIndex.release.set()


def test_warm_builds_no_search_index_and_starts_no_thread(
    glossary: Glossary, slow_index: type[SlowIndex]
) -> None:
    """Threads belong to the process: warm() builds lookup and scanner, nothing else."""
    before = threading.active_count()
    fresh = Glossary(glossary.terms).warm()
    assert (threading.active_count(), slow_index.built, fresh._search_index) == (before, [], None)


def test_the_search_index_is_built_once_and_searches_mid_build_wait(
    glossary: Glossary, slow_index: type[SlowIndex]
) -> None:
    fresh = Glossary(glossary.terms).warm()
    builder = threading.Thread(target=fresh.build_search_index, name="builder")
    builder.start()
    assert slow_index.began.wait(10)  # the builder holds the index lock from here on
    answers: list[list[str]] = []
    searchers = [
        threading.Thread(target=lambda: answers.append(names(fresh, "commission")))
        for _ in range(4)
    ]
    for searcher in searchers:
        searcher.start()
    slow_index.release.set()
    for thread in (builder, *searchers):
        thread.join(10)
    assert answers == [COMMISSION] * 4
    assert slow_index.built == ["builder"]
    fresh.build_search_index()
    assert names(fresh, "commission") == COMMISSION
    assert slow_index.built == ["builder"]


def test_a_search_without_build_search_index_builds_the_index_itself(
    glossary: Glossary, slow_index: type[SlowIndex]
) -> None:
    slow_index.release.set()
    assert names(Glossary(glossary.terms), "commission") == COMMISSION
    assert slow_index.built == [threading.current_thread().name]
