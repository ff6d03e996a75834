"""GlossaryService's answers, over the real glossary, a MemoryStore and a clock the test moves.

Pinned down: what ``/define`` text means (help, list, list X, an unknown category, search, a
lookup); lookup statuses, the cards with their related terms, and the search fallback for
misses; which lookups count, and that misses are kept without the asker; what a mention or DM
is (help, chatter, a lookup, the terms it names); a glossary swapped while serving. What the
service remembers (explanations, the Home tab) is in test_service_state.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.replies import (
    Answer,
    Card,
    Categories,
    CategoryTerms,
    Chatter,
    Help,
    SearchResults,
    TermList,
)
from bot.service import GlossaryService
from bot.store import MemoryStore
from bot.store.base import Workspace
from bot.terms import Glossary, Status, Term
from tests.fakes import Clock

T0 = 1_700_000_000.0
WS = Workspace("E0ORG", "T0TEAM")
"""The workspace the service's callers act for (a Grid workspace: both ids matter)."""
MINUTE, HOUR = 60.0, 3600.0
EQL, MQL = "Ecosystem Qualified Lead", "Marketing Qualified Lead"
OEM, VAR, ISV = (
    "Original equipment manufacturer",
    "Value-added reseller",
    "Independent software vendor",
)
PRMS = [
    "Partner Relationship Management",
    "Partner Relationship Management Software",
    "Partnership Relationship Manager",
]


