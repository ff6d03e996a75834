"""bot.store.remembering: repeats are refused without a database write, and nothing else changes."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store import MemoryStore, RememberingStore, Workspace
from tests.store.helpers import ACME, ACME_EU

HOUR = 3600.0


class CountingStore(MemoryStore):
    """A MemoryStore that counts the explanation claims that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.claims: list[list[str]] = []

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
        self.claims.append(list(terms))
        return super().claim_explanations(
            workspace, channel, thread_ts, terms, now, cooldown_s, claim_id
        )


def test_refusals_it_can_prove_never_reach_the_database() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    assert store.claim_explanations(ACME, "C1", "1", ["EQL", "VAR"], 0.0, 24 * HOUR) == [
        "EQL",
        "VAR",
    ]
    assert store.claim_explanations(ACME, "C1", "1", ["EQL"], 10.0, 24 * HOUR) == []  # thread
    assert store.claim_explanations(ACME, "C1", "2", ["VAR"], 20.0, 24 * HOUR) == []  # cooldown
    assert store.claim_explanations(ACME, "C1", "3", ["VAR", "ICP"], 30.0, 24 * HOUR) == ["ICP"]
    assert inner.claims == [["EQL", "VAR"], ["ICP"]]


def test_another_workspace_has_its_own_cooldown_but_shares_the_thread() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    assert store.claim_explanations(ACME, "C1", "1", ["EQL"], 0.0, 24 * HOUR) == ["EQL"]

    # The same shared channel seen from another workspace: its cooldown is its own...
    assert store.claim_explanations(ACME_EU, "C1", "2", ["EQL"], 10.0, 24 * HOUR) == ["EQL"]
    # ...but a thread already explained is refused, whoever asks.
    assert store.claim_explanations(ACME_EU, "C1", "1", ["EQL"], 20.0, 24 * HOUR) == []
    assert inner.claims == [["EQL"], ["EQL"]]


def test_claims_by_other_processes_are_still_respected() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    inner.claim_explanations(ACME, "C1", "1", ["EQL"], 0.0, 24 * HOUR)  # another worker's claim
    assert store.claim_explanations(ACME, "C1", "2", ["EQL"], 10.0, 24 * HOUR) == []
    assert inner.claims == [["EQL"], ["EQL"]]


def test_after_the_cooldown_the_database_decides_again() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations(ACME, "C1", "1", ["EQL"], 0.0, HOUR)
    assert store.claim_explanations(ACME, "C1", "2", ["EQL"], HOUR, HOUR) == ["EQL"]
    assert inner.claims == [["EQL"], ["EQL"]]


def test_a_released_claim_is_forgotten_here_too() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    assert store.claim_explanations(ACME, "C1", "1", ["EQL", "VAR"], 0.0, 24 * HOUR) == [
        "EQL",
        "VAR",
    ]
    store.release_explanations(ACME, "C1", "1", ["EQL"], claimed_at=0.0)

    assert store.claim_explanations(ACME, "C1", "1", ["EQL", "VAR"], 10.0, 24 * HOUR) == ["EQL"]
    assert inner.claims == [["EQL", "VAR"], ["EQL"]]


def test_releasing_another_claim_time_forgets_nothing() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations(ACME, "C1", "1", ["EQL"], 0.0, 24 * HOUR)
    store.release_explanations(ACME, "C1", "1", ["EQL"], claimed_at=5.0)
    assert store.claim_explanations(ACME, "C1", "2", ["EQL"], 10.0, 24 * HOUR) == []
    assert inner.claims == [["EQL"]]


def test_what_prune_deletes_is_forgotten_here_too() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations(ACME, "C1", "1", ["EQL"], 0.0, HOUR)
    store.prune(40 * 24 * HOUR, cooldown_s=HOUR, retention_s=30 * 24 * HOUR)
    assert store.claim_explanations(ACME, "C1", "1", ["EQL"], 40 * 24 * HOUR, HOUR) == ["EQL"]
    assert inner.claims == [["EQL"], ["EQL"]]


def test_a_purged_workspace_installed_again_is_asked_about_afresh() -> None:
    inner = CountingStore()
    store = RememberingStore(inner)
    store.claim_explanations(ACME, "C1", "1", ["EQL"], 0.0, 24 * HOUR)
    store.purge(team_id="T1")
    assert store.claim_explanations(ACME, "C1", "1", ["EQL"], 10.0, 24 * HOUR) == ["EQL"]
    assert inner.claims == [["EQL"], ["EQL"]]
