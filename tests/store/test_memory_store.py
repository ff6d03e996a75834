"""What only ``MemoryStore`` has: its state belongs to one instance. The shared rules, including the
thread-safety of each claim, are in ``test_store_contract.py``."""

from __future__ import annotations

import pytest

from bot.store import MemoryStore, Store
from bot.store.base import NewJob, StoreHealth
from tests.store.helpers import ACME


def test_each_instance_starts_empty_and_shares_nothing() -> None:
    first = MemoryStore()
    first.claim_once("event:Ev01ABC", now=1.0)
    first.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 1.0, 3600.0)
    first.record_lookup(ACME, "eql", "EQL", now=1.0)

    second = MemoryStore()
    assert isinstance(second, Store)
    assert second.claim_once("event:Ev01ABC", now=2.0) is True
    assert second.claim_explanations(ACME, "C1", "1700.1", ["EQL"], 2.0, 3600.0) == ["EQL"]
    assert second.top_terms(ACME, 5) == []
    assert first.top_terms(ACME, 5) == [("EQL", 1)]
    assert second.health() == StoreHealth(ok=True, backend="memory", schema_current=True)


def test_job_payloads_are_copied_as_a_database_would() -> None:
    store = MemoryStore()
    payload = {"terms": ["EQL"]}
    store.enqueue([NewJob("explain", payload)], now=1.0)
    payload["terms"].append("MDF")  # the caller's later change is not the stored job's
    [job] = store.claim_jobs(1, now=1.0, lease_s=30.0, max_attempts=5)
    assert job.payload == {"terms": ["EQL"]}


def test_a_payload_no_database_could_store_is_refused() -> None:
    with pytest.raises(TypeError):
        MemoryStore().enqueue([NewJob("explain", {"at": object()})], now=1.0)
