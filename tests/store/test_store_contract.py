"""The ``Store`` contract, run against every implementation so handler tests on ``MemoryStore``
prove the same behaviour production gets from ``SqlStore``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from bot.store import MemoryStore, RememberingStore, SqlStore, Store, StoreError

T = TypeVar("T")
HOUR = 3600.0


@pytest.fixture(params=["memory", "sqlite-file", "sqlite-in-memory", "remembering-sqlite-file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    makers: dict[str, Callable[[], Store]] = {
        "memory": MemoryStore,
        "sqlite-file": lambda: SqlStore(f"sqlite:///{tmp_path}/state.sqlite3"),
        "sqlite-in-memory": lambda: SqlStore("sqlite://"),
        "remembering-sqlite-file": lambda: RememberingStore(
            SqlStore(f"sqlite:///{tmp_path}/state.sqlite3")
        ),
    }
    made = makers[request.param]()
    yield made
    made.close()


def run_together(n: int, call: Callable[[], T]) -> list[T]:
    """Run ``call`` on ``n`` threads released at the same moment; return every result."""
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            result = call()
        except BaseException as exc:  # re-raised below, in the test's thread
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert len(results) == n
    return results


# --- Slack event ids --------------------------------------------------------------------------


def test_first_claim_of_an_event_wins_and_repeats_are_refused(store: Store) -> None:
    assert store.claim_event("Ev01ABC", now=1000.0) is True
    assert store.claim_event("Ev01ABC", now=1001.0) is False
    assert store.claim_event("Ev01ABC", now=9999.0) is False
    assert store.claim_event("Ev02DEF", now=1001.0) is True


def test_prune_forgets_only_events_older_than_the_cut(store: Store) -> None:
    store.claim_event("Ev-old", now=100.0)
    store.claim_event("Ev-edge", now=150.0)
    store.claim_event("Ev-new", now=200.0)

    assert store.prune_events(older_than=150.0) == 1
    assert store.prune_events(older_than=150.0) == 0
    assert store.claim_event("Ev-old", now=300.0) is True
    assert store.claim_event("Ev-edge", now=300.0) is False
    assert store.claim_event("Ev-new", now=300.0) is False


def test_twenty_threads_claiming_one_event_yield_exactly_one_winner(store: Store) -> None:
    results = run_together(20, lambda: store.claim_event("Ev-race", now=1000.0))
    assert sorted(results) == [False] * 19 + [True]


# --- explanations: once per thread, cooldown per channel -----------------------------------


def test_new_terms_are_granted_in_input_order_without_repeats(store: Store) -> None:
    granted = store.claim_explanations("C1", "1700.1", ["MDF", "EQL", "MDF", "ABM"], 1000.0, HOUR)
    assert granted == ["MDF", "EQL", "ABM"]


def test_no_terms_grants_nothing(store: Store) -> None:
    assert store.claim_explanations("C1", "1700.1", [], 1000.0, HOUR) == []


def test_a_thread_gets_each_term_once_ever(store: Store) -> None:
    assert store.claim_explanations("C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations("C1", "1700.1", ["EQL", "MDF"], 1001.0, HOUR) == ["MDF"]
    # Long after the cooldown the thread still does not hear it again.
    assert store.claim_explanations("C1", "1700.1", ["EQL", "MDF"], 1000.0 + 50 * HOUR, HOUR) == []


def test_the_channel_cooldown_blocks_other_threads_until_it_expires(store: Store) -> None:
    assert store.claim_explanations("C1", "1700.1", ["EQL", "MDF"], 1000.0, HOUR) == ["EQL", "MDF"]

    assert store.claim_explanations("C1", "1700.2", ["EQL", "ABM"], 4599.0, HOUR) == ["ABM"]
    # Refused terms were not recorded: once the hour is over, thread 1700.2 may have EQL.
    assert store.claim_explanations("C1", "1700.2", ["EQL", "ABM"], 4600.0, HOUR) == ["EQL"]
    # ...and that explanation restarted the channel's cooldown for EQL (but not for MDF).
    assert store.claim_explanations("C1", "1700.3", ["EQL", "MDF"], 4601.0, HOUR) == ["MDF"]


def test_the_cooldown_is_per_channel(store: Store) -> None:
    assert store.claim_explanations("C1", "1700.1", ["EQL"], 1000.0, HOUR) == ["EQL"]
    assert store.claim_explanations("C2", "1700.1", ["EQL"], 1001.0, HOUR) == ["EQL"]


def test_a_zero_cooldown_only_keeps_the_thread_rule(store: Store) -> None:
    assert store.claim_explanations("C1", "1700.1", ["EQL"], 1000.0, 0.0) == ["EQL"]
    assert store.claim_explanations("C1", "1700.2", ["EQL"], 1000.0, 0.0) == ["EQL"]
    assert store.claim_explanations("C1", "1700.2", ["EQL"], 1000.0, 0.0) == []


def test_twenty_threads_in_one_thread_each_term_goes_to_exactly_one(store: Store) -> None:
    results = run_together(
        20, lambda: store.claim_explanations("C1", "1700.1", ["EQL", "MDF"], 1000.0, HOUR)
    )
    assert sorted(term for granted in results for term in granted) == ["EQL", "MDF"]


def test_twenty_threads_across_a_channel_respect_the_cooldown(store: Store) -> None:
    counter = iter(range(20))
    lock = threading.Lock()

    def claim_in_own_thread() -> list[str]:
        with lock:
            thread_ts = f"1700.{next(counter)}"
        return store.claim_explanations("C1", thread_ts, ["EQL", "MDF"], 1000.0, HOUR)

    results = run_together(20, claim_in_own_thread)
    assert sorted(term for granted in results for term in granted) == ["EQL", "MDF"]


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
        store.record_lookup(query, term, now=at, user="U123")


def test_top_terms_counts_hits_by_count_then_name(store: Store) -> None:
    record_sample_lookups(store)
    assert store.top_terms(10) == [("EQL", 3), ("ABM", 2), ("MDF", 2)]
    assert store.top_terms(2) == [("EQL", 3), ("ABM", 2)]
    assert store.top_terms(0) == []


def test_recent_misses_ranks_by_count_then_latest(store: Store) -> None:
    record_sample_lookups(store)
    assert store.recent_misses(10) == [("aaa", 2), ("qbr", 2), ("zzz", 1)]
    assert store.recent_misses(1) == [("aaa", 2)]
    assert store.recent_misses(-1) == []


def test_stats_start_empty_and_user_is_optional(store: Store) -> None:
    assert store.top_terms(5) == []
    assert store.recent_misses(5) == []
    store.record_lookup("eql", "EQL", now=1.0)
    assert store.top_terms(5) == [("EQL", 1)]


# --- lifecycle --------------------------------------------------------------------------------


def test_a_closed_store_is_unhealthy_and_refuses_work(store: Store) -> None:
    assert store.healthy() is True
    store.close()
    assert store.healthy() is False
    with pytest.raises(StoreError) as caught:
        store.claim_event("Ev01ABC", now=1.0)
    assert str(caught.value) == "the state store is closed"
