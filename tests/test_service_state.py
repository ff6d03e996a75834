"""GlossaryService's remembered state: thread explanations, the Home tab, store failures.

Pinned down: the explanation policy (terms a message would have explained, once per thread,
once per channel per cooldown — a minute either side of 24 hours —, ``max_terms``, the channel
and Slack Connect switches, a claim given back); what is kept per workspace (the cooldown and
"most looked up" are each workspace's own, a shared thread is explained once, ``forget`` deletes
one workspace's state only); the Home tab's pages in every mode, with the most looked-up terms
that still exist; and that the store's failures reach the caller of a store write, while
answers never need the store.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.replies import Explanation
from bot.service import GlossaryService, Policy
from bot.store import MemoryStore, StoreError
from bot.store.base import Pruned, Workspace
from bot.terms import Glossary
from tests.fakes import Clock

from .test_service import EQL, HOUR, ISV, MINUTE, MQL, OEM, T0, VAR, WS, card_names, names

OTHER = Workspace("E0ORG", "T0OTHER")
"""A second workspace of the same organisation: its state must never mix with ``WS``'s."""


class FailingStore(MemoryStore):
    """A store whose database is gone: every call the service makes raises StoreError."""

    def claim_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        now: float,
        cooldown_s: float,
        claim_id: str = "",
    ) -> list[str]:
        raise StoreError("database unreachable")

    def release_explanations(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        terms: Sequence[str],
        claimed_at: float,
    ) -> None:
        raise StoreError("database unreachable")

    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        raise StoreError("database unreachable")

    def top_terms(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        raise StoreError("database unreachable")

    def purge(
        self,
        *,
        enterprise_id: str | None = None,
        team_id: str | None = None,
        user_id: str | None = None,
    ) -> Pruned:
        raise StoreError("database unreachable")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(glossary: Glossary, clock: Clock) -> GlossaryService:
    return GlossaryService(glossary, MemoryStore(), clock=clock)


# --- thread explanations ---------------------------------------------------------------------


def test_explainable_names_each_auto_expanded_term_once(service: GlossaryService) -> None:
    assert service.explainable("our affiliate deals, EQL, EQL and eql") == [EQL]
    assert service.explainable("OEM and VAR deals, ISV and EQL and MQL") == [
        OEM,
        VAR,
        ISV,
        EQL,
        MQL,
    ]
    assert service.explainable("lunch?") == []


@pytest.mark.parametrize(
    ("policy", "slack_connect", "expected"),
    [
        (Policy(), True, [EQL]),
        (Policy(in_channels=False), False, []),
        (Policy(in_slack_connect=False), True, []),
        (Policy(in_slack_connect=False), False, [EQL]),
    ],
)
def test_explanations_follow_their_switches(
    glossary: Glossary, policy: Policy, slack_connect: bool, expected: list[str]
) -> None:
    service = GlossaryService(glossary, MemoryStore(), policy)
    assert service.explainable("EQL numbers are in", slack_connect=slack_connect) == expected


def claim(
    service: GlossaryService,
    terms: list[str],
    *,
    channel: str = "C1",
    thread: str = "1.0",
    workspace: Workspace = WS,
) -> tuple[list[str], list[str]] | None:
    explanation = service.claim_explanation(workspace, channel, thread, terms, service.clock())
    return None if explanation is None else (names(explanation.full), names(explanation.more))


def test_a_term_is_explained_once_per_thread(service: GlossaryService, clock: Clock) -> None:
    assert claim(service, [EQL]) == ([EQL], [])
    assert claim(service, [EQL]) is None  # a retried job, or the same thread later
    clock.advance(25 * HOUR)
    assert claim(service, [EQL]) is None


def test_a_channel_hears_a_term_again_only_after_the_cooldown(
    service: GlossaryService, clock: Clock
) -> None:
    assert claim(service, [EQL]) == ([EQL], [])
    clock.advance(23 * HOUR + 59 * MINUTE)
    assert claim(service, [EQL], thread="2.0") is None
    assert claim(service, [EQL], channel="C2", thread="2.0") == ([EQL], [])
    clock.advance(2 * MINUTE)  # 24h01 after the first explanation
    assert claim(service, [EQL], thread="3.0") == ([EQL], [])


def test_only_max_terms_are_explained_in_full_in_message_order(glossary: Glossary) -> None:
    service = GlossaryService(glossary, MemoryStore(), Policy(max_terms=3), clock=Clock())
    assert claim(service, [OEM, VAR, ISV, EQL, MQL]) == ([OEM, VAR, ISV], [EQL, MQL])


def test_terms_removed_from_the_glossary_since_are_dropped(service: GlossaryService) -> None:
    assert claim(service, ["Retired term", EQL]) == ([EQL], [])
    assert claim(service, ["Retired term"], thread="2.0") is None


def test_a_claim_given_back_can_be_made_again(service: GlossaryService) -> None:
    explanation = service.claim_explanation(WS, "C1", "1.0", [EQL, MQL], T0)
    assert explanation is not None
    assert (names(explanation.full), explanation.more) == ([EQL, MQL], ())
    service.release_explanation(WS, "C1", "1.0", explanation, T0)
    assert claim(service, [EQL, MQL]) == ([EQL, MQL], [])


# --- per workspace ---------------------------------------------------------------------------


def test_a_shared_thread_is_explained_once_but_cooldowns_are_per_workspace(
    service: GlossaryService, clock: Clock
) -> None:
    """A Slack Connect channel between two of our workspaces has one id and one history."""
    assert claim(service, [EQL], channel="C0SHARED") == ([EQL], [])
    assert claim(service, [EQL], channel="C0SHARED", workspace=OTHER) is None  # same thread
    clock.advance(HOUR)
    assert claim(service, [EQL], channel="C0SHARED", thread="2.0") is None  # WS cools down
    assert claim(service, [EQL], channel="C0SHARED", thread="2.0", workspace=OTHER) == (
        [EQL],
        [],
    )


def test_most_looked_up_is_counted_per_workspace(service: GlossaryService) -> None:
    for workspace, query, term in [
        (WS, "MQL", MQL),
        (WS, "MQL", MQL),
        (WS, "EQL", EQL),
        (OTHER, "OEM", OEM),
        (OTHER, "EQL", EQL),
        (OTHER, "EQL", EQL),
        (Workspace(None, "T0TEAM"), "VAR", VAR),  # same team id outside the organisation
    ]:
        service.record(workspace, query, term, "U0USER")
    assert names(service.home_page(WS, "all", "", 0).top) == [MQL, EQL]
    assert names(service.home_page(OTHER, "all", "", 0).top) == [EQL, OEM]
    assert names(service.home_page(Workspace(None, "T0TEAM"), "all", "", 0).top) == [VAR]
    assert names(service.home_page(Workspace("E0ORG", None), "all", "", 0).top) == []


def test_forget_deletes_one_workspace_and_says_so(service: GlossaryService) -> None:
    forgotten: list[Workspace] = []
    service.on_forget = forgotten.append
    for workspace in (WS, OTHER):
        service.record(workspace, "EQL", EQL, "U0USER")
        service.record(workspace, "CRM", None, "U0USER")
        assert claim(service, [EQL], channel=f"C{workspace.team_id}", workspace=workspace)
    assert service.forget(WS) == Pruned(explanations=1, cooldowns=1, lookups=2)
    assert forgotten == [WS]
    assert names(service.home_page(WS, "all", "", 0).top) == []
    assert names(service.home_page(OTHER, "all", "", 0).top) == [EQL]
    assert claim(service, [EQL], channel="CT0TEAM", thread="2.0") == ([EQL], [])  # cooldown gone
    assert claim(service, [EQL], channel="CT0OTHER", thread="2.0", workspace=OTHER) is None


# --- the Home tab ----------------------------------------------------------------------------


def test_home_all_terms_in_pages_of_fifteen(service: GlossaryService, glossary: Glossary) -> None:
    first = service.home_page(WS, "all", "", 0)
    pages = -(-len(glossary) // 15)
    assert (first.title, first.matched, first.page, first.pages) == (
        "All terms",
        len(glossary),
        0,
        pages,
    )
    assert first.terms == tuple(glossary.terms[:15])
    assert first.letters == ("A", "B", "C", "D", "E", "F", "H", "I", "J", "L", "M", "O", "P",
                             "R", "S", "T", "U", "V", "W")  # fmt: skip
    assert (first.total, first.top) == (len(glossary), ())
    last = service.home_page(WS, "all", "", 10_000)
    assert (last.page, last.terms) == (pages - 1, tuple(glossary.terms[15 * (pages - 1) :]))
    assert service.home_page(WS, "all", "", -3).page == 0


@pytest.mark.parametrize(
    ("mode", "value", "title", "matched", "first"),
    [
        ("category", "Pricing models", "Pricing models", 8, "Commission-based pricing"),
        ("category", "pricing", "Pricing models", 8, "Commission-based pricing"),
        ("category", "nope", "All terms", None, "Affiliate"),
        ("letter", "P", "Terms starting with P", 30, None),
        ("search", "pricing", "Results for “pricing”", 8, "Flat fee pricing"),
        ("search", "EQL", "Results for “EQL”", None, EQL),
        ("search", "   ", "All terms", None, "Affiliate"),
        ("bogus", "x", "All terms", None, "Affiliate"),
    ],
)
def test_home_modes(
    service: GlossaryService,
    mode: str,
    value: str,
    title: str,
    matched: int | None,
    first: str | None,
) -> None:
    page = service.home_page(WS, mode, value, 0)
    assert page.title == title
    if matched is not None:
        assert page.matched == matched
    if first is not None:
        assert page.terms[0].term == first
    if mode == "letter":
        assert all(t.term.startswith("P") for t in page.terms)


def test_home_shows_the_most_looked_up_terms_that_still_exist(
    service: GlossaryService,
) -> None:
    for query, term in [("MQL", MQL), ("MQL", MQL), ("EQL", EQL), ("x", "Retired term")]:
        service.record(WS, query, term)
    assert names(service.home_page(WS, "all", "", 0).top) == [MQL, EQL]


def test_has_category(service: GlossaryService) -> None:
    assert (service.has_category("Pricing models"), service.has_category("nope")) == (True, False)


# --- a store failure ------------------------------------------------------------------------


def test_store_writes_raise_to_their_caller_and_answers_need_no_store(glossary: Glossary) -> None:
    service = GlossaryService(glossary, FailingStore(), clock=Clock())
    assert card_names(service.lookup("EQL").cards) == [EQL]
    assert service.explainable("EQL") == [EQL]
    forgotten: list[Workspace] = []
    service.on_forget = forgotten.append
    with pytest.raises(StoreError):
        service.record(WS, "EQL", EQL, "U0USER")
    with pytest.raises(StoreError):
        service.claim_explanation(WS, "C1", "1.0", [EQL], T0)
    with pytest.raises(StoreError):
        service.release_explanation(WS, "C1", "1.0", Explanation(()), T0)
    with pytest.raises(StoreError):
        service.forget(WS)
    assert forgotten == []  # nothing was forgotten, so cached tokens stay
    assert service.home_page(WS, "all", "", 0).top == ()  # shown without "most looked up"
