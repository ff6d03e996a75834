"""``Upkeep``: retention pruning, once per hour across every process that shares a store.

The clock is injected, so "91 days later" and "the next hour" are values, not waits. Each test
runs on a ``MemoryStore`` and on a migrated SQLite ``SqlStore``: both must forget lookups once
``RETENTION_DAYS`` have passed, and both must let only one of several replicas prune per hour
(a ``claim_once`` keyed by the hour).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.slack.runtime import Upkeep
from bot.store import MemoryStore, SqlStore, Store, Workspace, migrate
from tests.fakes import Clock

HOUR, DAY = 3600.0, 86400.0
T0 = 1_699_999_200.0
"""The first second of an hour (472222 × 3600): "the same hour" is then T0 … T0 + 3599."""
ALPHA = Workspace(None, "T0AAA")
COOLDOWN_S = 24 * HOUR


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    migrate.upgrade(url)
    sql = SqlStore(url)
    yield sql
    sql.close()


@pytest.fixture
def retention_s() -> float:
    """``RETENTION_DAYS=30``, as the bot reads it (bootstrap turns days into seconds)."""
    days = load_settings({"RETENTION_DAYS": "30"}, dotenv_path=None).retention_days
    assert days == 30
    return days * DAY


def upkeep(store: Store, clock: Clock, retention_s: float) -> Upkeep:
    return Upkeep(store, cooldown_s=COOLDOWN_S, retention_s=retention_s, clock=clock)


def test_lookups_older_than_the_retention_are_pruned_and_newer_kept(
    store: Store, retention_s: float, caplog: pytest.LogCaptureFixture
) -> None:
    now = T0 + 100 * DAY
    lookups = [
        ("ISV", "Independent software vendor", now - retention_s - 1),  # a second too old
        ("VAR", "Value-added reseller", now - retention_s - 60 * DAY),
        ("MDF", "Market development funds", now - retention_s),  # exactly 30 days: kept
        ("JV", "Joint venture", now - 1),
    ]
    for query, term, at in lookups:
        store.record_lookup(ALPHA, query, term, at, user="U0ANA")
    store.record_lookup(ALPHA, "zebra", None, now - retention_s - 1)  # an old miss
    store.record_lookup(ALPHA, "quokka", None, now - DAY)

    with caplog.at_level(logging.INFO, logger="bot.slack.runtime"):
        assert upkeep(store, Clock(now), retention_s).run_once() is True

    assert store.top_terms(ALPHA, 10) == [("Joint venture", 1), ("Market development funds", 1)]
    assert store.recent_misses(ALPHA, 10) == [("quokka", 1)]
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.runtime"]
    assert line.startswith("pruned expired state: Pruned(events=0, explanations=0, cooldowns=0, ")
    assert "lookups=3, jobs=0" in line


def test_only_one_of_two_replicas_prunes_per_hour(store: Store, retention_s: float) -> None:
    clock = Clock(T0 + 10 * HOUR)
    first, second = upkeep(store, clock, retention_s), upkeep(store, clock, retention_s)
    assert first.run_once() is True
    store.record_lookup(ALPHA, "VAR", "Value-added reseller", clock.now - retention_s - 1)

    clock.now += HOUR - 1  # the last second of the same hour
    assert (second.run_once(), first.run_once()) == (False, False)
    assert store.top_terms(ALPHA, 10) == [("Value-added reseller", 1)]  # nobody pruned it

    clock.now += 1  # the next hour: whichever asks first prunes, the other does not
    assert (second.run_once(), first.run_once()) == (True, False)
    assert store.top_terms(ALPHA, 10) == []


def test_a_failing_store_prunes_nothing_and_raises_nothing(
    store: Store, retention_s: float
) -> None:
    """The upkeep thread must outlive a database outage (it logs a throttled warning)."""
    store.close()
    assert upkeep(store, Clock(T0), retention_s).run_once() is False
