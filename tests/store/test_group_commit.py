"""Group commit (bot/store/group_commit.py): writers that wait share the next transaction, each
keeps its own result or error, one bad write fails only itself, and a batch that cannot begin
fails at once for all. A write queued ``later`` leads nothing: it rides in the next batch a
writer leads, or in an empty one when its outcome is asked first.

The transactions are a fake that records what each one ran and how it ended, so the batches
are exact. A batch forms while the first writer's work is held open on an event; writers are
known to be queued by ``GroupCommit.waiting``, never by a sleep. The last test runs the real
thing: many threads writing to one SQLite file, and writers sharing transactions on
PostgreSQL, where one bad write also fails alone.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.store import NewJob, SqlStore, StoreError, group_commit
from bot.store.compiled import run_text
from bot.store.group_commit import GroupCommit
from tests.store.conftest import empty_postgres_store
from tests.store.helpers import (
    ACME,
    WAIT_S,
    run_together,
    sqlite_store,
    wait_until,
)


class Ledger:
    """Fake transactions: each yields a list that works append their names to."""

    def __init__(self) -> None:
        self.ended: list[tuple[str, list[str]]] = []
        self.opened: list[str] = []
        self.refuse_begin: set[int] = set()
        """Transaction numbers (0-based) that fail before yielding."""
        self.refuse_commit: set[int] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def open(self, action: str) -> Iterator[list[str]]:
        with self._lock:
            number = len(self.opened)
            self.opened.append(action)
        if number in self.refuse_begin:
            raise StoreError(f"state store failed to {action}: no turn")
        names: list[str] = []
        try:
            yield names
        except BaseException:
            self.ended.append(("rolled back", names))
            raise
        if number in self.refuse_commit:
            self.ended.append(("rolled back", names))
            raise StoreError(f"state store failed to {action}: disk I/O error")
        self.ended.append(("committed", names))


def named(name: str, fail: bool = False) -> Callable[[list[str]], str]:
    def work(tx: list[str]) -> str:
        tx.append(name)
        if fail:
            raise StoreError(f"{name} broke")
        return f"{name} done"

    return work


class Held:
    """A first writer whose work stays open until ``release``: the others queue behind it."""

    def __init__(self, group: GroupCommit[list[str]]) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()
        self.result: list[str] = []

        def work(tx: list[str]) -> str:
            tx.append("first")
            self.entered.set()
            assert self.go.wait(WAIT_S)
            return "first done"

        self.thread = threading.Thread(target=lambda: self.result.append(group.run("hold", work)))
        self.thread.start()
        assert self.entered.wait(WAIT_S)

    def release(self) -> None:
        self.go.set()
        self.thread.join(WAIT_S)


def queue_writers(
    group: GroupCommit[list[str]], works: list[tuple[str, str, bool]]
) -> tuple[list[threading.Thread], dict[str, object]]:
    """One writer per (name, action, fails), each started once the one before is queued (so
    their order is known); what each got back, by name."""
    outcomes: dict[str, object] = {}
    threads = []
    for number, (name, action, fails) in enumerate(works, start=1):

        def write(name: str = name, action: str = action, fails: bool = fails) -> None:
            try:
                outcomes[name] = group.run(action, named(name, fails))
            except StoreError as exc:
                outcomes[name] = exc

        thread = threading.Thread(target=write)
        thread.start()
        threads.append(thread)
        assert wait_until(partial(queued, group, number))
    return threads, outcomes


def second_batch(
    ledger: Ledger, works: list[tuple[str, str, bool]]
) -> tuple[GroupCommit[list[str]], dict[str, object]]:
    """A first writer held open while ``works`` queue, then let go: they form the second batch.
    The group, and what each of ``works`` got back once all have ended."""
    group = GroupCommit(ledger.open)
    held = Held(group)
    threads, outcomes = queue_writers(group, works)
    held.release()
    for thread in threads:
        thread.join(WAIT_S)
    assert held.result == ["first done"]
    return group, outcomes


def queued(group: GroupCommit[Any], count: int) -> bool:
    return group.waiting == count


def waiting_in(thread: threading.Thread, function: str) -> bool:
    """Is ``thread`` blocked in ``function`` (its innermost Python frame)?"""
    frame = sys._current_frames().get(thread.ident or 0)
    return frame is not None and frame.f_code.co_name == function


def test_a_writer_alone_gets_a_transaction_of_its_own() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    assert group.run("queue work", named("a")) == "a done"
    assert ledger.ended == [("committed", ["a"])]
    assert ledger.opened == ["queue work"]


def test_a_lone_write_of_one_statement_opens_the_alone_kind_a_batch_of_two_does_not() -> None:
    ledger, alone = Ledger(), Ledger()
    group = GroupCommit(ledger.open, alone.open)
    assert group.run("finish a job", named("a"), one_statement=True) == "a done"
    assert group.run("claim work", named("b")) == "b done"  # several statements: a transaction
    held = Held(group)
    threads = [
        threading.Thread(
            target=group.run, args=(action, named(name)), kwargs={"one_statement": True}
        )
        for name, action in (("c", "queue work"), ("d", "finish a job"))
    ]
    for number, thread in enumerate(threads, start=1):
        thread.start()
        assert wait_until(partial(queued, group, number))
    held.release()
    for thread in threads:
        thread.join(WAIT_S)
    assert alone.ended == [("committed", ["a"])]
    assert ledger.ended == [
        ("committed", ["b"]),
        ("committed", ["first"]),
        ("committed", ["c", "d"]),  # one statement each, but two of them: one transaction
    ]


def test_writers_that_wait_share_the_next_transaction() -> None:
    ledger = Ledger()
    group, outcomes = second_batch(
        ledger,
        [("a", "queue work", False), ("b", "finish a job", False), ("c", "queue work", False)],
    )
    assert outcomes == {"a": "a done", "b": "b done", "c": "c done"}
    assert ledger.ended == [("committed", ["first"]), ("committed", ["a", "b", "c"])]
    assert ledger.opened == ["hold", "queue work, finish a job"]
    assert group.waiting == 0


def test_one_bad_write_fails_alone_and_the_others_commit() -> None:
    ledger = Ledger()
    _group, outcomes = second_batch(
        ledger, [("a", "one", False), ("b", "two", True), ("c", "three", False)]
    )
    assert outcomes["a"] == "a done"
    assert outcomes["c"] == "c done"
    assert str(outcomes["b"]) == "b broke"
    assert ledger.ended == [
        ("committed", ["first"]),
        ("rolled back", ["a", "b"]),
        ("committed", ["a"]),
        ("rolled back", ["b"]),
        ("committed", ["c"]),
    ]


def test_a_failed_commit_runs_each_write_again_alone() -> None:
    ledger = Ledger()
    ledger.refuse_commit = {1}
    _group, outcomes = second_batch(ledger, [("a", "one", False), ("b", "two", False)])
    assert outcomes == {"a": "a done", "b": "b done"}
    assert ledger.ended == [
        ("committed", ["first"]),
        ("rolled back", ["a", "b"]),
        ("committed", ["a"]),
        ("committed", ["b"]),
    ]


def test_a_batch_that_cannot_begin_fails_every_write_at_once() -> None:
    ledger = Ledger()
    ledger.refuse_begin = {1}
    group, outcomes = second_batch(ledger, [("a", "one", False), ("b", "two", False)])
    assert [str(outcomes[name]) for name in ("a", "b")] == [
        "state store failed to one, two: no turn",
        "state store failed to one, two: no turn",
    ]
    assert outcomes["a"] is not outcomes["b"]  # each thread raises its own
    assert ledger.opened == ["hold", "one, two"]  # nobody waited for a turn of its own
    assert ledger.ended == [("committed", ["first"])]
    assert group.run("three", named("c")) == "c done"  # and the next writer leads again


def test_a_bug_in_a_write_is_raised_to_its_own_caller_only() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)

    def broken(tx: list[str]) -> str:
        raise KeyError("payload")

    with pytest.raises(KeyError):
        group.run("queue work", broken)
    assert group.run("queue work", named("a")) == "a done"
    assert ledger.ended == [("rolled back", []), ("committed", ["a"])]


def test_a_write_queued_later_opens_nothing_and_rides_in_the_next_writers_transaction() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    end = group.later("finish a job", named("end"))
    assert ledger.opened == []  # it leads no batch
    assert end.ended is False
    assert group.run("record explanations", named("claim")) == "claim done"
    assert ledger.opened == ["finish a job, record explanations"]
    assert ledger.ended == [("committed", ["end", "claim"])]
    assert end.ended is True
    assert end.outcome() == "end done"
    assert ledger.opened == ["finish a job, record explanations"]  # asking wrote nothing more


def test_a_write_still_queued_is_committed_when_its_outcome_is_asked() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    end = group.later("finish a job", named("end"))
    assert end.outcome() == "end done"
    assert ledger.opened == ["finish a job"]  # the empty write beside it opens nothing
    assert ledger.ended == [("committed", ["end"])]  # and the empty write beside it
    assert group.waiting == 0


def test_a_write_queued_later_while_a_batch_runs_rides_in_the_next_one_a_writer_leads() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    held = Held(group)
    end = group.later("finish a job", named("end"))
    outcomes: list[str] = []
    writer = threading.Thread(target=lambda: outcomes.append(group.run("claim", named("claim"))))
    writer.start()
    assert wait_until(partial(queued, group, 2))
    held.release()  # the writer behind leads, though the queued-later write came first
    writer.join(WAIT_S)
    assert outcomes == ["claim done"]
    assert ledger.ended == [("committed", ["first"]), ("committed", ["end", "claim"])]
    assert end.outcome() == "end done"


def test_a_queued_write_of_one_statement_committed_when_asked_runs_alone() -> None:
    ledger, alone = Ledger(), Ledger()
    group = GroupCommit(ledger.open, alone.open)
    end = group.later("finish a job", named("end"), one_statement=True)
    assert end.outcome() == "end done"
    assert alone.ended == [("committed", ["end"])]  # PostgreSQL: autocommit, one round trip
    assert ledger.opened == []


def test_an_empty_write_with_nothing_queued_before_it_opens_no_transaction() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    assert group.run("commit queued writes", group_commit._nothing) is None
    assert ledger.opened == []


def test_asked_while_its_batch_runs_a_write_is_answered_when_that_batch_ends() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    end = group.later("finish a job", named("end"))
    held = Held(group)  # its batch carries the queued write, and stays open
    outcomes: list[str] = []
    asker = threading.Thread(target=lambda: outcomes.append(end.outcome()))
    asker.start()
    assert wait_until(lambda: waiting_in(asker, "outcome"))
    assert outcomes == []
    held.release()
    asker.join(WAIT_S)
    assert outcomes == ["end done"]
    assert ledger.opened == ["finish a job, hold"]  # and no empty write: it was not queued
    assert ledger.ended == [("committed", ["end", "first"])]


def test_a_batch_that_ends_with_only_queued_later_writes_left_leaves_them_for_the_next() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    held = Held(group)
    end = group.later("finish a job", named("end"))
    held.release()  # nobody waits to lead: the queued write stays queued, nothing is opened
    assert ledger.opened == ["hold"]
    assert end.ended is False
    assert group.run("claim work", named("claim")) == "claim done"
    assert ledger.ended == [("committed", ["first"]), ("committed", ["end", "claim"])]
    assert end.outcome() == "end done"


def test_a_queued_later_write_that_fails_fails_alone_and_its_outcome_raises() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.open)
    end = group.later("finish a job", named("end", fail=True))
    assert group.run("claim work", named("claim")) == "claim done"
    with pytest.raises(StoreError, match=r"^end broke$"):
        end.outcome()
    assert ledger.ended == [
        ("rolled back", ["end"]),  # the batch, ended by its first write
        ("rolled back", ["end"]),  # then each write alone
        ("committed", ["claim"]),
    ]


def test_a_queued_later_write_whose_batch_cannot_begin_raises_the_batchs_error() -> None:
    ledger = Ledger()
    ledger.refuse_begin = {0}
    group = GroupCommit(ledger.open)
    end = group.later("finish a job", named("end"))
    with pytest.raises(StoreError, match="no turn"):
        end.outcome()
    assert ledger.ended == []
    assert group.run("claim work", named("claim")) == "claim done"  # nothing is left queued
    assert ledger.ended == [("committed", ["claim"])]


def test_threads_writing_to_one_sqlite_file_each_store_exactly_their_own(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    counter = iter(range(40))
    lock = threading.Lock()

    def enqueue() -> int:
        with lock:
            number = next(counter)
        job = NewJob("explain", {"n": number}, f"Ev{number}:explain", ACME)
        return store.enqueue([job], 1000.0) + store.enqueue([job], 1000.0)

    assert run_together(40, enqueue) == [1] * 40  # each stored once, its repeat refused
    claimed = store.claim_jobs(100, 1001.0, 30.0, 5)
    assert sorted(job.payload["n"] for job in claimed) == list(range(40))
    store.close()


class FirstBatchHeld:
    """The real transactions of ``group``, counted, the first held open until ``go``: writers
    that arrive meanwhile queue for the next batch."""

    def __init__(self, group: GroupCommit[Any]) -> None:
        self.opened: list[str] = []
        self.entered, self.go = threading.Event(), threading.Event()
        real_open = group._open

        @contextlib.contextmanager
        def counted(action: str) -> Iterator[Any]:
            self.opened.append(action)
            if len(self.opened) == 1:
                self.entered.set()
                assert self.go.wait(WAIT_S)
            with real_open(action) as tx:
                yield tx

        group._open = counted


Batches = tuple[SqlStore, GroupCommit[Any], FirstBatchHeld]


@pytest.fixture
def postgres_batches(migrated_postgres_url: str) -> Iterator[Batches]:
    """An empty PostgreSQL store, its group commit, and that group's first batch held."""
    store = empty_postgres_store(migrated_postgres_url)
    assert store._group is not None
    yield store, store._group, FirstBatchHeld(store._group)
    store.close()


