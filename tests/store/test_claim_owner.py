"""An explanation claim remembers the job that made it (``claim_id``), on every backend.

A job that claimed its terms and died before posting is taken over when its lease ends; its
next attempt must get the same terms back, or the explanation is lost. Anyone else still gets
nothing: the thread heard them, or will from that job.
"""

from __future__ import annotations

from bot.store import Store
from tests.store.helpers import ACME

HOUR = 3600.0


def test_the_same_job_gets_its_own_claim_back(store: Store) -> None:
    first = store.claim_explanations(ACME, "C1", "1.0", ["EQL", "VAR"], 100.0, HOUR, "Ev1:explain")
    again = store.claim_explanations(ACME, "C1", "1.0", ["EQL", "VAR"], 130.0, HOUR, "Ev1:explain")
    assert (first, again) == (["EQL", "VAR"], ["EQL", "VAR"])


def test_another_job_or_no_owner_is_refused(store: Store) -> None:
    store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 100.0, HOUR, "Ev1:explain")
    assert store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 101.0, HOUR, "Ev2:explain") == []
    assert store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 102.0, HOUR) == []


def test_a_retaken_claim_is_released_at_its_new_time(store: Store) -> None:
    store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 100.0, HOUR, "Ev1:explain")
    store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 130.0, HOUR, "Ev1:explain")
    store.release_explanations(ACME, "C1", "1.0", ["EQL"], 130.0)  # its post failed for good
    assert store.claim_explanations(ACME, "C1", "2.0", ["EQL"], 140.0, HOUR) == ["EQL"]


def test_a_retried_claim_mixes_its_own_new_and_cooling_terms(store: Store) -> None:
    store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 100.0, HOUR, "Ev1:explain")
    store.claim_explanations(ACME, "C1", "2.0", ["MDF"], 110.0, HOUR)  # MDF cools in C1
    again = store.claim_explanations(
        ACME, "C1", "1.0", ["VAR", "MDF", "EQL"], 130.0, HOUR, "Ev1:explain"
    )
    assert again == ["VAR", "EQL"]
    # MDF was not kept for thread 1.0: once its cooldown ends, the thread may hear it.
    assert store.claim_explanations(ACME, "C1", "1.0", ["MDF"], 110.0 + HOUR, HOUR) == ["MDF"]
    # EQL's cooldown runs from its re-stamp at 130.
    assert store.claim_explanations(ACME, "C1", "3.0", ["EQL"], 129.0 + HOUR, HOUR) == []
    assert store.claim_explanations(ACME, "C1", "3.0", ["EQL"], 130.0 + HOUR, HOUR) == ["EQL"]


def test_a_retaken_claim_restarts_a_cooldown_that_was_pruned(store: Store) -> None:
    store.claim_explanations(ACME, "C1", "1.0", ["EQL"], 100.0, HOUR, "Ev1:explain")
    store.prune(100.0 + 2 * HOUR, cooldown_s=HOUR, retention_s=30 * 24 * HOUR)
    retaken = store.claim_explanations(
        ACME, "C1", "1.0", ["EQL"], 101.0 + 2 * HOUR, HOUR, "Ev1:explain"
    )
    assert retaken == ["EQL"]
    assert store.claim_explanations(ACME, "C1", "2.0", ["EQL"], 102.0 + 2 * HOUR, HOUR) == []
