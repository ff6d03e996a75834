"""bot.terms.lookup: what ``/define`` answers, as one table of queries and outcomes.

Each row is (query, status, term names in order), decided from the issue's rules rather than
copied from the code: exact name → acronym → alias, insensitive to case, hyphens, spaces,
punctuation and NBSP, singular or plural, word order and question phrasing; then fuzzy
matching for typos (found) and near-misses (suggest). A miss must stay a miss: an unknown
acronym is ``none``, not the nearest known one, and a name with an unknown acronym in it
("CRM software") is at most a suggestion.
"""

from __future__ import annotations

import random
import string

import pytest

from bot.terms import Glossary, Status, Term, fuzzy
from bot.terms.lookup import LookupIndex
from bot.terms.questions import reduce_question

FOUND, AMBIGUOUS, SUGGEST, NONE = "found", "ambiguous", "suggest", "none"
VAD = ["Value-added distributor"]
EQL = ["Ecosystem Qualified Lead"]
ICP = ["Ideal Customer Profile"]
PRM = [
    "Partner Relationship Management",
    "Partner Relationship Management Software",
    "Partnership Relationship Manager",
]


TABLE = [
    # Exact names, whatever the case, hyphens, NBSP or punctuation.
    ("Value-added distributor", FOUND, VAD),
    ("VALUE ADDED DISTRIBUTOR", FOUND, VAD),
    ("value\u00a0added\u00a0distributor", FOUND, VAD),
    ("Value‑added distributor", FOUND, VAD),  # U+2011 non-breaking hyphen
    ("value-added distributor?", FOUND, VAD),
    ("CO-MARKETING!!!", FOUND, ["Co-marketing"]),
    ("co marketing", FOUND, ["Co-marketing"]),
    ("Partner's portal", FOUND, ["Partner portal"]),
    ("Exclusivity (de facto)", FOUND, ["Exclusivity (de facto)"]),
    ("exclusivity de jure", FOUND, ["Exclusivity (de jure)"]),
    ("Product vs Technology partner", FOUND, ["Product vs. Technology partner"]),
    ("partner-relationship-management", FOUND, PRM[:1]),
    ("Partnership Relationship Manager", FOUND, PRM[2:]),
    (
        "Marketing partner",
        FOUND,
        ["Marketing partner"],
    ),
    (
        "Partner Relationship Management (PRM)",
        FOUND,
        PRM[:1],
    ),
    # Acronyms: any case, plural, dotted.
    ("EQL", FOUND, EQL),
    ("eql", FOUND, EQL),
    ("EQLs", FOUND, EQL),
    ("vads", FOUND, VAD),
    ("V.A.D.", FOUND, VAD),
    ("PX", FOUND, ["Partner experience"]),
    ("MDF", FOUND, ["Market development funds"]),
    ("JV", FOUND, ["Joint venture"]),
    ("OEMs", FOUND, ["Original equipment manufacturer"]),
    ("PRM", AMBIGUOUS, PRM),
    ("prm", AMBIGUOUS, PRM),
    ("PRMs", AMBIGUOUS, PRM),
    # Aliases.
    ("deal reg", FOUND, ["Deal registration"]),
    ("partner network", FOUND, ["Partner ecosystem"]),
    ("whitelabel", FOUND, ["White label"]),
    ("co-sell", FOUND, ["Co-selling"]),
    ("PRM software", FOUND, PRM[1:2]),
    ("partner relationship manager", FOUND, PRM[2:]),
    ("organisational alignment", FOUND, ["Organizational alignment"]),
    # Singular, plural, word order.
    ("distributors", FOUND, ["Distributor"]),
    ("referral partners", FOUND, ["Referral partner"]),
    ("strategic alliances", FOUND, ["Strategic alliance"]),
    ("Partner tiers", FOUND, ["Partner tier"]),
    ("Franchises", FOUND, ["Franchise"]),
    ("ideal customer profiles", FOUND, ICP),
    ("pricing reseller", SUGGEST, ["Reseller pricing"]),
    ("stakeholder internal", FOUND, ["Stakeholder (internal)"]),
    # Questions reduced to their subject.
    ("what's a VAD?", FOUND, VAD),
    ("what does ICP stand for", FOUND, ICP),
    ("What is an OEM?", FOUND, ["Original equipment manufacturer"]),
    ("define co-selling", FOUND, ["Co-selling"]),
    ("tell me about deal reg", FOUND, ["Deal registration"]),
    ("whats the meaning of ICP", FOUND, ICP),
    ("What’s an ISV?", FOUND, ["Independent software vendor"]),
    ("what are referral partners", FOUND, ["Referral partner"]),
    ("is EQL a thing", FOUND, EQL),
    ("what does PRM mean", AMBIGUOUS, PRM),
    ("explain EQL please", FOUND, EQL),
    # Typos: one slip in a longer name is still an answer.
    ("reseler", FOUND, ["Reseller"]),
    ("afiliate", FOUND, ["Affiliate"]),
    ("partner ecosytem", FOUND, ["Partner ecosystem"]),
    ("comission based pricing", FOUND, ["Commission-based pricing"]),
    ("partnr manager", FOUND, ["Partner manager"]),
    # Near-misses: did-you-mean, best first.
    ("customer success manager", SUGGEST, ["Partner success manager"]),
    ("registration", SUGGEST, ["Deal registration"]),
    ("qualified lead", SUGGEST, ["Ecosystem Qualified Lead", "Marketing Qualified Lead"]),
    ("subscription", SUGGEST, ["Subscription pricing"]),
    ("cooperation", SUGGEST, ["Coopetition", "Co-creation"]),
    (
        "consumption pricing",
        SUGGEST,
        ["Usage-based pricing", "Subscription pricing", "Commission-based pricing"],
    ),
    ("flat fee", SUGGEST, ["Flat fee pricing"]),
    ("hybrid", SUGGEST, ["Hybrid pricing"]),
    # Ambiguous heads of qualified names.
    ("exclusivity", AMBIGUOUS, ["Exclusivity (de facto)", "Exclusivity (de jure)"]),
    ("stakeholder", AMBIGUOUS, ["Stakeholder (external)", "Stakeholder (internal)"]),
    ("Stakeholders", AMBIGUOUS, ["Stakeholder (external)", "Stakeholder (internal)"]),
    # Unknown acronyms stay unknown; only a swapped pair of letters is a suggestion.
    ("CRM", NONE, []),
    ("crm", NONE, []),
    ("CRMs", NONE, []),
    ("ISP", NONE, []),
    ("QBR", NONE, []),
    ("SDR", NONE, []),
    ("what does CRM stand for", NONE, []),
    ("EQK", NONE, []),
    ("ELQ", SUGGEST, EQL),
    ("elq", SUGGEST, EQL),
    ("IPC", SUGGEST, ICP),
    ("VRA", SUGGEST, ["Value-added reseller"]),
    ("PMR", SUGGEST, PRM),
    ("CRM software", SUGGEST, ["Partner Relationship Management Software"]),
    ("what is a CRM system", NONE, []),
    ("ISP partner", SUGGEST, ["Independent software vendor"]),
    # Nonsense, empty and subject-less questions.
    ("qwertyuiop", NONE, []),
    ("!!!", NONE, []),
    ("", NONE, []),
    ("   ", NONE, []),
    ("\u00a0\t\n", NONE, []),
    ("what", NONE, []),
    ("what is a", NONE, []),
    ("what is", NONE, []),
]