def enqueue_two(store: SqlStore, outcomes: dict[Any, object], name: Any) -> None:
    """Store two jobs for ``name`` (as a mention in a partner channel makes: an answer and an
    explanation); what ``enqueue`` answered goes in ``outcomes``. Two jobs are two statements,
    so on PostgreSQL too they go through the batches (one statement alone would not)."""
    jobs = [NewJob(kind, {"n": name}, f"Ev{name}:{kind}", ACME) for kind in ("answer", "explain")]
    outcomes[name] = store.enqueue(jobs, 1000.0)


def test_writes_on_postgresql_share_transactions_and_store_exactly_their_own(
    postgres_batches: Batches,
) -> None:
    store, group, held = postgres_batches
    added: dict[Any, object] = {}
    threads = [
        threading.Thread(target=enqueue_two, args=(store, added, number)) for number in range(8)
    ]
    threads[0].start()
    assert held.entered.wait(WAIT_S)
    for thread in threads[1:]:
        thread.start()
    assert wait_until(partial(queued, group, 7))
    held.go.set()
    for thread in threads:
        thread.join(WAIT_S)
    assert added == dict.fromkeys(range(8), 2)
    assert held.opened == ["queue work", "queue work"]  # the first alone, the seven others in one
    repeat = NewJob("explain", {"n": 3}, "Ev3:explain", ACME)
    assert store.enqueue([repeat], 1001.0) == 0  # a Slack retry is still recognised
    claimed = store.claim_jobs(100, 1001.0, 30.0, 5)
    assert sorted(job.payload["n"] for job in claimed) == sorted([*range(8), *range(8)])


