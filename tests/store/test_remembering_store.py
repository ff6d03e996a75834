"""bot.store.remembering: repeats are refused without a database write, and nothing else changes."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store import MemoryStore, RememberingStore

HOUR = 3600.0


class CountingStore(MemoryStore):
    """A MemoryStore that counts the explanation claims that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.claims: list[list[str]] = []

    def claim_explanations(
        self, channel: str, thread_ts: str, terms: Sequence[str], now: float, cooldown_s: float
    ) -> list[str]:
        self.claims.append(list(terms))
        return super().claim_explanations(channel, thread_ts, terms, now, cooldown_s)


def test_refusals_it_can_prove_never_reach_the_database() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    assert store.claim_explanations("C1", "1", ["EQL", "VAR"], 0.0, 24 * HOUR) == ["EQL", "VAR"]
    assert store.claim_explanations("C1", "1", ["EQL"], 10.0, 24 * HOUR) == []  # same thread
    assert store.claim_explanations("C1", "2", ["VAR"], 20.0, 24 * HOUR) == []  # cooldown
    assert store.claim_explanations("C1", "3", ["VAR", "ICP"], 30.0, 24 * HOUR) == ["ICP"]
    assert inner.claims == [["EQL", "VAR"], ["ICP"]]


def test_claims_by_other_processes_are_still_respected() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    inner.claim_explanations("C1", "1", ["EQL"], 0.0, 24 * HOUR)  # another worker's claim
    assert store.claim_explanations("C1", "2", ["EQL"], 10.0, 24 * HOUR) == []
    assert inner.claims == [["EQL"], ["EQL"]]


def test_after_the_cooldown_the_database_decides_again() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations("C1", "1", ["EQL"], 0.0, HOUR)
    assert store.claim_explanations("C1", "2", ["EQL"], HOUR, HOUR) == ["EQL"]
    assert inner.claims == [["EQL"], ["EQL"]]


def test_a_released_claim_is_forgotten_here_too() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    assert store.claim_explanations("C1", "1", ["EQL", "VAR"], 0.0, 24 * HOUR) == ["EQL", "VAR"]
    store.release_explanations("C1", "1", ["EQL"], claimed_at=0.0)

    assert store.claim_explanations("C1", "1", ["EQL", "VAR"], 10.0, 24 * HOUR) == ["EQL"]
    assert inner.claims == [["EQL", "VAR"], ["EQL"]]


def test_releasing_another_claim_time_forgets_nothing() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations("C1", "1", ["EQL"], 0.0, 24 * HOUR)
    store.release_explanations("C1", "1", ["EQL"], claimed_at=5.0)
    assert store.claim_explanations("C1", "2", ["EQL"], 10.0, 24 * HOUR) == []
    assert inner.claims == [["EQL"]]


def test_what_prune_deletes_is_forgotten_here_too() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations("C1", "1", ["EQL"], 0.0, HOUR)
    store.prune(40 * 24 * HOUR, cooldown_s=HOUR, retention_s=30 * 24 * HOUR)
    assert store.claim_explanations("C1", "1", ["EQL"], 40 * 24 * HOUR, HOUR) == ["EQL"]
    assert inner.claims == [["EQL"], ["EQL"]]
