"""Answers held until their jobs are stored: how the HTTP worker's poller answers without waiting.

The dispatcher stores a request's durable jobs before its ack goes out (bot/slack/dispatch.py).
On a request thread it simply waits for the store, at most ``ENQUEUE_DEADLINE_S``. The HTTP
worker's poller thread answers ``/slack/events`` itself (bot/slack/http_worker.py): handing each
request to a thread and back cost two thread wake-ups, which on a virtual machine are a good
part of a request's CPU. The poller serves every connection, so it must never wait; there the
dispatcher starts the enqueue and *holds* the answer instead of waiting for it. The worker keeps
the answer, written but not sent, and sends it when every hold has ended or its deadline has
passed, whichever comes first; at the deadline it calls the hold's ``late`` (the dispatcher then
decides, as on a thread, what a write that has not ended means).

``collecting`` marks the current thread as one that must not wait, for the duration of one
request; ``current`` is what the dispatcher asks. Outside ``collecting`` (request threads,
Socket Mode, the console) nothing is held and everything works as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Hold:
    """One enqueue an answer waits for."""

    future: Future[Any]
    deadline: float
    """``time.monotonic()`` past which the answer goes out without it."""
    late: Callable[[], None]
    """Called once, on the worker's thread, if the deadline passes before the enqueue ends."""


@dataclass(slots=True)
class Holds:
    """What one request's answer waits for, and what runs when it is finally sent."""

    pending: list[Hold] = field(default_factory=list)
    _on_send: list[Callable[[], None]] = field(default_factory=list)

    def hold(self, future: Future[Any], deadline_s: float, late: Callable[[], None]) -> None:
        self.pending.append(Hold(future, time.monotonic() + deadline_s, late))

    def on_send(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the answer is sent (the access line and the ack's latency are
        about the answer Slack gets, not about the moment it was written)."""
        self._on_send.append(callback)

    @property
    def waiting(self) -> bool:
        """Is an enqueue still under way?"""
        return any(not hold.future.done() for hold in self.pending)

    @property
    def deadline(self) -> float:
        return min((hold.deadline for hold in self.pending), default=0.0)

    def expire(self, now: float) -> None:
        """Past a hold's deadline with its enqueue still under way: give up waiting for it."""
        keep = []
        for hold in self.pending:
            if hold.future.done():
                continue
            if hold.deadline <= now:
                hold.late()
            else:
                keep.append(hold)
        self.pending = keep

    def sent(self) -> None:
        callbacks, self._on_send = self._on_send, []
        for callback in callbacks:
            callback()


_local = threading.local()


@contextmanager
def collecting() -> Iterator[Holds]:
    """While a request runs on a thread that must not wait: the dispatcher holds, not waits."""
    holds = Holds()
    _local.holds = holds
    try:
        yield holds
    finally:
        _local.holds = None


def current() -> Holds | None:
    """The holds of the request running on this thread, if it must not wait."""
    holds: Holds | None = getattr(_local, "holds", None)
    return holds