@pytest.mark.parametrize(("query", "status", "names"), TABLE)
def test_define(glossary: Glossary, query: str, status: str, names: list[str]) -> None:
    result = glossary.define(query)
    assert (result.status.value, [t.term for t in result.terms]) == (status, names)


@pytest.mark.parametrize(
    "query", ["a" * 10_000, "partner " * 1_250, "what is " + "EQL " * 2_498, "\u00a0" * 10_000]
)
def test_a_very_long_query_is_a_miss_not_a_crash(glossary: Glossary, query: str) -> None:
    result = glossary.define(query)
    assert (len(query), result.status, result.terms) == (10_000, Status.NONE, ())


def test_result_keeps_the_query_and_its_subject(glossary: Glossary) -> None:
    result = glossary.define("  What does ICP stand for?  ")
    assert (result.query, result.subject) == ("What does ICP stand for?", "icp")


@pytest.mark.parametrize(
    ("folded", "subject"),
    [
        ("what does icp stand for", "icp"),
        ("whats the meaning of icp", "icp"),
        ("hey what is an eql", "eql"),
        ("can you explain deal reg", "deal reg"),
        ("definition of eql", "eql"),
        ("icp", "icp"),
        ("what", "what"),
    ],
)
def test_reduce_question(folded: str, subject: str) -> None:
    assert reduce_question(folded) == subject


def test_name_beats_acronym_beats_alias() -> None:
    """Collisions the loader would reject, built in memory to pin the order of exact kinds."""

    def term(name: str, acronym: str = "", alias: str = "") -> Term:
        return Term(
            term=name,
            category="Test",
            definition=f"{name}.",
            acronyms=(acronym,) if acronym else (),
            aliases=(alias,) if alias else (),
        )

    gadget, widget = term("Gadget"), term("Widget", acronym="GADGET")
    gizmo, doohickey = term("Gizmo", acronym="THING"), term("Doohickey", alias="thing")
    fake = Glossary([gadget, widget, gizmo, doohickey])
    assert fake.define("gadget").terms == (gadget,)
    assert fake.define("thing").terms == (gizmo,)
    assert fake.define("widget").terms == (widget,)


