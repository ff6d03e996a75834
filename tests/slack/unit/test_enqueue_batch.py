"""enqueue_batch: the poller's enqueues go to one pool thread together, each with its outcome.

Pinned down, on a real SQLite file (its writers share transactions): enqueues queued before the
pool thread starts cost one wake-up and one transaction, and each future ends with its own
result; one queued after the thread took the queue wakes another. On a store without shared
transactions the write still happens on the pool thread, never on the caller's (the poller's).
A failing write fails only its own future, and a pool that is shutting down is flushed by the
caller rather than lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.slack.enqueue_batch import EnqueueBatch
from bot.store import MemoryStore, StoreError
from bot.store.base import Done, JobStats, Later, NewJob
from tests.store.helpers import count_transactions, sqlite_store


def explain(n: int, key: str | None = None) -> list[NewJob]:
    return [NewJob("explain", {"channel": "C1", "terms": ["EQL"], "n": n}, key)]


class HeldPool(Executor):
    """A pool whose tasks run, each on a thread of its own, only when the test says ``run``."""

    def __init__(self) -> None:
        self.tasks: list[Callable[[], Any]] = []
        self.threads: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tasks.append(lambda: fn(*args, **kwargs))
        return Future()

    def run(self) -> None:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            thread = threading.Thread(target=task)
            thread.start()
            thread.join(30)
            assert not thread.is_alive()
            self.threads.append(thread.name)


def test_enqueues_queued_together_cost_one_wake_and_one_transaction(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    opened = count_transactions(store)
    pool = HeldPool()
    batch = EnqueueBatch(store, pool)
    futures = [batch.add(explain(1, "Ev1"), 100.0), batch.add(explain(2), 100.0)]
    futures.append(batch.add(explain(3, "Ev1"), 100.0))  # Slack's retry of the first
    assert (len(pool.tasks), opened, [f.done() for f in futures]) == (1, [], [False] * 3)
    pool.run()
    assert [f.result() for f in futures] == [1, 1, 0]
    assert opened == ["queue work"]
    assert store.job_stats(100.0) == JobStats(queued=2, running=0, failed=0, oldest_queued_s=0.0)
    later = batch.add(explain(4), 101.0)  # the queue was taken: a new wake
    assert len(pool.tasks) == 1
    pool.run()
    assert (later.result(), opened) == (1, ["queue work", "queue work"])


class ThreadNoting(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.writers: list[str] = []

    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        self.writers.append(threading.current_thread().name)
        return super().enqueue(jobs, now)


def test_without_shared_transactions_the_pool_thread_writes_not_the_caller() -> None:
    store, pool = ThreadNoting(), HeldPool()
    future = EnqueueBatch(store, pool).add(explain(1), 100.0)
    assert store.writers == []
    pool.run()
    assert (future.result(), store.writers) == (1, pool.threads)
    assert threading.current_thread().name not in store.writers


class Refusing(MemoryStore):
    """Refuses the writes of jobs numbered ``n`` = 2."""

    def enqueue_later(self, jobs: Sequence[NewJob], now: float) -> Later[int]:
        def write() -> int:
            if jobs[0].payload["n"] == 2:
                raise StoreError("state store failed to queue work: disk I/O error")
            return self.enqueue(jobs, now)

        return Done(write)


def test_a_failing_write_fails_only_its_own_future() -> None:
    pool = HeldPool()
    batch = EnqueueBatch(Refusing(), pool)
    futures = [batch.add(explain(n), 100.0) for n in (1, 2, 3)]
    pool.run()
    assert [f.exception() is None for f in futures] == [True, False, True]
    assert str(futures[1].exception()) == "state store failed to queue work: disk I/O error"
    assert [futures[0].result(), futures[2].result()] == [1, 1]


def test_a_pool_shutting_down_is_flushed_by_the_caller(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    future = EnqueueBatch(store, pool).add(explain(1), 100.0)
    assert (future.done(), future.result()) == (True, 1)
    assert store.job_stats(100.0).queued == 1


def test_a_future_is_never_cancelled_its_write_being_queued(tmp_path: Path) -> None:
    """Past the deadline the dispatcher tries to cancel: the write is queued in the store
    already, so its outcome must decide (bot/slack/dispatch.py)."""
    pool = HeldPool()
    future = EnqueueBatch(sqlite_store(tmp_path), pool).add(explain(1), 100.0)
    assert (future.running(), future.cancel()) == (True, False)
    pool.run()
    assert future.result() == 1


@pytest.mark.parametrize("threads", [1, 4])
def test_enqueues_from_many_threads_each_end_once(tmp_path: Path, threads: int) -> None:
    """The poller is one thread, but nothing may break if several add at once."""
    store = sqlite_store(tmp_path)
    with ThreadPoolExecutor(threads) as pool:
        batch = EnqueueBatch(store, pool)
        results: list[int] = []
        lock = threading.Lock()

        def add_many(start: int) -> None:
            futures = [batch.add(explain(n, f"Ev{n}"), 100.0) for n in range(start, start + 50)]
            with lock:
                results.extend(f.result(timeout=30) for f in futures)

        adders = [threading.Thread(target=add_many, args=(k * 50,)) for k in range(4)]
        for adder in adders:
            adder.start()
        for adder in adders:
            adder.join(60)
    assert (len(results), sum(results)) == (200, 200)
    assert store.job_stats(100.0).queued == 200
