"""Acks first: job threads give way to the requests this process is answering.

One process runs both the HTTP request threads and the job threads, and one GIL serves them
all. A job (a claim, a card rendered, a Slack call, a settle) started while a request is in
flight takes the GIL from that request at every hand-off: a request thread woken by its enqueue
waits up to a switch interval for a job thread to let go, several times per request. So a job
thread about to claim or start a job first waits until no request is in flight here, but at most
``max_defer_s`` each time: under a load that never pauses, jobs still start (each waits
the bound at worst), so a backlog drains and nothing starves. A job already started is never
interrupted: leases, heartbeats and the graceful stop (bot/slack/jobs.py) are untouched.

The HTTP worker (bot/slack/http_worker.py) counts a request from when it is handed to a thread
until its answer is written; the job runner (bot/slack/jobs.py) calls ``give_way``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

MAX_DEFER_S = 0.02
"""Longest a job thread waits for a pause in requests, before a claim and before each job: with
4 threads claiming 4 jobs at a time, a floor of about 150 jobs per second and process even when
requests never pause (a job itself takes ~1-2 ms of CPU)."""


class AckPriority:
    """Requests in flight in this process; job threads wait for a pause in them (bounded)."""

    def __init__(self, max_defer_s: float = MAX_DEFER_S) -> None:
        self.max_defer_s = max_defer_s
        self._in_flight = 0
        self._waiting = 0
        self._pause = threading.Condition(threading.Lock())
        self._on_pause: list[Callable[[], None]] = []
        self._closed = False

    @property
    def busy(self) -> bool:
        """Is a request in flight? (A snapshot: it may change at once.)"""
        return self._in_flight > 0 and not self._closed

    def on_pause(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the request's thread) whenever the last request in flight ends:
        the job runner then wakes threads for jobs enqueued during the requests."""
        self._on_pause.append(callback)

    def begin(self) -> None:
        """A request was handed to a thread."""
        with self._pause:
            self._in_flight += 1

    def end(self) -> None:
        """Its answer was written (or it ended otherwise)."""
        with self._pause:
            self._in_flight -= 1
            paused = self._in_flight == 0
            if paused and self._waiting:
                self._pause.notify_all()
        if paused:
            for callback in self._on_pause:
                callback()

    def give_way(self) -> None:
        """Wait until no request is in flight here, or ``max_defer_s`` at most."""
        if not self.busy:  # the common idle case takes no lock
            return
        with self._pause:
            self._waiting += 1
            try:
                self._pause.wait_for(lambda: self._in_flight == 0 or self._closed, self.max_defer_s)
            finally:
                self._waiting -= 1

    def close(self) -> None:
        """Stop deferring (the process is stopping: jobs in hand should finish quickly)."""
        with self._pause:
            self._closed = True
            self._pause.notify_all()
