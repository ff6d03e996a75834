"""What only ``MemoryStore`` has: its state belongs to one instance. The shared rules, including the
thread-safety of each claim, are in ``test_store_contract.py``."""

from __future__ import annotations

from bot.store import MemoryStore, Store


def test_each_instance_starts_empty_and_shares_nothing() -> None:
    first = MemoryStore()
    first.claim_event("Ev01ABC", now=1.0)
    first.claim_explanations("C1", "1700.1", ["EQL"], 1.0, 3600.0)
    first.record_lookup("eql", "EQL", now=1.0)

    second = MemoryStore()
    assert isinstance(second, Store)
    assert second.claim_event("Ev01ABC", now=2.0) is True
    assert second.claim_explanations("C1", "1700.1", ["EQL"], 2.0, 3600.0) == ["EQL"]
    assert second.top_terms(5) == []
    assert first.top_terms(5) == [("EQL", 1)]