def test_on_postgresql_a_write_of_one_statement_alone_in_its_batch_runs_in_autocommit(
    postgres_batches: Batches,
) -> None:
    store, group, held = postgres_batches
    added: dict[Any, object] = {}

    def enqueue_one(name: str) -> None:
        added[name] = store.enqueue([NewJob("explain", {"n": name}, f"Ev{name}", ACME)], 1000.0)

    enqueue_one("alone")  # no batch under way: one statement in autocommit, no transaction
    assert held.opened == []
    first = threading.Thread(target=enqueue_two, args=(store, added, "first"))
    first.start()
    assert held.entered.wait(WAIT_S)  # a batch of two statements, held open
    queued_behind = [threading.Thread(target=enqueue_one, args=(name,)) for name in "abc"]
    for number, thread in enumerate(queued_behind, start=1):
        thread.start()
        assert wait_until(partial(queued, group, number))
    held.go.set()
    for thread in [first, *queued_behind]:
        thread.join(WAIT_S)
    # The three that waited share one transaction, as any batch of several does.
    assert held.opened == ["queue work", "queue work"]
    assert added == {"alone": 1, "first": 2, "a": 1, "b": 1, "c": 1}
    with store.engine.connect() as conn:  # every one committed
        payloads = conn.execute(text("SELECT payload FROM jobs ORDER BY id")).scalars().all()
    assert payloads == [
        '{"n":"alone"}',
        '{"n":"first"}',
        '{"n":"first"}',
        '{"n":"a"}',
        '{"n":"b"}',
        '{"n":"c"}',
    ]