class _ScoreEveryKey(LookupIndex):
    """The reference for the narrowing below: every key of a possible length is scored."""

    def _found_candidates(self, target: str) -> list[int] | None:
        return None


def _typo(word: str, rng: random.Random) -> str:
    """One insertion, deletion, substitution or swap of neighbours, as people type them."""
    at = rng.randrange(len(word))
    letter = rng.choice(string.ascii_lowercase)
    return rng.choice(
        [
            word[:at] + letter + word[at:],
            word[:at] + word[at + 1 :],
            word[:at] + letter + word[at + 1 :],
            word[:at] + word[at + 1 : at + 2] + word[at] + word[at + 2 :],
        ]
    )


def _misspellings(forms: list[str], rng: random.Random, count: int) -> list[str]:
    """One or two typos, words run together or split, cut short, with a word more or less."""
    queries = []
    for _ in range(count):
        words = rng.choice(forms).lower().split()
        at = rng.randrange(len(words))
        words[at] = _typo(words[at], rng) or words[at]
        if rng.random() < 0.3:
            at = rng.randrange(len(words))
            words[at] = _typo(words[at], rng) or words[at]
        text = " ".join(words)
        queries.append(text)
        queries.append(text.replace(" ", "", 1))
        queries.append(text[: -rng.randint(1, 3)] or text)
        queries.append(f"{text[:4]} {text[4:]}")
        queries.append(f"{text} {rng.choice(['team', 'the', 'partner', 'program'])}")
        queries.append(" ".join(words[1:]) or text)
    return queries


def _crowded_glossary(rng: random.Random) -> list[Term]:
    """Invented, similar-looking words (as in bench/synthetic.py): many near misses per typo,
    and "team" in two thirds of the names, so every path of the narrowing is taken."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(500)})
    names = {" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(700)}
    return [
        Term(
            term=name.capitalize(),
            category="Test",
            definition=f"{name}.",
            aliases=(f"{name} team", f"the {name.split()[-1]} {rng.choice(words)}"),
        )
        for name in sorted(names)
    ]


def _answers(index: LookupIndex, queries: list[str]) -> list[tuple[str, list[str]]]:
    return [(r.status.value, [t.term for t in r.terms]) for r in map(index.lookup, queries)]


@pytest.fixture
def narrow_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Narrow however few keys fit, so that these small glossaries take that path."""
    monkeypatch.setattr(fuzzy, "NARROW_FROM", 0)


@pytest.mark.usefixtures("narrow_always")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_narrowing_the_fuzzy_keys_changes_no_answer(seed: int) -> None:
    """Narrowing only saves time: answers are those of scoring every key."""
    rng = random.Random(seed)
    terms = _crowded_glossary(rng)
    forms = [form for t in terms for form in (t.term, *t.aliases)]
    queries = _misspellings(forms, rng, 400)
    index = LookupIndex(terms)
    assert _answers(index, queries) == _answers(_ScoreEveryKey(terms), queries)
    narrowed = [index._found_candidates(q) for q in queries[::6]]
    assert sum(n is not None for n in narrowed) > 0.85 * len(narrowed)


@pytest.mark.usefixtures("narrow_always")
def test_narrowing_changes_no_answer_on_the_real_glossary(glossary: Glossary) -> None:
    rng = random.Random(4)
    forms = [form for t in glossary.terms for form in (t.term, *t.aliases)]
    queries = _misspellings(forms, rng, 300)
    expected = _answers(_ScoreEveryKey(glossary.terms), queries)
    assert _answers(LookupIndex(glossary.terms), queries) == expected


@pytest.mark.usefixtures("narrow_always")
def test_a_very_large_window_narrows_by_rare_words_and_ignores_junk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond FULL_PASS_KEYS keys (here: always), a typo still finds its term, through the
    rare words' neighbours; typed junk scores no key at all, and "did you mean" still works."""
    monkeypatch.setattr(fuzzy, "FULL_PASS_KEYS", 0)
    terms = _crowded_glossary(random.Random(5))
    index = LookupIndex(terms)
    name = next(t.term for t in terms if len(t.term.split()) == 2 and len(t.term) > 12)
    first, second = name.lower().split()
    typo = f"{first} {second[:2]}{second[3:]}"  # one letter dropped
    assert _answers(index, [typo, name.lower()]) == [("found", [name])] * 2
    junk = f"{name.lower()} qzxqzvw"
    assert index._found_candidates(junk) == []
    assert _answers(index, [junk]) == [("suggest", [name])]
