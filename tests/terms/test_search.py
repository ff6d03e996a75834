"""bot.terms.search: full-text search over names, aliases and definitions, best first.

The rankings below were checked by hand against the definitions: "commission" is in the name
of Commission-based pricing, in an alias and the definition of Agent ("commission agent", "on a
commission basis"), and only in the definitions of the others. Typos in a longer word are
forgiven; words that carry no meaning are not searched for at all.
"""

from __future__ import annotations

import pytest

from bot.terms import Glossary

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