def test_on_postgresql_a_bad_write_in_a_batch_fails_alone_and_the_others_commit(
    postgres_batches: Batches,
) -> None:
    store, group, held = postgres_batches
    outcomes: dict[Any, object] = {}

    def broken() -> None:
        try:
            store._write("break", lambda tx: run_text(tx, "SELECT * FROM no_such_table"))
        except StoreError as exc:
            outcomes["broken"] = str(exc)

    first = threading.Thread(target=enqueue_two, args=(store, outcomes, "first"))
    first.start()
    assert held.entered.wait(WAIT_S)
    others = [
        threading.Thread(target=enqueue_two, args=(store, outcomes, "a")),
        threading.Thread(target=broken),
        threading.Thread(target=enqueue_two, args=(store, outcomes, "b")),
    ]
    for number, thread in enumerate(others, start=1):
        thread.start()
        assert wait_until(partial(queued, group, number))  # in this order in the batch
    held.go.set()
    for thread in [first, *others]:
        thread.join(WAIT_S)
    assert outcomes["first"] == outcomes["a"] == outcomes["b"] == 2
    assert str(outcomes["broken"]).startswith("state store failed to break: ")
    # the first alone, the batch of three (aborted by the bad write), then each write alone
    assert held.opened == ["queue work", "queue work, break", "queue work", "break", "queue work"]
    claimed = store.claim_jobs(100, 1001.0, 30.0, 5)
    assert sorted(job.payload["n"] for job in claimed) == ["a", "a", "b", "b", "first", "first"]
