"""The governance half of the ``Store`` contract, on every backend: misses and explanation
counts for maintainers, channel settings, opt-outs and suggestions (the first decision wins).
Purge and prune of these tables are in ``test_governance_upkeep.py``."""

from __future__ import annotations

import pytest

from bot.store import ChannelSettings, Miss, NewSuggestion, Store, Suggestion
from tests.store.helpers import ACME, ACME_EU, SOLO, run_together

HOUR = 3600.0
QBR = NewSuggestion(
    term="QBR",
    definition="Quarterly business review with a partner.",
    category="Sales",
    acronym="QBR",
    why="Asked about weekly in #partners",
    suggester="U0SUG",
)
MDF = NewSuggestion(term="MDF", definition="Market development funds.", category="Marketing")


# --- misses -----------------------------------------------------------------------------------


def test_misses_are_merged_by_normalised_query_with_counts_and_first_and_last_seen(
    store: Store,
) -> None:
    store.record_lookup(ACME, "Tier  X", None, 100.0, user="U1")
    store.record_lookup(ACME, "tier x", None, 300.0, user="U2")
    store.record_lookup(ACME, " TIER X ", None, 200.0)
    store.record_lookup(ACME, "qbr", None, 400.0)
    store.record_lookup(ACME, "eql", "EQL", 500.0, user="U1")  # a hit is no miss

    assert store.misses(ACME, since=0.0, limit=10) == [
        Miss("tier x", 3, 100.0, 300.0),
        Miss("qbr", 1, 400.0, 400.0),
    ]


def test_misses_count_only_lookups_since_the_given_time(store: Store) -> None:
    store.record_lookup(ACME, "qbr", None, 100.0)
    store.record_lookup(ACME, "qbr", None, 200.0)
    store.record_lookup(ACME, "abm", None, 99.0)

    assert store.misses(ACME, since=200.0, limit=10) == [Miss("qbr", 1, 200.0, 200.0)]
    assert store.misses(ACME, since=201.0, limit=10) == []


def test_misses_rank_by_count_then_most_recent_and_honour_the_limit(store: Store) -> None:
    for query, at in [("abm", 10.0), ("abm", 11.0), ("qbr", 12.0), ("mdf", 13.0)]:
        store.record_lookup(ACME, query, None, at)

    assert [m.query for m in store.misses(ACME, 0.0, 10)] == ["abm", "mdf", "qbr"]
    assert store.misses(ACME, 0.0, 1) == [Miss("abm", 2, 10.0, 11.0)]
    assert store.misses(ACME, 0.0, 0) == []


def test_misses_of_one_workspace_or_of_all_workspaces(store: Store) -> None:
    store.record_lookup(ACME, "qbr", None, 10.0)
    store.record_lookup(SOLO, "QBR", None, 20.0)
    store.record_lookup(SOLO, "abm", None, 30.0)

    assert store.misses(ACME, 0.0, 10) == [Miss("qbr", 1, 10.0, 10.0)]
    assert store.misses(ACME_EU, 0.0, 10) == []
    assert store.misses(None, 0.0, 10) == [
        Miss("qbr", 2, 10.0, 20.0),
        Miss("abm", 1, 30.0, 30.0),
    ]


# --- explanations per channel -----------------------------------------------------------------


def test_explanations_are_counted_per_channel_since_a_time(store: Store) -> None:
    store.claim_explanations(ACME, "C1", "1.1", ["EQL", "MDF"], 100.0, HOUR)
    store.claim_explanations(ACME, "C2", "2.1", ["EQL"], 200.0, HOUR)
    store.claim_explanations(ACME, "C2", "2.2", ["MDF"], 300.0, HOUR)
    store.claim_explanations(ACME, "C3", "3.1", ["EQL"], 50.0, HOUR)  # before `since`
    store.claim_explanations(SOLO, "C1", "1.2", ["ABM"], 100.0, HOUR)  # another workspace

    assert store.explanations_by_channel(ACME, since=100.0, limit=10) == [("C1", 2), ("C2", 2)]
    assert store.explanations_by_channel(ACME, since=0.0, limit=10) == [
        ("C1", 2),
        ("C2", 2),
        ("C3", 1),
    ]
    assert store.explanations_by_channel(ACME, since=0.0, limit=1) == [("C1", 2)]
    assert store.explanations_by_channel(SOLO, since=0.0, limit=10) == [("C1", 1)]
    assert store.explanations_by_channel(ACME_EU, since=0.0, limit=10) == []


# --- channel settings and opt-out -------------------------------------------------------------


def test_a_channel_never_set_has_the_default_settings(store: Store) -> None:
    assert store.channel_settings(ACME, "C1") == ChannelSettings()


def test_channel_settings_are_replaced_whole_and_kept_per_workspace_and_channel(
    store: Store,
) -> None:
    paused = ChannelSettings(
        explain=True,
        paused_until=86_500.0,
        cooldown_hours=2.5,
        max_terms=3,
        partner_view=True,
        updated_by="U0ANA",
        updated_at=100.0,
    )
    store.set_channel_settings(ACME, "C1", paused)
    assert store.channel_settings(ACME, "C1") == paused

    off = ChannelSettings(explain=False, updated_by="U0BEN", updated_at=200.0)
    store.set_channel_settings(ACME, "C1", off)
    assert store.channel_settings(ACME, "C1") == off
    assert store.channel_settings(ACME, "C2") == ChannelSettings()
    assert store.channel_settings(ACME_EU, "C1") == ChannelSettings()


