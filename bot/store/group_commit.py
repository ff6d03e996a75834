"""Writers of one process share transactions (group commit): on SQLite the write lock turns over
once per batch instead of once per write; on PostgreSQL a batch costs one COMMIT and one
connection instead of one per write (see ``sql.py`` for what batches there may cost instead).

SQLite has one writer at a time, so every write of this host waits its turn (``sqlite_turn``).
What made the turn costly is not SQLite's work, tens of microseconds, but the GIL: a writer
releases it for every statement, ``COMMIT`` and ``flock``, and waits to get it back while other
threads run Python, all the while holding the turn. Measured under ``bench_serve --quick``
(5,500 requests, 2 workers), before this module: 1.73 turns per request, held 485 µs on average
(p50 210 µs, p99 5.5 ms), so the turn was busy two thirds of the run and writers queued behind
it (a wait of 0.8 ms on average, 10 ms at p99), acks included. With it: 1.00 turn per request,
busy half the run.

Here a writer that finds no batch running leads: it takes everything queued so far, its own
write first, and runs it in one transaction in one turn; writers that arrive meanwhile wait for
the next batch, which the first of them leads. A batch costs about what one write did, so the
more writers wait, the more each turn carries, and the lock stops being the limit.

A write may also be queued without waiting (``later``): it leads no batch, and rides in the
next one that another write leads (``Store.finish_job_later``: a job's end rides in its worker's
next write instead of taking a turn of its own).

Each write keeps its own outcome:
- the writes of a batch run one after another in one transaction, so each sees those before it
  as it would have in its own transaction;
- a write's result is handed back only once the batch committed: durable as before;
- if the batch fails after its writes began (one write's error, or ``COMMIT``), every write is
  run again alone, in a transaction of its own, so one bad write fails only itself;
- if it fails before any write began (the turn not taken in time, the store closed, the file
  gone), every write of it fails at once with that error, and none waits for its own turn.
"""

from __future__ import annotations

import _thread
import contextlib
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from bot.store.base import StoreError

T = TypeVar("T")
Tx = TypeVar("Tx")
Work = Callable[[Tx], T]
Opener = Callable[[str], contextlib.AbstractContextManager[Tx]]
"""Opens one committed write transaction for an action ("queue work"); errors as StoreError."""


