"""The workspace half of the ``Store`` contract, on every backend: one workspace's cooldowns and
counts never change another's, a channel shared by two workspaces is explained once, jobs
carry their workspace, and ``purge`` deletes exactly one workspace's, organisation's or
person's rows. (Row counts per table, and the installation store's rows, are checked on the
SQL backends in ``test_purge_sql.py``.)"""

from __future__ import annotations

import itertools
import threading

import pytest

from bot.store import NO_WORKSPACE, NewJob, Store, Workspace
from bot.store.base import Pruned
from tests.store.helpers import ACME, ACME_EU, SOLO, run_together

HOUR = 3600.0
LEASE = 30.0


# --- explanations -----------------------------------------------------------------------------


def test_two_workspaces_cooldowns_never_affect_each_other(store: Store) -> None:
    # C1 is a Slack Connect channel shared by ACME and SOLO (one channel id, seen from both).
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations(SOLO, "C1", "1700.2", ["EQL"], 1001.0, HOUR) == ["EQL"]
    # Each workspace's own cooldown still holds in its own threads.
    assert store.claim_explanations(ACME, "C1", "1700.3", ["EQL"], 1002.0, HOUR) == []
    assert store.claim_explanations(SOLO, "C1", "1700.4", ["EQL"], 1002.0, HOUR) == []
    # Workspaces of one organisation are still separate workspaces.
    assert store.claim_explanations(ACME_EU, "C1", "1700.5", ["EQL"], 1003.0, HOUR) == ["EQL"]


