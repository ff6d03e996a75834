"""The ``Store`` contract (once-keys, explanations, lookups, upkeep), run against every backend
so handler tests on ``MemoryStore`` prove what production gets from ``SqlStore``. Jobs have
their own file, ``test_jobs_contract.py``."""

from __future__ import annotations

import threading

import pytest

from bot.store import Store, StoreError
from bot.store.base import Pruned
from tests.store.helpers import ACME, run_together

HOUR = 3600.0
DAY = 24 * HOUR


# --- once-only keys ---------------------------------------------------------------------------


def test_first_claim_of_a_key_wins_and_repeats_are_refused(store: Store) -> None:
    assert store.claim_once("event:Ev01ABC", now=1000.0) is True
    assert store.claim_once("event:Ev01ABC", now=1001.0) is False
    assert store.claim_once("event:Ev01ABC", now=9999.0) is False
    assert store.claim_once("event:Ev02DEF", now=1001.0) is True


def test_twenty_threads_claiming_one_key_yield_exactly_one_winner(store: Store) -> None:
    results = run_together(20, lambda: store.claim_once("event:Ev-race", now=1000.0))
    assert sorted(results) == [False] * 19 + [True]


# --- explanations: once per thread, cooldown per channel -----------------------------------


def test_new_terms_are_granted_in_input_order_without_repeats(store: Store) -> None:
    granted = store.claim_explanations(
        ACME, "C1", "1700.1", ["MDF", "EQL", "MDF", "ABM"], 1000.0, HOUR
    )
    assert granted == ["MDF", "EQL", "ABM"]


def test_no_terms_grants_nothing(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", [], 1000.0, HOUR) == []


def test_a_thread_gets_each_term_once_ever(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL", "MDF"], 1001.0, HOUR) == ["MDF"]
    # Long after the cooldown the thread still does not hear it again.
    assert (
        store.claim_explanations(ACME, "C1", "1700.1", ["EQL", "MDF"], 1000.0 + 50 * HOUR, HOUR)
        == []
    )


def test_the_channel_cooldown_blocks_other_threads_until_it_expires(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL", "MDF"], 1000.0, HOUR) == [
        "EQL",
        "MDF",
    ]

    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL", "ABM"], 4599.0, HOUR) == ["ABM"]
    # Refused terms were not recorded: once the hour is over, thread 1700.2 may have EQL.
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL", "ABM"], 4600.0, HOUR) == ["EQL"]
    # ...and that explanation restarted the channel's cooldown for EQL (but not for MDF).
    assert store.claim_explanations(ACME, "C1", "1700.3", ["EQL", "MDF"], 4601.0, HOUR) == ["MDF"]


def test_the_cooldown_is_per_channel(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations(ACME, "C2", "1700.1", ["EQL"], 1001.0, HOUR) == ["EQL"]


def test_a_zero_cooldown_only_keeps_the_thread_rule(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, 0.0) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 1000.0, 0.0) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 1000.0, 0.0) == []


def test_a_zero_cooldown_never_holds_back_a_claim_stamped_a_moment_earlier(store: Store) -> None:
    # Concurrent jobs take their clock reading before they reach the store: the later reading
    # may land first. Without a cooldown, the earlier one is still explained in its thread.
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, 0.0) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 999.9, 0.0) == ["EQL"]
    # With a cooldown, a claim stamped within it of the last one is refused as before.
    assert store.claim_explanations(ACME, "C2", "1700.3", ["EQL"], 1000.0, 1.0) == ["EQL"]
    assert store.claim_explanations(ACME, "C2", "1700.4", ["EQL"], 999.9, 1.0) == []


def test_twenty_threads_in_one_thread_each_term_goes_to_exactly_one(store: Store) -> None:
    results = run_together(
        20, lambda: store.claim_explanations(ACME, "C1", "1700.1", ["EQL", "MDF"], 1000.0, HOUR)
    )
    assert sorted(term for granted in results for term in granted) == ["EQL", "MDF"]


def test_twenty_threads_across_a_channel_respect_the_cooldown(store: Store) -> None:
    counter = iter(range(20))
    lock = threading.Lock()

    def claim_in_own_thread() -> list[str]:
        with lock:
            thread_ts = f"1700.{next(counter)}"
        return store.claim_explanations(ACME, "C1", thread_ts, ["EQL", "MDF"], 1000.0, HOUR)

    results = run_together(20, claim_in_own_thread)
    assert sorted(term for granted in results for term in granted) == ["EQL", "MDF"]


# --- releasing a claim whose post failed ----------------------------------------------------


def test_a_released_claim_may_be_made_again_in_that_thread_and_channel(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL", "MDF"], 1000.0, HOUR) == [
        "EQL",
        "MDF",
    ]
    store.release_explanations(ACME, "C1", "1700.1", ["EQL"], claimed_at=1000.0)

    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL", "MDF"], 1010.0, HOUR) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL", "MDF"], 1010.0 + HOUR, HOUR) == [
        "EQL"
    ]