def test_opting_out_and_back_in(store: Store) -> None:
    assert store.opted_out(ACME, "U0ANA") is False
    store.set_opted_out(ACME, "U0ANA", True, now=100.0)
    assert store.opted_out(ACME, "U0ANA") is True
    assert store.opted_out(ACME, "U0BEN") is False
    assert store.opted_out(SOLO, "U0ANA") is False
    store.set_opted_out(ACME, "U0ANA", False, now=200.0)
    assert store.opted_out(ACME, "U0ANA") is False


def test_the_explain_gate_reads_a_channels_settings_and_an_authors_choice_together(
    store: Store,
) -> None:
    off = ChannelSettings(explain=False, updated_by="U0BEN", updated_at=200.0)
    store.set_channel_settings(ACME, "C1", off)
    store.set_opted_out(ACME, "U0ANA", True, now=100.0)
    assert store.explain_gate(ACME, "C1", "U0ANA") == (off, True)
    assert store.explain_gate(ACME, "C2", "U0BEN") == (ChannelSettings(), False)
    assert store.explain_gate(SOLO, "C1", "U0ANA") == (ChannelSettings(), False)


# --- suggestions ------------------------------------------------------------------------------


def test_a_new_suggestion_waits_with_its_id_and_everything_the_suggester_wrote(
    store: Store,
) -> None:
    added = store.add_suggestion(ACME, QBR, now=100.0)

    expected = Suggestion(
        id=1,
        workspace=ACME,
        term="QBR",
        definition="Quarterly business review with a partner.",
        category="Sales",
        acronym="QBR",
        why="Asked about weekly in #partners",
        suggester="U0SUG",
        status="waiting",
        created_at=100.0,
    )
    assert added == expected
    assert store.suggestion(1) == expected
    assert store.suggestion(2) is None
    assert store.add_suggestion(SOLO, MDF, now=50.0).id == 2


def test_suggestions_are_listed_oldest_first_by_status_and_workspace(store: Store) -> None:
    store.add_suggestion(ACME, QBR, now=300.0)  # id 1
    store.add_suggestion(SOLO, MDF, now=100.0)  # id 2
    store.add_suggestion(ACME, MDF, now=200.0)  # id 3
    store.decide_suggestion(3, "rejected", "U0MNT", now=400.0)

    assert [s.id for s in store.suggestions()] == [2, 3, 1]
    assert [s.id for s in store.suggestions(status="waiting")] == [2, 1]
    assert [s.id for s in store.suggestions(workspace=ACME)] == [3, 1]
    assert [s.id for s in store.suggestions(status="rejected", workspace=ACME)] == [3]
    assert [s.id for s in store.suggestions(status="approved")] == []
    assert [s.id for s in store.suggestions(limit=2)] == [2, 3]


def test_a_maintainer_edits_a_waiting_suggestion_and_the_suggester_is_kept(store: Store) -> None:
    store.add_suggestion(ACME, QBR, now=100.0)
    edit = NewSuggestion(
        term="QBR",
        definition="A quarterly review of a partner's pipeline and goals.",
        category="Partners",
        acronym="QBR",
        why="",
        suggester="U0MNT",  # an edit never changes who suggested it
    )

    edited = store.edit_suggestion(1, edit, now=200.0)

    assert edited is not None
    assert (edited.definition, edited.category, edited.why, edited.suggester, edited.status) == (
        "A quarterly review of a partner's pipeline and goals.",
        "Partners",
        "",
        "U0SUG",
        "waiting",
    )
    assert store.suggestion(1) == edited
    assert store.edit_suggestion(99, edit, now=200.0) is None


def test_the_first_decision_wins_and_a_decided_suggestion_cannot_be_edited(
    store: Store,
) -> None:
    store.add_suggestion(ACME, QBR, now=100.0)

    approved = store.decide_suggestion(1, "approved", "U0MNT", now=200.0)

    assert approved is not None
    assert (approved.status, approved.decided_by, approved.decided_at) == (
        "approved",
        "U0MNT",
        200.0,
    )
    assert store.decide_suggestion(1, "rejected", "U0OTHER", now=201.0) is None
    assert store.decide_suggestion(1, "approved", "U0MNT", now=202.0) is None
    assert store.edit_suggestion(1, MDF, now=203.0) is None
    assert store.suggestion(1) == approved
    assert store.decide_suggestion(2, "approved", "U0MNT", now=200.0) is None


def test_a_decision_must_be_approved_or_rejected(store: Store) -> None:
    store.add_suggestion(ACME, QBR, now=100.0)
    for status in ("waiting", "maybe", ""):
        with pytest.raises(ValueError, match="approved"):
            store.decide_suggestion(1, status, "U0MNT", now=200.0)
    suggestion = store.suggestion(1)
    assert suggestion is not None and suggestion.status == "waiting"


def test_twenty_maintainers_deciding_at_once_yield_exactly_one_decision(store: Store) -> None:
    store.add_suggestion(ACME, QBR, now=100.0)

    results = run_together(20, lambda: store.decide_suggestion(1, "approved", "U0MNT", 200.0))

    assert sorted(r is not None for r in results) == [False] * 19 + [True]
    assert [s.status for s in store.suggestions()] == ["approved"]


def test_the_review_post_is_remembered(store: Store) -> None:
    store.add_suggestion(ACME, QBR, now=100.0)
    store.set_suggestion_review(1, "C0REVIEW", "1700000000.000100")
    store.set_suggestion_review(99, "C0REVIEW", "1700000000.000200")  # gone: nothing to do

    suggestion = store.suggestion(1)
    assert suggestion is not None
    assert (suggestion.review_channel, suggestion.review_ts) == ("C0REVIEW", "1700000000.000100")
    decided = store.decide_suggestion(1, "approved", "U0MNT", now=200.0)
    assert decided is not None and decided.review_ts == "1700000000.000100"
