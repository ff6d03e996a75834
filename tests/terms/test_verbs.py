"""Names used as verbs, and questions with possessives: the term service's last two misses.

A revenue-operations glossary written with no aliases beyond real synonyms (built here in
memory, as the shipped glossary has no such terms): "Churn" must be found in "we churned four
logos" and by ``/define churned``, with zero false explanations — "marketing" is not the verb
of "Market", nor "leading" of "Lead". Questions reduce to their subject whatever the
determiner: "what's our NRR?" as "what's the NRR?".
"""

from __future__ import annotations

import pytest

from bot.terms import Glossary, Term
from bot.terms.questions import reduce_question
from bot.terms.verbs import verb_forms, verb_stems

NAMES = [
    *("Churn", "Upsell", "Cross-sell", "Redline", "Market", "Account", "Lead", "Plan", "Price"),
    *("Base", "Franchise", "Franchising", "Ramp", "Quota attainment"),
]


def term(name: str, acronym: str = "") -> Term:
    return Term(name, "Revenue operations", f"{name}.", (acronym,) if acronym else ())


@pytest.fixture(scope="module")
def revops() -> Glossary:
    acronyms = [term("Net revenue retention", "NRR"), term("Market development funds", "MDF")]
    return Glossary([*(term(name) for name in NAMES), *acronyms]).warm()


def found(glossary: Glossary, text: str) -> list[tuple[str, str, int, int]]:
    return [(m.term.term, m.text, m.start, m.end) for m in glossary.scan(text)]


@pytest.mark.parametrize(
    ("word", "alone", "forms"),
    [
        ("churn", True, ("churned", "churning")),
        ("upsell", True, ("upselled", "upselling")),
        ("redline", True, ("redlined", "redlining")),
        ("sell", False, ("selled", "selling")),  # the last word of "Cross-sell"
        ("qualify", True, ("qualified", "qualifying")),
        ("plan", False, ("planned",)),  # "planning" is a word of its own
        ("label", False, ("labeled", "labeling", "labelled", "labelling")),
        ("market", True, ("marketed", "marketted")),  # not "marketing", nor its misspelling
        ("account", True, ("accounted",)),
        ("sell", True, ()),  # a one-word name needs five letters
        ("lead", True, ()),
        ("reseller", True, ()),  # agent and abstract nouns are no verbs
        ("registration", False, ()),
        ("partners", False, ()),  # nor plurals
        ("licensing", True, ()),  # already a verb form
    ],
)
def test_verb_forms(word: str, alone: bool, forms: tuple[str, ...]) -> None:
    assert verb_forms(word, alone=alone) == forms


def test_verb_stems_read_the_forms_back() -> None:
    assert verb_stems("redlined") == ["redlin", "redline"]
    assert verb_stems("planning") == ["plann", "planne", "plan"]
    assert verb_stems("tying") == ["ty", "tye", "tie"]
    assert verb_stems("churn") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We churned four logos", [("Churn", "churned", 3, 10)]),
        ("upselling into the base", [("Upsell", "upselling", 0, 9), ("Base", "base", 19, 23)]),
        ("we are cross selling into EMEA", [("Cross-sell", "cross selling", 7, 20)]),
        ("Cross-selling works", [("Cross-sell", "Cross-selling", 0, 13)]),
        ("legal redlined the MSA", [("Redline", "redlined", 6, 14)]),
        ("REDLINING now", [("Redline", "REDLINING", 0, 9)]),
        ("they marketed it", [("Market", "marketed", 5, 13)]),
        ("they franchised it", [("Franchise", "franchised", 5, 15)]),
        # Zero false explanations: everyday words stay everyday words.
        ("our marketing team", []),
        ("marketting", []),
        ("accounting closed the books", []),
        ("leading the call", []),
        ("planning session", []),
        ("the pricing page", []),
        ("based on this", []),
        ("we ramped up", []),
        ("a new accountant", []),
        # A term's own name wins over another's verb form.
        ("franchising model", [("Franchising", "franchising", 0, 11)]),
    ],
)
def test_names_used_as_verbs_in_messages(
    revops: Glossary, text: str, expected: list[object]
) -> None:
    assert found(revops, text) == expected


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ("churned", "found", ["Churn"]),
        ("upselling", "found", ["Upsell"]),
        ("cross selling", "found", ["Cross-sell"]),
        ("cross-selling", "found", ["Cross-sell"]),
        ("redlined", "found", ["Redline"]),
        ("what is upselling", "found", ["Upsell"]),
        ("franchising", "found", ["Franchising"]),
        ("planning", "none", []),
        ("marketing", "suggest", ["Market"]),  # a "did you mean", never an answer
    ],
)
def test_names_used_as_verbs_in_define(
    revops: Glossary, query: str, status: str, names: list[str]
) -> None:
    result = revops.define(query)
    assert (result.status.value, [t.term for t in result.terms]) == (status, names)


def test_the_shipped_glossary_explains_no_everyday_verb(glossary: Glossary) -> None:
    text = (
        "We partnered with them, affiliated teams were consulting and distributing, "
        "the agents licensed it, scoped it and marketed it; leading, planning and pricing."
    )
    assert found(glossary, text) == []


@pytest.mark.parametrize(
    ("query", "subject", "name"),
    [
        ("what's our NRR?", "nrr", "Net revenue retention"),
        ("what's the NRR?", "nrr", "Net revenue retention"),
        ("whats my quota attainment", "quota attainment", "Quota attainment"),
        ("What are your quota attainments?", "quota attainments", "Quota attainment"),
        ("is this NRR", "nrr", "Net revenue retention"),
        ("what is their MDF", "mdf", "Market development funds"),
    ],
)
def test_questions_with_possessives(revops: Glossary, query: str, subject: str, name: str) -> None:
    result = revops.define(query)
    assert (result.status.value, [t.term for t in result.terms], result.subject) == (
        "found",
        [name],
        subject,
    )


def test_a_possessive_reduces_as_the_article_does(revops: Glossary) -> None:
    assert reduce_question("what is their mdf policy") == "mdf policy"
    assert reduce_question("what is the mdf policy") == "mdf policy"
    theirs, the = revops.define("what is their MDF policy"), revops.define("what is the MDF policy")
    assert (theirs.status, theirs.terms) == (the.status, the.terms)