class RecordingStore(MemoryStore):
    """Remembers each lookup exactly as the service hands it over."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[tuple[Workspace, str, str | None, float, str]] = []

    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        self.recorded.append((workspace, query, term, now, user))
        super().record_lookup(workspace, query, term, now, user)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(glossary: Glossary, store: MemoryStore, clock: Clock) -> GlossaryService:
    return GlossaryService(glossary, store, clock=clock)


def names(terms: Sequence[Term]) -> list[str]:
    return [t.term for t in terms]


def card_names(cards: Sequence[Card]) -> list[str]:
    return [c.term.term for c in cards]


# --- /define --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "help", "HELP me", "?", "-h", "--help"])
def test_define_help_is_private(service: GlossaryService, text: str) -> None:
    assert service.define(text) == Help(private=True)


def test_define_list_counts_every_category(service: GlossaryService, glossary: Glossary) -> None:
    listed = service.define("list")
    assert isinstance(listed, Categories)
    assert (listed.total, listed.unknown) == (len(glossary), None)
    assert listed.counts[:3] == (
        ("Joint activities", 9),
        ("Partner types", 23),
        ("Pricing models", 8),
    )
    assert sum(count for _, count in listed.counts) == len(glossary)


def test_define_list_one_category_by_its_first_word(service: GlossaryService) -> None:
    found = service.define("list pricing")
    assert isinstance(found, CategoryTerms)
    assert found.label == "Pricing models"
    assert names(found.terms) == [
        "Commission-based pricing",
        "Flat fee pricing",
        "Hybrid pricing",
        "Reseller pricing",
        "Subscription pricing",
        "Usage-based pricing",
        "Value-based pricing",
        "White label pricing",
    ]


def test_define_list_an_unknown_category_lists_them_all(service: GlossaryService) -> None:
    unknown, listed = service.define("list nope at all"), service.define("list")
    assert isinstance(unknown, Categories) and isinstance(listed, Categories)
    assert unknown == Categories(listed.counts, listed.total, "nope at all")


def test_define_search(service: GlossaryService) -> None:
    results = service.define("search commission")
    assert isinstance(results, SearchResults)
    assert results.query == "commission"
    assert names(results.terms) == [
        "Commission-based pricing",
        "Agent",
        "Referral partner",
        "Affiliate",
        "Hybrid pricing",
        "Partner program",
    ]


def test_define_search_alone_is_a_lookup_of_the_word(service: GlossaryService) -> None:
    answer = service.define("search")
    assert isinstance(answer, Answer)
    assert (answer.status, answer.query) == (Status.NONE, "search")


# --- lookup ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "terms", "searched", "counted"),
    [
        ("EQL", Status.FOUND, [EQL], [], EQL),
        ("  eql ", Status.FOUND, [EQL], [], EQL),
        ("what's a PRM?", Status.AMBIGUOUS, PRMS, [], PRMS[0]),
        ("ELQ", Status.SUGGEST, [EQL], [], None),  # swapped letters: a suggestion, not an answer
        ("CRM", Status.NONE, [], ["Partner Ecosystem Platform"], None),
        ("xyzzy", Status.NONE, [], [], None),
    ],
)
def test_lookup_status_search_fallback_and_what_it_counts_for(
    service: GlossaryService,
    query: str,
    status: Status,
    terms: list[str],
    searched: list[str],
    counted: str | None,
) -> None:
    answer = service.lookup(query)
    assert answer.status is status
    assert names(answer.result.terms) == terms
    assert names(answer.searched) == searched
    assert answer.counted == counted
    assert answer.found is (status in (Status.FOUND, Status.AMBIGUOUS))
    assert card_names(answer.cards) == (terms if answer.found else [])
    assert names(answer.suggestions) == (terms if status is Status.SUGGEST else [])


def test_a_card_carries_its_related_terms(service: GlossaryService) -> None:
    (card,) = service.lookup("EQL").cards
    assert names(card.related) == ["Ideal Customer Profile", MQL, "Partner ecosystem"]
    assert service.card(EQL) == card
    assert service.card("No such term") is None


def test_search_results_never_repeat_the_suggestions(service: GlossaryService) -> None:
    answer = service.lookup("Strategic")
    assert answer.status is Status.SUGGEST
    assert names(answer.suggestions) == [
        "Strategic alignment",
        "Strategic alliance",
        "Strategic fit",
        "Strategic partner",
    ]
    assert 0 < len(answer.searched) <= 5
    assert not set(answer.searched) & set(answer.suggestions)


def test_an_overlong_query_is_clipped(service: GlossaryService) -> None:
    assert service.lookup("z" * 1000).query == "z" * 200


# --- record ---------------------------------------------------------------------------------


def test_record_counts_lookups_and_keeps_misses_without_the_asker(
    glossary: Glossary, clock: Clock
) -> None:
    store = RecordingStore()
    service = GlossaryService(glossary, store, clock=clock)
    for query in ("EQL", "eql", "PRM", "CRM", "ELQ", " what is a   CRM?", "   "):
        answer = service.lookup(query)
        service.record(WS, answer.asked, answer.counted, "U0USER")
        clock.advance(MINUTE)
    assert store.recorded == [
        (WS, "eql", EQL, T0, "U0USER"),
        (WS, "eql", EQL, T0 + MINUTE, "U0USER"),
        (WS, "prm", PRMS[0], T0 + 2 * MINUTE, "U0USER"),
        (WS, "crm", None, T0 + 3 * MINUTE, ""),
        (WS, "elq", None, T0 + 4 * MINUTE, ""),
        (WS, "crm", None, T0 + 5 * MINUTE, ""),
    ]
    assert store.top_terms(WS, 10) == [(EQL, 2), (PRMS[0], 1)]
    assert store.recent_misses(WS, 10) == [("crm", 2), ("elq", 1)]


def test_record_clips_queries(service: GlossaryService, store: MemoryStore) -> None:
    service.record(WS, "  " + "z" * 300, None)
    assert store.recent_misses(WS, 5) == [("z" * 200, 1)]


# --- mentions and DMs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help(private=False)),
        ("   ", Help(private=False)),
        ("thanks", Chatter()),
        ("Thank you!!", Chatter()),
        ("test", Chatter()),
        ("hi", Chatter()),
        ("good morning", Chatter()),
        (":wave:", Chatter()),
    ],
)
def test_ask_help_and_chatter(service: GlossaryService, text: str, expected: object) -> None:
    assert service.ask(text) == expected


def test_ask_a_confident_lookup_is_the_answer(service: GlossaryService) -> None:
    answer = service.ask("what is an OEM")
    assert isinstance(answer, Answer)
    assert card_names(answer.cards) == [OEM]


def test_ask_returns_every_term_a_question_names(service: GlossaryService) -> None:
    named = service.ask("what do EQL and MQL mean")
    assert isinstance(named, TermList)
    assert card_names(named.cards) == [EQL, MQL]
    assert named.cards[0] == service.card(EQL)


def test_ask_names_terms_never_auto_explained_too(service: GlossaryService) -> None:
    named = service.ask("how do affiliate deals work")
    assert isinstance(named, TermList)
    assert card_names(named.cards) == ["Affiliate"]


def test_ask_without_any_term_is_a_miss(service: GlossaryService) -> None:
    answer = service.ask("what is a flux capacitor")
    assert isinstance(answer, Answer)
    assert (answer.status, answer.counted) == (Status.NONE, None)


def test_terms_in_includes_terms_never_auto_explained(service: GlossaryService) -> None:
    found = service.terms_in("our affiliate deals and EQL, EQL again")
    assert card_names(found.cards) == ["Affiliate", EQL]
    assert service.terms_in("lunch?") == TermList((), "I found no glossary terms in that message.")


# --- hot reload ------------------------------------------------------------------------------


def test_a_swapped_glossary_is_served_at_once(service: GlossaryService) -> None:
    service.swap(Glossary([Term("Widget", "Things", "A small gadget.")]), "v2")
    assert (service.version, service.term_count) == ("v2", 1)
    assert card_names(service.lookup("widget").cards) == ["Widget"]
    assert service.lookup("EQL").status is Status.NONE