def test_release_restores_an_earlier_expired_cooldown(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 1000.0 + HOUR, HOUR) == ["EQL"]
    store.release_explanations(ACME, "C1", "1700.2", ["EQL"], claimed_at=1000.0 + HOUR)
    assert store.claim_explanations(ACME, "C1", "1700.3", ["EQL"], 1001.0 + HOUR, HOUR) == ["EQL"]


def test_release_leaves_a_later_claim_alone(store: Store) -> None:
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1000.0, 0.0) == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 2000.0, 0.0) == ["EQL"]
    store.release_explanations(ACME, "C1", "1700.2", ["EQL"], claimed_at=1000.0)  # not its time
    store.release_explanations(ACME, "C1", "1700.1", ["EQL"], claimed_at=1000.0)

    assert store.claim_explanations(ACME, "C1", "1700.2", ["EQL"], 2001.0, HOUR) == []
    assert store.claim_explanations(ACME, "C1", "1700.3", ["EQL"], 2001.0, HOUR) == []
    assert store.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 2000.0 + HOUR, HOUR) == ["EQL"]


# --- lookup stats ---------------------------------------------------------------------------


def record_sample_lookups(store: Store) -> None:
    for query, term, at in [
        ("eql", "EQL", 10.0),
        ("Ecosystem Qualified Lead", "EQL", 11.0),
        ("mdf", "MDF", 12.0),
        ("abm", "ABM", 13.0),
        ("mdf", "MDF", 14.0),
        ("eql", "EQL", 15.0),
        ("abm", "ABM", 16.0),
        ("qbr", None, 20.0),
        ("zzz", None, 30.0),
        ("aaa", None, 5.0),
        ("qbr", None, 21.0),
        ("aaa", None, 40.0),
    ]:
        store.record_lookup(ACME, query, term, now=at, user="U123")


def test_top_terms_counts_hits_by_count_then_name(store: Store) -> None:
    record_sample_lookups(store)
    assert store.top_terms(ACME, 10) == [("EQL", 3), ("ABM", 2), ("MDF", 2)]
    assert store.top_terms(ACME, 2) == [("EQL", 3), ("ABM", 2)]
    assert store.top_terms(ACME, 0) == []


def test_recent_misses_ranks_by_count_then_latest(store: Store) -> None:
    record_sample_lookups(store)
    assert store.recent_misses(ACME, 10) == [("aaa", 2), ("qbr", 2), ("zzz", 1)]
    assert store.recent_misses(ACME, 1) == [("aaa", 2)]
    assert store.recent_misses(ACME, -1) == []


def test_stats_start_empty_and_user_is_optional(store: Store) -> None:
    assert store.top_terms(ACME, 5) == []
    assert store.recent_misses(ACME, 5) == []
    store.record_lookup(ACME, "eql", "EQL", now=1.0)
    assert store.top_terms(ACME, 5) == [("EQL", 1)]


# --- upkeep ---------------------------------------------------------------------------------


def test_prune_deletes_exactly_what_has_expired(store: Store) -> None:
    now = 100 * DAY
    store.claim_once("event:old", now - DAY - 1)
    store.claim_once("event:recent", now - DAY + 1)
    store.claim_explanations(ACME, "C1", "1", ["EQL"], now - 40 * DAY, HOUR)  # past retention
    store.claim_explanations(ACME, "C1", "2", ["MDF"], now - 2 * HOUR, HOUR)  # cooldown over
    store.claim_explanations(ACME, "C1", "3", ["ABM"], now - 60.0, HOUR)  # still cooling down
    store.record_lookup(ACME, "eql", "EQL", now - 31 * DAY, user="U1")
    store.record_lookup(ACME, "qbr", None, now - 29 * DAY, user="U1")

    pruned = store.prune(now, cooldown_s=HOUR, retention_s=30 * DAY)

    assert pruned == Pruned(events=1, explanations=1, cooldowns=2, lookups=1, jobs=0)
    assert store.prune(now, cooldown_s=HOUR, retention_s=30 * DAY) == Pruned()
    assert store.claim_once("event:old", now) is True
    assert store.claim_once("event:recent", now) is False
    assert store.top_terms(ACME, 5) == []
    assert store.recent_misses(ACME, 5) == [("qbr", 1)]
    # Pruning changed no answer that still matters: threads 2 and 3 keep their terms, and
    # ABM's cooldown still holds; thread 1 is past retention, so it may hear EQL again.
    assert store.claim_explanations(ACME, "C1", "2", ["MDF"], now, HOUR) == []
    assert store.claim_explanations(ACME, "C1", "4", ["ABM", "MDF"], now, HOUR) == ["MDF"]
    assert store.claim_explanations(ACME, "C1", "1", ["EQL"], now, HOUR) == ["EQL"]


# --- lifecycle --------------------------------------------------------------------------------


def test_a_closed_store_is_unhealthy_and_refuses_work(store: Store) -> None:
    health = store.health()
    assert (health.ok, health.schema_current, health.detail) == (True, True, "")
    store.close()
    health = store.health()
    assert (health.ok, health.detail) == (False, "the state store is closed")
    with pytest.raises(StoreError) as caught:
        store.claim_once("event:Ev01ABC", now=1.0)
    assert str(caught.value) == "the state store is closed"
