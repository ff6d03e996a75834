"""The enqueues of the HTTP worker's poller, handed to one thread together.

Why: the poller answers Slack's requests itself (bot/slack/http_worker.py) and must never wait
on the store, so each request's enqueue went to a thread of a pool: a thread woken per request
(on this virtual machine a wake-up costs tens of microseconds), each leading or joining a group
commit, and its result handed back. Here a request's enqueue is queued in the store without
waiting (``Store.enqueue_later``: on SQLite and PostgreSQL it joins the process's next shared
transaction) and one pool thread is woken for all the enqueues queued until it starts; it asks
for their outcomes, which commits them together, and settles each request's future with its
own. Under load a turn of the poller often answers several requests, so one wake-up serves
them all. In 4 minute-long interleaved pairs at 1,000 requests/s the server spent 8.7 % less
CPU per request and the acks' p99 fell 12.1 ms; in a fast phase of the machine, with little to
batch, 6 short pairs came out 4.5 % the other way (bench/RESULTS-serve.md, twelfth session).

What the dispatcher sees is the same ``Future`` per request, with one difference: it is running
from the start, since its write is queued in the store at once. So past the deadline it is never
cancelled as "not started"; its outcome decides, as for a write that had begun
(bot/slack/dispatch.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Executor, Future

from bot.store.base import Later, NewJob, Store


class EnqueueBatch:
    """Enqueues queued by one thread (the poller), committed by one pool thread at a time."""

    def __init__(self, store: Store, pool: Executor) -> None:
        self._store = store
        self._pool = pool
        self._lock = threading.Lock()
        self._queued: list[tuple[Later[int], Future[int]]] = []
        self._flush_due = False
        """A pool thread has been asked to flush and has not yet taken the queue."""

    def add(self, jobs: Sequence[NewJob], now: float) -> Future[int]:
        """Queue ``jobs``; the future ends with ``enqueue``'s result (or its ``StoreError``)."""
        future: Future[int] = Future()
        future.set_running_or_notify_cancel()  # queued in the store from now on
        later = self._store.enqueue_later(jobs, now)
        with self._lock:
            self._queued.append((later, future))
            wake, self._flush_due = not self._flush_due, True
        if wake:
            try:
                self._pool.submit(self._flush)
            except RuntimeError:  # the pool is shutting down: flush here rather than lose it
                self._flush()
        return future

    def _flush(self) -> None:
        """On a pool thread: commit what is queued, and end each future with its outcome. The
        first ``outcome()`` commits them all (SqlStore: one batch takes every queued write)."""
        with self._lock:
            batch, self._queued = self._queued, []
            self._flush_due = False
        for later, future in batch:
            try:
                result = later.outcome()
            except Exception as exc:  # StoreError, or a bug: the dispatcher decides either way
                future.set_exception(exc)
            else:
                future.set_result(result)
