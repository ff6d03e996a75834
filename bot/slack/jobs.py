"""Worker threads that take durable jobs from the store and perform them.

Every process (each gunicorn worker, the Socket Mode process) runs a few of these threads, and
all processes of all replicas share one job table: whoever is free takes the next job. A claim
is a lease (``JOB_LEASE_S``): a worker killed mid-job leaves its jobs "running" until the lease
ends, then any replica takes them over. So nothing acknowledged is lost, and the only work that
can happen twice is a job whose Slack call had gone out when its worker died, before the store
heard it was done: at most the jobs in hand, one per thread, per kill. That is the documented
duplicate window.

A job whose Slack call fails for good is marked failed with its error. One that hit a passing
outage is left alone: its lease ends and it is tried again, up to ``JOB_MAX_ATTEMPTS`` times.

Graceful stop (SIGTERM): threads stop taking jobs, finish the one in hand, and give back claimed
jobs they have not started, so another replica takes them at once; ``stop`` waits at most the
grace period.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from bot import metrics
from bot.logs import Throttled
from bot.slack.perform import Failed, Performer, Retry
from bot.store.base import Job, Store, StoreError

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

BATCH = 4
"""Jobs a thread claims at once: fewer round trips, yet little taken from idle replicas."""
POLL_S = 0.5
"""How often idle threads look for jobs enqueued by other processes (local ones wake them)."""
MAX_BACKOFF_S = 5.0
STATS_EVERY_S = 5.0


class JobRunner:
    """Claims and performs jobs on ``threads`` daemon threads."""

    def __init__(
        self,
        store: Store,
        performer: Performer,
        *,
        threads: int = 4,
        lease_s: float = 30.0,
        max_attempts: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.performer = performer
        self.threads = threads
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self._clock = clock
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._stats_at = 0.0
        self._stats_lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> JobRunner:
        for number in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"jobs-{number}", daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def wake(self) -> None:
        """Jobs were just enqueued here: let an idle thread take them without waiting a poll."""
        with self._wake:
            self._pending_wakes += 1
            self._wake.notify()

    def stop(self, grace_s: float) -> bool:
        """Stop taking jobs; wait up to ``grace_s`` for jobs in hand. True if all finished."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + grace_s
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        finished = not any(t.is_alive() for t in self._workers)
        if not finished:
            logger.warning("stopped with jobs still in hand; their leases hand them to others")
        return finished

    # -- one round (also used by the console and tests, without threads) ---------------------
    def run_once(self, limit: int = BATCH) -> int:
        """Claim up to ``limit`` jobs and perform them; returns how many were claimed."""
        try:
            jobs = self.store.claim_jobs(limit, self._clock(), self.lease_s, self.max_attempts)
        except StoreError as exc:
            metrics.store_error("claim_jobs")
            throttled.error("claim", "cannot take jobs, the state store failed: %s", exc)
            raise
        queue = deque(jobs)
        while queue:
            if self._stopping.is_set():
                self._give_back(list(queue))
                break
            self._perform(queue.popleft())
        self._report_stats()
        return len(jobs)

    def drain(self, rounds: int = 1000) -> int:
        """Run until no job is left (the console, tests); returns how many were performed."""
        done = 0
        for _ in range(rounds):
            claimed = self.run_once()
            if not claimed:
                break
            done += claimed
        return done

    # -- internals ------------------------------------------------------------------------
    def _loop(self) -> None:
        backoff = POLL_S
        while not self._stopping.is_set():
            try:
                claimed = self.run_once()
                backoff = POLL_S
            except StoreError:
                claimed = 0
                backoff = min(backoff * 2, MAX_BACKOFF_S)
            except Exception:
                logger.exception("job thread crashed; it carries on")
                claimed = 0
            if claimed:
                continue
            with self._wake:
                if self._pending_wakes == 0 and not self._stopping.is_set():
                    self._wake.wait(backoff)
                self._pending_wakes = max(0, self._pending_wakes - 1)

    def _perform(self, job: Job) -> None:
        try:
            self.performer.perform(job.kind, job.payload, job.workspace)
        except Failed as exc:
            metrics.job_done(job.kind, "failed")
            error = str(exc)
            self._settle(lambda: self.store.fail_job(job, error, self._clock()), job)
            return
        except Retry:
            metrics.job_done(job.kind, "retry")
            return  # the lease ends and the job is taken again (the lease is the back-off)
        except StoreError as exc:
            metrics.store_error(job.kind)
            throttled.error(
                ("job", job.kind), "a %s job could not use the store: %s", job.kind, exc
            )
            return
        except Exception as exc:
            logger.exception("%s job %d failed unexpectedly", job.kind, job.id)
            metrics.job_done(job.kind, "failed")
            error = f"{type(exc).__name__}: {exc}"[:200]
            self._settle(lambda: self.store.fail_job(job, error, self._clock()), job)
            return
        metrics.job_done(job.kind, "done")
        self._settle(lambda: self.store.finish_job(job, self._clock()), job)

    def _settle(self, write: Callable[[], bool], job: Job) -> None:
        try:
            if not write():
                logger.warning("%s job %d outlived its lease; another took it", job.kind, job.id)
        except StoreError as exc:
            metrics.store_error("settle_job")
            throttled.error("settle", "could not record a finished job (it may run again): %s", exc)

    def _give_back(self, jobs: list[Job]) -> None:
        try:
            self.store.release_jobs(jobs, self._clock())
        except StoreError as exc:
            throttled.error("release", "could not give jobs back (their leases will): %s", exc)

    def _report_stats(self) -> None:
        now = self._clock()
        with self._stats_lock:
            if now - self._stats_at < STATS_EVERY_S:
                return
            self._stats_at = now
        try:
            metrics.set_job_stats(self.store.job_stats(now))
        except StoreError:
            metrics.store_error("job_stats")
