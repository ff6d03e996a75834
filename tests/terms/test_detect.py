"""bot.terms.detect: which terms the bot would explain in a chat message, and exactly where.

Every scan rule of the issue has a positive and a negative case, written as the literal
(term, text, start, end) tuples the Slack layer receives; then two Hypothesis properties: any
text at all scans without error into valid, ordered, non-overlapping spans, and any term's
name dropped into a harmless sentence is found.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.terms import Glossary, Term, forms, load_glossary
from bot.terms.detect import MAX_SCAN_CHARS
from bot.terms.forms import WORD_RE, fold_word

GLOSSARY_DIR = Path(__file__).resolve().parents[2] / "glossary"
EQL = "Ecosystem Qualified Lead"
ICP = "Ideal Customer Profile"
PRM = (
    "Partner Relationship Management",
    "Partner Relationship Management Software",
    "Partnership Relationship Manager",
)

Found = list[tuple[str, str, int, int]]


def found(glossary: Glossary, text: str, *, include_all: bool = False) -> Found:
    return [
        (m.term.term, m.text, m.start, m.end) for m in glossary.scan(text, include_all=include_all)
    ]


CASES = [
    # Whole words only.
    (
        "We sell through VADs and VARs",
        [
            ("Value-added distributor", "VADs", 16, 20),
            ("Value-added reseller", "VARs", 25, 29),
        ],
    ),
    ("(EQL), EQL.", [(EQL, "EQL", 1, 4)]),
    ("xEQL EQL2 EQLish", []),
    ("our codeveloped app", []),
    ("see EQL_report and foo_ICP", []),
    # Names and aliases in any case; acronyms only in capitals, plural s allowed.
    ("ECOSYSTEM QUALIFIED LEAD", [(EQL, "ECOSYSTEM QUALIFIED LEAD", 0, 24)]),
    ("Let's Co-Sell this", [("Co-selling", "Co-Sell", 6, 13)]),
    ("the pms team asked Icp and Eql about eqls", []),
    ("EQLS", []),
    (
        "PMS and ICPs",
        [
            ("Partner Management Software", "PMS", 0, 3),
            ("Ideal Customer Profile", "ICPs", 8, 12),
        ],
    ),
    # Plurals and simple inflections.
    ("two referral partners", [("Referral partner", "referral partners", 4, 21)]),
    ("we co-market with them", [("Co-marketing", "co-market", 3, 12)]),
    ("co-marketing", [("Co-marketing", "co-marketing", 0, 12)]),
    ("strategic alliance", [("Strategic alliance", "strategic alliance", 0, 18)]),
    ("strategic alliances", [("Strategic alliance", "strategic alliances", 0, 19)]),
    ("strategic allies", []),
    # Hyphen, space and NBSP variants.
    ("usage based pricing", [("Usage-based pricing", "usage based pricing", 0, 19)]),
    ("usage-based pricing", [("Usage-based pricing", "usage-based pricing", 0, 19)]),
    ("co branding", [("Co-branding", "co branding", 0, 11)]),
    ("co\u00a0marketing", [("Co-marketing", "co\u00a0marketing", 0, 12)]),
    ("partner. sales", []),
    ("exclusivity (de facto) rules", [("Exclusivity (de facto)", "exclusivity (de facto)", 0, 22)]),
    (
        "Product vs. Technology partner",
        [
            ("Product vs. Technology partner", "Product vs. Technology partner", 0, 30),
        ],
    ),
    # The longest match wins; overlapping shorter terms are not reported.
    ("partner sales support", [("Partner sales support", "partner sales support", 0, 21)]),
    (
        "Partner Ecosystem Platform (PEP)",
        [
            ("Partner Ecosystem Platform", "Partner Ecosystem Platform", 0, 26),
        ],
    ),
    ("PRM software", [("Partner Relationship Management Software", "PRM software", 0, 12)]),
    (
        "channel partner sales support",
        [
            ("Partner sales support", "partner sales support", 8, 29),
        ],
    ),
    # Skipped: code, URLs, links, mentions, emoji codes.
    ("`EQL` then EQL", [(EQL, "EQL", 11, 14)]),
    ("```\nEQL\nICP``` MQL", [("Marketing Qualified Lead", "MQL", 15, 18)]),
    ("```unclosed EQL", []),
    ("see https://example.com/EQL", []),
    ("www.EQL.com", []),
    ("<https://example.com|EQL>", []),
    ("<@U024BE7LH> <#C024BE7LR|eql> <!here> EQL", [(EQL, "EQL", 38, 41)]),
    (":eql: :EQL: EQL", [(EQL, "EQL", 12, 15)]),
    # Each term once per message.
    ("EQL, EQLs and Ecosystem Qualified Lead", [(EQL, "EQL", 0, 3)]),
    # Only auto_expand terms (by default).
    ("Resellers and Agents in our ecosystem", []),
    ("reseller pricing", [("Reseller pricing", "reseller pricing", 0, 16)]),
    # An ambiguous acronym: every meaning, one span.
    ("PRMs", [(name, "PRMs", 0, 4) for name in PRM]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_scan(glossary: Glossary, text: str, expected: Found) -> None:
    assert found(glossary, text) == expected


def test_include_all_adds_the_everyday_words(glossary: Glossary) -> None:
    text = "Distributors, resellers and reseller pricing"
    assert found(glossary, text, include_all=True) == [
        ("Distributor", "Distributors", 0, 12),
        ("Reseller", "resellers", 14, 23),
        ("Reseller pricing", "reseller pricing", 28, 44),
    ]
    assert found(glossary, text) == [("Reseller pricing", "reseller pricing", 28, 44)]
    assert found(glossary, "reseller pricing", include_all=True) == [
        ("Reseller pricing", "reseller pricing", 0, 16)
    ]


def test_only_the_first_40000_characters_are_scanned(glossary: Glossary) -> None:
    inside = "x " * 19_998 + "EQL"  # ends at 39,999
    assert found(glossary, inside + " ICP" * 10_000) == [(EQL, "EQL", 39_996, 39_999)]
    straddling = "x" * (MAX_SCAN_CHARS - 2) + " EQL"
    assert found(glossary, straddling) == []


FRAGMENTS = st.sampled_from(
    ["EQL", "EQLs", "PRM", "partner sales", " support", "exclusivity (de facto)", "co-", "`",
     "```", "<", ">", "<@U1>", ":", "://", "www.", "\u00a0", " ", "-", "(", ")", "s", "😀"]
)  # fmt: skip


@given(st.lists(st.one_of(st.text(), FRAGMENTS), max_size=30).map("".join))
def test_any_text_scans_into_valid_spans(glossary: Glossary, text: str) -> None:
    matches = glossary.scan(text, include_all=True)
    for match in matches:
        assert 0 <= match.start < match.end <= len(text)
        assert text[match.start : match.end] == match.text
    spans = [(m.start, m.end) for m in matches]
    assert spans == sorted(spans)
    distinct = sorted(set(spans))
    assert all(end <= start for (_, end), (start, _) in pairwise(distinct))
    names = [m.term.term for m in matches]
    assert len(names) == len(set(names))


FILLER = ["we", "talked", "about", "today", "with", "the", "big", "blue", "team", "on", "Monday"]
AUTO_EXPAND = sorted(t.term for t in load_glossary(GLOSSARY_DIR) if t.auto_expand)


def test_filler_is_no_glossary_word(glossary: Glossary) -> None:
    assert found(glossary, " ".join(FILLER), include_all=True) == []
    assert len(AUTO_EXPAND) == 86


@given(
    before=st.lists(st.sampled_from(FILLER), max_size=6),
    name=st.sampled_from(AUTO_EXPAND),
    after=st.lists(st.sampled_from(FILLER), max_size=6),
)
def test_a_name_among_filler_is_found(
    glossary: Glossary, before: list[str], name: str, after: list[str]
) -> None:
    prefix = " ".join([*before, ""])
    text = prefix + name + " ".join(["", *after])
    start, end = len(prefix), len(prefix) + len(name)
    assert found(glossary, text) == [(name, name, start, end)]


def test_a_term_never_explained_does_not_hide_one_that_is(glossary: Glossary) -> None:
    text = "affiliate partner ecosystems"
    assert found(glossary, text) == [("Partner ecosystem", "partner ecosystems", 10, 28)]
    assert found(glossary, text, include_all=True) == [
        ("Affiliate", "affiliate partner", 0, 17),
        ("Ecosystem", "ecosystems", 18, 28),
    ]


# Paths of the automaton's reading that the shipped glossary's cases above do not all take.
LONG_NAME = "Partner marketing and co-selling development fund programme for resellers"


@pytest.fixture(scope="module")
def odd() -> Glossary:
    """Forms the packing treats apart: over 63 letters, shared by two terms, name and acronym."""

    def term(name: str, acronym: str = "", aliases: tuple[str, ...] = ()) -> Term:
        return Term(name, "Test", f"{name}.", (acronym,) if acronym else (), aliases)

    return Glossary(
        [
            term(LONG_NAME),
            term("Pep talk", aliases=("pep",)),
            term("Partner Ecosystem Platform", "PEP"),
            term("Ledger", aliases=("ledgers book",)),
            term("Book", aliases=("ledgers book",)),
        ]
    ).warm()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"see the {LONG_NAME.lower()}.",
            [(LONG_NAME, LONG_NAME.lower(), 8, 8 + len(LONG_NAME))],
        ),
        ("the ledgers book", [("Book", "ledgers book", 4, 16), ("Ledger", "ledgers book", 4, 16)]),
        ("PEP and pep", [("Pep talk", "PEP", 0, 3)]),  # a name form wins over the acronym
        ("ＰＥＰ talk", [("Pep talk", "ＰＥＰ talk", 0, 8)]),  # full-width: NFKC, own offsets
    ],
)
def test_forms_kept_apart_from_the_packing(odd: Glossary, text: str, expected: Found) -> None:
    assert found(odd, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One to four joiners join words; five do not.
        ("usage - based pricing", [("Usage-based pricing", "usage - based pricing", 0, 21)]),
        ("usage (-)based pricing", [("Usage-based pricing", "usage (-)based pricing", 0, 22)]),
        ("usage (-) based pricing", []),
        ("usage  -   based pricing", []),
        # Offsets survive collapsed runs, before and after them.
        (
            "EQL  and   usage  based  pricing",
            [
                (EQL, "EQL", 0, 3),
                ("Usage-based pricing", "usage  based  pricing", 11, 32),
            ],
        ),
        (
            "Product vs.  Technology partner",
            [("Product vs. Technology partner", "Product vs.  Technology partner", 0, 31)],
        ),
        # Outside ASCII, each word is NFKC-folded and offsets still index the original text.
        ("Ｅｃｏｓｙｓｔｅｍ qualified lead!", [(EQL, "Ｅｃｏｓｙｓｔｅｍ qualified lead", 0, 24)]),
        ("ＥＱＬ\u00a0—\u00a0ICP", [(EQL, "ＥＱＬ", 0, 3), (ICP, "ICP", 6, 9)]),
        ("İ EQL", [(EQL, "EQL", 2, 5)]),  # a letter whose lower case is two characters
    ],
)
def test_runs_of_joiners_and_unicode(glossary: Glossary, text: str, expected: Found) -> None:
    assert found(glossary, text) == expected


@given(st.lists(st.text(alphabet=st.sampled_from("ab _-.()’'\u00a0ＥéßİΣ½™Ⅻ\n")), max_size=6))
def test_forms_are_read_as_messages_are(texts: list[str]) -> None:
    """Names are normalised in one pass for the whole glossary: word by word it must be the
    same as a message's words (found first, then NFKC- and case-folded)."""
    expected = [
        " ".join(fold_word(word) for word in WORD_RE.findall(text.replace("’", "'")))
        for text in texts
    ]
    assert forms._normalise(texts) == expected