def test_a_shared_channel_thread_is_explained_once_across_workspaces(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations(SOLO, "C1", "1700.1", ["EQL", "MDF"], 1001.0, HOUR) == ["MDF"]
    assert store.claim_explanations(ACME, "C1", "1700.1", ["MDF"], 1000.0 + 9 * HOUR, HOUR) == []


def test_two_workspaces_racing_for_one_shared_thread_explain_each_term_once(
    store: Store,
) -> None:
    turns = itertools.cycle([ACME, SOLO])
    lock = threading.Lock()

    def claim() -> list[str]:
        with lock:
            workspace = next(turns)
        return store.claim_explanations(workspace, "C1", "1700.1", ["EQL", "MDF"], 1000.0, HOUR)

    results = run_together(20, claim)
    assert sorted(term for granted in results for term in granted) == ["EQL", "MDF"]


def test_a_release_undoes_only_its_own_workspaces_claim(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    store.release_explanations(SOLO, "C1", "1700.1", ["EQL"], claimed_at=1000.0)

    assert store.claim_explanations(SOLO, "C1", "1700.1", ["EQL"], 1001.0, HOUR) == []
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 1001.0, HOUR) == []


def test_an_empty_id_is_no_id() -> None:
    assert Workspace("", "T3") == SOLO
    assert Workspace("", "") == NO_WORKSPACE
    assert (ACME.key, SOLO.key, NO_WORKSPACE.key) == ("E1:T1", "-:T3", "-:-")


# --- lookups --------------------------------------------------------------------------------


def test_counts_and_misses_are_per_workspace(store: Store) -> None:
    store.record_lookup(ACME, "eql", "EQL", 10.0, user="U1")
    store.record_lookup(ACME, "eql", "EQL", 11.0, user="U2")
    store.record_lookup(ACME, "qbr", None, 12.0, user="U1")
    store.record_lookup(ACME_EU, "mdf", "MDF", 13.0, user="U3")
    store.record_lookup(SOLO, "abm", "ABM", 14.0, user="U1")
    store.record_lookup(SOLO, "zzz", None, 15.0)

    assert store.top_terms(ACME, 5) == [("EQL", 2)]
    assert store.top_terms(ACME_EU, 5) == [("MDF", 1)]
    assert store.top_terms(SOLO, 5) == [("ABM", 1)]
    assert store.top_terms(NO_WORKSPACE, 5) == []
    assert store.recent_misses(ACME, 5) == [("qbr", 1)]
    assert store.recent_misses(ACME_EU, 5) == []
    assert store.recent_misses(SOLO, 5) == [("zzz", 1)]


def test_a_miss_never_keeps_the_askers_id(store: Store) -> None:
    store.record_lookup(ACME, "qbr", None, 10.0, user="U1")
    store.record_lookup(ACME, "eql", "EQL", 11.0, user="U1")

    assert store.purge(user_id="U1") == Pruned(lookups=1)  # the hit: the miss has no id
    assert store.recent_misses(ACME, 5) == [("qbr", 1)]
    assert store.top_terms(ACME, 5) == []


# --- jobs -----------------------------------------------------------------------------------


def test_jobs_carry_their_workspace(store: Store) -> None:
    store.enqueue(
        [NewJob("explain", {"n": 1}, None, ACME), NewJob("explain", {"n": 2}, "click:1", SOLO)],
        now=100.0,
    )
    store.enqueue([NewJob("explain", {"n": 3})], now=100.0)

    jobs = store.claim_jobs(5, now=100.0, lease_s=LEASE, max_attempts=5)

    assert [(job.payload["n"], job.workspace) for job in jobs] == [
        (1, ACME),
        (2, SOLO),
        (3, NO_WORKSPACE),
    ]


# --- purge ----------------------------------------------------------------------------------


def populate(store: Store, workspace: Workspace, channel: str) -> None:
    """Per workspace: 2 jobs, 2 explanations (and so 2 cooldowns), 3 lookups (1 a miss)."""
    store.enqueue(
        [NewJob("explain", {}, None, workspace), NewJob("respond", {}, None, workspace)], 100.0
    )
    assert store.claim_explanations(workspace, channel, "1", ["EQL", "MDF"], 100.0, HOUR) == [
        "EQL",
        "MDF",
    ]
    store.record_lookup(workspace, "eql", "EQL", 100.0, user="U1")
    store.record_lookup(workspace, "mdf", "MDF", 100.0, user="U2")
    store.record_lookup(workspace, "qbr", None, 100.0, user="U1")


@pytest.fixture
def populated(store: Store) -> Store:
    for workspace, channel in [(ACME, "CA"), (ACME_EU, "CB"), (SOLO, "CC"), (NO_WORKSPACE, "CD")]:
        populate(store, workspace, channel)
    return store


Left = tuple[list[tuple[str, int]], list[tuple[str, int]], int, list[str]]
"""A workspace's top terms, misses, jobs, and the terms a new thread may hear."""


def remaining(store: Store) -> dict[str, Left]:
    """What each workspace still has: counts, jobs, and whether its cooldown still holds."""
    jobs = store.claim_jobs(100, now=101.0, lease_s=LEASE, max_attempts=5)
    store.release_jobs(jobs, now=101.0)
    return {
        w.key: (
            store.top_terms(w, 5),
            store.recent_misses(w, 5),
            sum(job.workspace == w for job in jobs),
            store.claim_explanations(w, channel, "2", ["EQL"], 101.0, HOUR),
        )
        for w, channel in [(ACME, "CA"), (ACME_EU, "CB"), (SOLO, "CC"), (NO_WORKSPACE, "CD")]
    }


UNTOUCHED: Left = ([("EQL", 1), ("MDF", 1)], [("qbr", 1)], 2, [])
GONE: Left = ([], [], 0, ["EQL"])


def test_purge_by_team_deletes_that_workspace_only(populated: Store) -> None:
    assert populated.purge(team_id="T1") == Pruned(jobs=2, explanations=2, cooldowns=2, lookups=3)
    assert populated.purge(team_id="T1") == Pruned()
    assert remaining(populated) == {
        "E1:T1": GONE,
        "E1:T2": UNTOUCHED,
        "-:T3": UNTOUCHED,
        "-:-": UNTOUCHED,
    }


def test_purge_by_enterprise_deletes_every_workspace_of_the_organisation(
    populated: Store,
) -> None:
    assert populated.purge(enterprise_id="E1") == Pruned(
        jobs=4, explanations=4, cooldowns=4, lookups=6
    )
    assert remaining(populated) == {
        "E1:T1": GONE,
        "E1:T2": GONE,
        "-:T3": UNTOUCHED,
        "-:-": UNTOUCHED,
    }


def test_purge_by_enterprise_and_team_needs_both_to_match(populated: Store) -> None:
    assert populated.purge(enterprise_id="E1", team_id="T3") == Pruned()
    assert populated.purge(enterprise_id="E1", team_id="T2") == Pruned(
        jobs=2, explanations=2, cooldowns=2, lookups=3
    )
    assert remaining(populated)["E1:T2"] == GONE


def test_purge_by_user_deletes_only_that_persons_lookups(populated: Store) -> None:
    assert populated.purge(user_id="U1") == Pruned(lookups=4)  # a hit in each workspace

    # Everything else stays: U2's hits, the misses, jobs, explanations and cooldowns.
    left: Left = ([("MDF", 1)], [("qbr", 1)], 2, [])
    assert remaining(populated) == {"E1:T1": left, "E1:T2": left, "-:T3": left, "-:-": left}


def test_purge_by_user_within_one_workspace(populated: Store) -> None:
    assert populated.purge(team_id="T3", user_id="U2") == Pruned(lookups=1)
    assert remaining(populated)["-:T3"] == ([("EQL", 1)], [("qbr", 1)], 2, [])
    assert remaining(populated)["E1:T1"] == UNTOUCHED


@pytest.mark.parametrize(
    "criteria", [{}, {"team_id": None}, {"team_id": ""}, {"enterprise_id": "", "team_id": "T1"}]
)
def test_purge_refuses_to_match_without_an_id(
    populated: Store, criteria: dict[str, str | None]
) -> None:
    with pytest.raises(ValueError) as caught:
        populated.purge(**criteria)
    assert str(caught.value) == (
        "purge needs at least one non-empty id: enterprise_id, team_id or user_id"
    )
    assert remaining(populated)["-:-"] == UNTOUCHED