class _Write(Generic[Tx]):
    """One caller's write, and how it ended."""

    __slots__ = (
        "action",
        "done",
        "error",
        "later",
        "one_statement",
        "result",
        "signal",
        "work",
    )

    def __init__(
        self, action: str, work: Work[Tx, Any], one_statement: bool, later: bool = False
    ) -> None:
        self.action = action
        self.work = work
        self.one_statement = one_statement
        self.later = later
        """Queued by ``GroupCommit.later``: it never leads, and its signal only says it ended."""
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.signal = _thread.allocate_lock()
        """Held from the start; released when the write has ended, or when its writer must
        lead the next batch. A bare lock: the cheapest thing one thread can wait on."""
        self.signal.acquire()

    def end(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.done = result, error, True


class GroupCommit(Generic[Tx]):
    """Runs writes for many threads in shared transactions (see the module doc)."""

    def __init__(self, open_transaction: Opener[Tx], open_alone: Opener[Tx] | None = None) -> None:
        self._open = open_transaction
        self._open_alone = open_alone
        """For a batch of one write of one statement, if the database can do without a
        transaction around it (PostgreSQL in autocommit: one round trip instead of three).
        Only a batch of one: a batch of several still commits once, for all of them."""
        self._mutex = threading.Lock()
        self._queue: list[_Write[Tx]] = []
        self._leading = False

    @property
    def waiting(self) -> int:
        """Writes queued for the next batch (not the one running)."""
        with self._mutex:
            return len(self._queue)

    def run(self, action: str, work: Work[Tx, T], *, one_statement: bool = False) -> T:
        """``work(tx)`` inside a committed transaction, shared with other writers; its result.
        ``one_statement``: ``work`` sends one statement, so alone in its batch it may run
        without a transaction around it (``open_alone``)."""
        write = _Write(action, work, one_statement)
        with self._mutex:
            self._queue.append(write)
            lead = not self._leading
            self._leading = True
        if not lead:
            write.signal.acquire()  # until it has ended, or it leads the next batch
        if not write.done:
            self._lead(write)
        if write.error is not None:
            raise write.error
        return write.result  # type: ignore[no-any-return]

    def later(self, action: str, work: Work[Tx, T], *, one_statement: bool = False) -> Queued[T]:
        """``work`` queued for the next batch, without waiting for it or leading one: it rides
        in whichever batch runs next (``Store.finish_job_later``). ``Queued.outcome`` commits
        it if no other write has carried it by then."""
        write: _Write[Tx] = _Write(action, work, one_statement, later=True)
        with self._mutex:
            self._queue.append(write)
        return Queued(self, write)

    def queued(self, write: _Write[Tx]) -> bool:
        """Is ``write`` still waiting for a batch (not in the one running, nor ended)?"""
        with self._mutex:
            return any(queued is write for queued in self._queue)

    def _lead(self, leader: _Write[Tx]) -> None:
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            for write in batch:
                if not write.done:  # only if _commit itself was interrupted
                    write.end(error=StoreError("the state store was interrupted mid-write"))
            with self._mutex:
                # Queued ``later`` writes wait for the next writer that does lead.
                successor = next((write for write in self._queue if not write.later), None)
                self._leading = successor is not None
            for write in batch:
                if write is not leader:
                    write.signal.release()
            if successor is not None:
                successor.signal.release()

    def _commit(self, batch: list[_Write[Tx]]) -> None:
        """Run ``batch``'s writes in one transaction. Empty writes (``Queued.outcome``) only
        wait for those before them: they open nothing, and a write of one statement beside
        them still runs alone, in autocommit where the database allows."""
        writes = [write for write in batch if write.work is not _nothing]
        if writes:
            self._commit_writes(writes)
        for write in batch:
            if not write.done:
                write.end()

    def _commit_writes(self, batch: list[_Write[Tx]]) -> None:
        started = False
        alone = self._open_alone if len(batch) == 1 and batch[0].one_statement else None
        try:
            with (alone or self._open)(_actions(batch)) as tx:
                started = True
                results = [write.work(tx) for write in batch]
        except Exception as exc:
            if started and len(batch) > 1:
                for write in batch:
                    self._alone(write)
                return
            batch[0].end(error=exc)
            for write in batch[1:]:
                write.end(error=_copy(exc))
            return
        for write, result in zip(batch, results, strict=True):
            write.end(result)

    def _alone(self, write: _Write[Tx]) -> None:
        try:
            with self._open(write.action) as tx:
                result = write.work(tx)
        except Exception as exc:
            write.end(error=exc)
        else:
            write.end(result)


class Queued(Generic[T]):
    """A write queued by ``GroupCommit.later`` (a ``bot.store.base.Later``)."""

    __slots__ = ("_group", "_write")

    def __init__(self, group: GroupCommit[Any], write: _Write[Any]) -> None:
        self._group = group
        self._write = write

    @property
    def ended(self) -> bool:
        return self._write.done

    def outcome(self) -> T:
        write = self._write
        if not write.done:
            if self._group.queued(write):
                # An empty write queued behind it: batches run in order, so once that one has
                # ended, so has this (in an earlier batch, or in the same one).
                with contextlib.suppress(StoreError):
                    self._group.run("commit queued writes", _nothing)
            else:
                write.signal.acquire()  # in the batch running now: until it has ended
        if write.error is not None:
            raise write.error
        return write.result  # type: ignore[no-any-return]


def _nothing(tx: object) -> None:
    """The work of an empty write."""


def _actions(batch: list[_Write[Any]]) -> str:
    """What a batch does, for its error message: "queue work, finish a job"."""
    return ", ".join(dict.fromkeys(write.action for write in batch))


def _copy(exc: Exception) -> Exception:
    """The same failure for another thread to raise: one exception object must not be raised
    in two threads at once (each raise rewrites its traceback)."""
    copy = StoreError(str(exc))
    copy.__cause__ = exc.__cause__ if isinstance(exc, StoreError) else exc
    return copy
