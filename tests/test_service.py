"""GlossaryService over the real glossary, a MemoryStore and a clock the test moves.

Pinned down: lookup statuses and the search fallback offered for misses; which lookups count
as found or missed; ``ask`` returning every term a question names; the explanation policy
(once per thread, once per channel per cooldown — checked a minute either side of 24 hours —,
``max_terms``, channel and Slack Connect switches, Slack's retries); and that a store raising
``StoreError`` on every call never blocks an answer: it is logged and the bot carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from bot.service import Explanation, GlossaryService, Policy
from bot.store import MemoryStore, Store, StoreError
from bot.terms import Glossary, Status, Term

T0 = 1_700_000_000.0
MINUTE, HOUR = 60.0, 3600.0
EQL, MQL = "Ecosystem Qualified Lead", "Marketing Qualified Lead"
PRMS = (
    "Partner Relationship Management",
    "Partner Relationship Management Software",
    "Partnership Relationship Manager",
)


class Clock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FailingStore(Store):
    """A store whose database is gone: every call raises StoreError."""

    def claim_event(self, event_id: str, now: float) -> bool:
        raise StoreError("database unreachable")

    def prune_events(self, older_than: float) -> int:
        raise StoreError("database unreachable")

    def claim_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        raise StoreError("database unreachable")

    def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
        raise StoreError("database unreachable")

    def top_terms(self, limit: int) -> list[tuple[str, int]]:
        raise StoreError("database unreachable")

    def recent_misses(self, limit: int) -> list[tuple[str, int]]:
        raise StoreError("database unreachable")

    def healthy(self) -> bool:
        return False

    def close(self) -> None:
        pass


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


def explained(explanation: Explanation | None) -> tuple[list[str], list[str]] | None:
    return None if explanation is None else (names(explanation.full), names(explanation.more))


# --- lookup ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "terms", "searched"),
    [
        ("EQL", Status.FOUND, [EQL], []),
        ("  eql ", Status.FOUND, [EQL], []),
        ("what's a PRM?", Status.AMBIGUOUS, list(PRMS), []),
        ("ELQ", Status.SUGGEST, [EQL], []),  # swapped letters: a suggestion, never an answer
        ("CRM", Status.NONE, [], ["Partner Ecosystem Platform"]),
        ("xyzzy", Status.NONE, [], []),
    ],
)
def test_lookup_status_and_search_fallback(
    service: GlossaryService, query: str, status: Status, terms: list[str], searched: list[str]
) -> None:
    answer = service.lookup(query)
    assert answer.result.status is status
    assert names(answer.result.terms) == terms
    assert names(answer.searched) == searched
    assert answer.found is (status in (Status.FOUND, Status.AMBIGUOUS))


def test_a_miss_offers_the_entries_that_mention_it(service: GlossaryService) -> None:
    (platform,) = service.lookup("CRM").searched
    assert "CRM" in platform.definition


def test_search_results_never_repeat_the_suggestions(service: GlossaryService) -> None:
    answer = service.lookup("Strategic")
    assert answer.result.status is Status.SUGGEST
    assert "Strategic fit" in names(answer.result.terms)
    assert 0 < len(answer.searched) <= 5
    assert not set(answer.searched) & set(answer.result.terms)


# --- record ---------------------------------------------------------------------------------


def test_record_counts_found_and_ambiguous_as_lookups_and_the_rest_as_misses(
    service: GlossaryService, store: MemoryStore, clock: Clock
) -> None:
    for query in ("EQL", "eql", "PRM", "CRM", "ELQ", "CRM", "   "):
        service.record(service.lookup(query), "U0USER")
        clock.advance(MINUTE)
    assert store.top_terms(10) == [(EQL, 2), ("Partner Relationship Management", 1)]
    assert store.recent_misses(10) == [("CRM", 2), ("ELQ", 1)]


def test_record_keeps_misses_ordered_by_recency_and_clips_queries(
    service: GlossaryService, store: MemoryStore, clock: Clock
) -> None:
    service.record(service.lookup("older miss"))
    clock.advance(MINUTE)
    service.record(service.lookup("z" * 300))
    assert store.recent_misses(5) == [("z" * 200, 1), ("older miss", 1)]


def test_top_terms_are_glossary_terms(service: GlossaryService) -> None:
    for query in ("MQL", "MQL", "EQL"):
        service.record(service.lookup(query))
    assert names(service.top_terms(5)) == [MQL, EQL]
    assert names(service.top_terms(1)) == [MQL]


# --- ask ------------------------------------------------------------------------------------


def test_ask_returns_every_term_a_question_names(service: GlossaryService) -> None:
    answer, mentioned = service.ask("what do EQL and MQL mean")
    assert answer.result.status is Status.NONE
    assert names(mentioned) == [EQL, MQL]


def test_ask_with_a_confident_lookup_names_no_extra_terms(service: GlossaryService) -> None:
    answer, mentioned = service.ask("what is an OEM")
    assert names(answer.result.terms) == ["Original equipment manufacturer"]
    assert mentioned == ()


def test_terms_in_includes_terms_never_auto_explained(service: GlossaryService) -> None:
    assert names(service.terms_in("our affiliate deals")) == ["Affiliate"]
    assert service.explain(channel="C1", thread_ts="1.0", text="our affiliate deals") is None


# --- explain --------------------------------------------------------------------------------


def test_a_term_is_explained_once_per_thread(service: GlossaryService, clock: Clock) -> None:
    text = "our EQL pipeline is growing"
    assert explained(service.explain(channel="C1", thread_ts="1.0", text=text)) == ([EQL], [])
    clock.advance(25 * HOUR)
    assert service.explain(channel="C1", thread_ts="1.0", text=text) is None


def test_a_channel_hears_a_term_again_only_after_the_cooldown(
    service: GlossaryService, clock: Clock
) -> None:
    text = "EQL numbers are in"
    assert explained(service.explain(channel="C1", thread_ts="1.0", text=text)) == ([EQL], [])
    clock.advance(23 * HOUR + 59 * MINUTE)
    assert service.explain(channel="C1", thread_ts="2.0", text=text) is None
    assert explained(service.explain(channel="C2", thread_ts="2.0", text=text)) == ([EQL], [])
    clock.advance(2 * MINUTE)  # 24h01 after the first explanation
    assert explained(service.explain(channel="C1", thread_ts="3.0", text=text)) == ([EQL], [])


def test_only_max_terms_are_explained_in_full_in_message_order(service: GlossaryService) -> None:
    text = "OEM and VAR deals, ISV and EQL and MQL"
    explanation = service.explain(channel="C1", thread_ts="1.0", text=text)
    assert explained(explanation) == (
        ["Original equipment manufacturer", "Value-added reseller", "Independent software vendor"],
        [EQL, MQL],
    )


def test_a_term_named_twice_is_explained_once(service: GlossaryService) -> None:
    explanation = service.explain(channel="C1", thread_ts="1.0", text="EQL, EQL and eql")
    assert explained(explanation) == ([EQL], [])


@pytest.mark.parametrize(
    ("policy", "slack_connect"),
    [(Policy(in_channels=False), False), (Policy(in_slack_connect=False), True)],
)
def test_explanations_can_be_switched_off(
    glossary: Glossary, clock: Clock, policy: Policy, slack_connect: bool
) -> None:
    service = GlossaryService(glossary, MemoryStore(), policy, clock)
    text = "EQL numbers are in"
    assert (
        service.explain(channel="C1", thread_ts="1", text=text, slack_connect=slack_connect) is None
    )


def test_slack_connect_channels_are_explained_by_default(service: GlossaryService) -> None:
    explanation = service.explain(channel="C1", thread_ts="1", text="EQL", slack_connect=True)
    assert explained(explanation) == ([EQL], [])


def test_a_retried_event_is_explained_once(service: GlossaryService) -> None:
    first = service.explain(channel="C1", thread_ts="1", text="EQL")
    retry = service.explain(channel="C1", thread_ts="1", text="EQL")  # the same event again
    assert (explained(first), retry) == (([EQL], []), None)


def test_a_message_without_terms_writes_nothing(
    service: GlossaryService, store: MemoryStore
) -> None:
    assert service.explain(channel="C1", thread_ts="1", text="lunch?") is None
    assert store.claim_explanations("C1", "1", ["Ecosystem Qualified Lead"], T0, 0) == [
        "Ecosystem Qualified Lead"
    ]


def test_first_delivery_dedupes_event_ids(service: GlossaryService) -> None:
    assert [service.first_delivery(e) for e in ("Ev1", "Ev1", "Ev2", "", "")] == [
        True,
        False,
        True,
        True,
        True,
    ]


# --- a store error never blocks /define -----------------------------------------------------


def test_a_failing_store_never_blocks_an_answer(
    glossary: Glossary, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    service = GlossaryService(glossary, FailingStore(), clock=clock)
    caplog.set_level(logging.ERROR, logger="bot.service")

    answer = service.lookup("EQL")
    service.record(answer, "U0USER")
    assert names(answer.result.terms) == [EQL]
    assert service.first_delivery("Ev1") is True
    assert service.explain(channel="C1", thread_ts="1", text="EQL") is None
    assert service.top_terms(5) == []

    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", f"state store failed during {call}; continuing without it")
        for call in (
            "record_lookup",
            "claim_event",
            "claim_explanations",
            "top_terms",
        )
    ]
    assert all(r.exc_info and isinstance(r.exc_info[1], StoreError) for r in caplog.records)


def test_old_event_ids_are_pruned_hourly_and_kept_for_a_day(
    service: GlossaryService, clock: Clock
) -> None:
    assert service.first_delivery("Ev1")
    clock.advance(3599)
    assert not service.first_delivery("Ev1")  # within the first hour: no pruning yet
    clock.advance(24 * 3600)  # now 24 h 59 min 59 s after Ev1 was seen: pruned
    assert service.first_delivery("Ev1")
    clock.advance(10)
    assert not service.first_delivery("Ev1")  # its new claim is kept again
