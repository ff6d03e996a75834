"""bot.governance: the service's governance facet over a MemoryStore and a fixed clock.

Pinned down: a suggestion is stored once per modal even when its job runs again; edits and
decisions pass through the store's atomic rules; a settings change is stored and worded;
App Home's extras carry the opt-out and, for maintainers only, the panel's lists; a store that
fails leaves the Home tab without its extras instead of failing it.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.channel_settings import SettingsForm
from bot.governance import HomeExtras
from bot.service import GlossaryService
from bot.store import MemoryStore, StoreError
from bot.store.base import ChannelSettings, Miss, NewSuggestion, Workspace
from bot.terms import Glossary, Term
from bot.terms.review import Overdue, Why
from tests.fakes import T0, Clock

HERE = Workspace(None, "T1")
ZORB = NewSuggestion("Zorb", "A zorb is a deal.", "Deals", "ZB", "We say it.", "U1")
FRESH = Term(
    "Fresh", "Deals", "Fresh.", owner="U9", reviewed=date(2023, 11, 1), review_every_days=90
)
STALE = Term(
    "Stale", "Deals", "Stale.", owner="U9", reviewed=date(2023, 1, 1), review_every_days=90
)
ORPHAN = Term("Orphan", "Deals", "Nobody's.")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(store: MemoryStore) -> GlossaryService:
    return GlossaryService(Glossary([FRESH, STALE, ORPHAN]), store, clock=Clock())


def test_a_suggestion_is_stored_once_per_modal(service: GlossaryService) -> None:
    governance = service.governance
    first = governance.add(HERE, ZORB, "V1")
    again = governance.add(HERE, ZORB, "V1")  # the job ran again after storing it
    other = governance.add(HERE, ZORB, "V2")  # a second modal is a second suggestion
    assert (first.id, again.id) == (first.id, first.id) and other.id != first.id
    assert [s.id for s in service.store.suggestions("waiting", HERE)] == [first.id, other.id]
    assert (first.term, first.suggester, first.status, first.created_at) == (
        "Zorb",
        "U1",
        "waiting",
        T0,
    )


def test_fields_are_stored_as_the_loader_would_read_them(service: GlossaryService) -> None:
    messy = NewSuggestion("  Zorb\n deal ", " A\tzorb.\n", " Deals ", " ZB ", " why\nnot \n", "U1")
    stored = service.governance.add(HERE, messy, "V1")
    assert (stored.term, stored.definition, stored.category, stored.acronym, stored.why) == (
        "Zorb deal",
        "A zorb.",
        "Deals",
        "ZB",
        "why\nnot",
    )


def test_only_the_first_decision_wins(service: GlossaryService) -> None:
    governance = service.governance
    added = governance.add(HERE, ZORB, "V1")
    approved = governance.decide(added.id, "approved", "U2")
    assert approved is not None and (approved.status, approved.decided_by) == ("approved", "U2")
    assert governance.decide(added.id, "rejected", "U3") is None
    assert governance.edit(added.id, ZORB) is None  # decided: no more edits


def test_a_settings_change_is_stored_and_worded(service: GlossaryService) -> None:
    form = SettingsForm(True, 3, None, 2, False)
    said = service.governance.change_settings(HERE, "C1", form, "U1")
    assert said == ["paused explanations for 3 days", "set the terms per message to 2"]
    assert service.store.channel_settings(HERE, "C1") == ChannelSettings(
        paused_until=T0 + 3 * 86400, max_terms=2, updated_by="U1", updated_at=T0
    )


def test_home_extras_for_a_maintainer(service: GlossaryService, store: MemoryStore) -> None:
    governance = service.governance
    governance.set_opted_out(HERE, "U1", True)
    store.record_lookup(HERE, "zorb", None, T0 - 60)
    store.record_lookup(HERE, "zorb", None, T0 - 30)
    store.record_lookup(HERE, "fresh", "Fresh", T0, "U1")
    store.claim_explanations(HERE, "C1", "1.0", ["Fresh", "Stale"], T0 - 100, 3600.0)
    waiting = governance.add(HERE, ZORB, "V1")
    extras = governance.home_extras(HERE, "U1", maintainer=True)
    assert extras.opted_out is True
    panel = extras.panel
    assert panel is not None
    assert panel.misses == (Miss("zorb", 2, T0 - 60, T0 - 30),)
    assert panel.overdue == (
        Overdue(STALE, Why.OVERDUE, date(2023, 4, 1)),
        Overdue(ORPHAN, Why.NO_OWNER),
    )
    assert (panel.overdue_count, panel.waiting, panel.waiting_count) == (2, (waiting,), 1)
    assert (panel.top, panel.channels) == ((("Fresh", 1),), (("C1", 2),))


def test_home_extras_for_everyone_else(service: GlossaryService) -> None:
    assert service.governance.home_extras(HERE, "U1", maintainer=False) == HomeExtras(False)


def test_a_failing_store_leaves_the_home_tab_without_extras(
    service: GlossaryService, store: MemoryStore
) -> None:
    store.close()
    with pytest.raises(StoreError):
        store.opted_out(HERE, "U1")
    assert service.governance.home_extras(HERE, "U1", maintainer=True) == HomeExtras(None)


def test_review_posts_use_the_governance_workspace(service: GlossaryService) -> None:
    governance = service.governance
    assert governance.review_workspace(HERE) == HERE  # one bot token: its own workspace
    governance.configure(maintainers=frozenset(), suggestions_channel="C9", governance_team="T9")
    assert governance.review_workspace(HERE) == Workspace(None, "T9")
