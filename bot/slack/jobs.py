"""Worker threads that take durable jobs from the store and perform them.

Every process (each gunicorn worker, the Socket Mode process) runs a few of these threads, and
all processes of all replicas share one job table: whoever is free takes the next job. A claim
is a lease (``JOB_LEASE_S``): a worker killed mid-job leaves its jobs "running" until the lease
ends, then any replica takes them over. So nothing acknowledged is lost.

A live worker keeps what it holds: one heartbeat thread per runner renews, every third of a
lease, the lease of every job in hand (the one being performed and the claimed, unstarted rest
of each thread's batch: ``HeldJobs``, bot/slack/held_jobs.py), in one store transaction. A Slack
call may take long (a 10 s timeout times slack_sdk's retries, a 429's ``Retry-After`` sleep)
without the job being taken over, so a slow Slack no longer posts twice. A job whose renewal
failed (another worker holds it now: our renewals did not reach the store in time, or its clock
runs ahead) or whose lease has ended by our clock is not started: it is skipped, neither
performed nor settled; its new holder does it.

A job's end takes no write of its own (``Store.finish_job_later``): it rides in the thread's
next write, the next job's explanation claim or its next claim of jobs, or in another thread's.
It is durable before the thread's next post all the same: a job that does not write before it
posts (``Performer.writes_first``) waits for it first, and so does a thread about to sleep.

What can still happen twice: a job whose Slack call had gone out when its worker was killed,
before the store heard it was done (at most the jobs in hand, one per thread, per kill); and a
job whose worker could not reach the store for a whole lease while the call was under way, or
between the call and ``finish_job`` (its lease ends and another replica performs it again).

A job whose Slack call fails for good is marked failed with its error. One that hit a passing
outage (``Retry``) is left alone and no longer renewed: its lease ends and it is tried again,
up to ``JOB_MAX_ATTEMPTS`` times.

Graceful stop (SIGTERM): threads stop taking jobs, finish the one in hand (still renewed), and
give back claimed jobs they have not started, so another replica takes them at once; ``stop``
waits at most the grace period. ``run_once`` and ``drain`` without ``start`` (the console,
tests) have no heartbeat: there a job whose lease ended by the runner's clock is skipped.

Acks first (``give_way_to``, under gunicorn): before a claim and before starting each job, a
thread waits, a bounded time, for a pause in this process's requests (bot/slack/priority.py), and
a wake for jobs a request enqueued waits for that pause too. A job deferred once claimed is still
renewed and checked (``_still_ours``) before it starts; nothing else changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from bot import metrics
from bot.logs import Throttled
from bot.slack.failures import Failed, Retry
from bot.slack.held_jobs import HeldJobs
from bot.slack.perform import Performer
from bot.slack.priority import AckPriority
from bot.store.base import Job, Later, Store, StoreError

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

BATCH = 4
"""Jobs a thread claims at once: fewer round trips, yet little taken from idle replicas."""
POLL_S = 0.5
"""How often idle threads look for jobs enqueued by other processes (local ones wake them)."""
MAX_BACKOFF_S = 5.0
STATS_EVERY_S = 5.0
RENEWALS_PER_LEASE = 3
"""Heartbeats per lease: two may fail (a store hiccup) before a held job's lease ends."""

Ending = tuple[Job, Later[bool]]
"""A performed job and its end, queued to ride in a later write (``Store.finish_job_later``)."""


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
        self._wakes = 0
        """Wakes so far: a thread that found no job sleeps only if none came since its claim."""
        self._unnotified = 0
        """Wakes during requests, delivered at their pause (``_requests_paused``)."""
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._stats_at = 0.0
        self._stats_lock = threading.Lock()
        self._held = HeldJobs(clock)
        self._beat_stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._priority = AckPriority()  # never busy unless ``give_way_to`` replaces it

    def give_way_to(self, priority: AckPriority) -> None:
        """Before ``start``: defer jobs (bounded) while ``priority`` has requests in flight."""
        self._priority = priority
        priority.on_pause(self._requests_paused)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> JobRunner:
        for number in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"jobs-{number}", daemon=True)
            thread.start()
            self._workers.append(thread)
        self._heartbeat = threading.Thread(target=self._beat, name="jobs-heartbeat", daemon=True)
        self._heartbeat.start()
        return self

    def wake(self, enqueued: int = 1) -> None:
        """Jobs were just enqueued (``enqueued`` times): let idle threads take them without
        waiting a poll, as many threads as claims of ``BATCH`` they need."""
        threads = min(self.threads, -(-max(1, enqueued) // BATCH))
        with self._wake:
            self._wakes += 1
            if self._priority.busy:
                self._unnotified = min(self.threads, self._unnotified + threads)
            else:
                self._wake.notify(threads)

    def _requests_paused(self) -> None:
        """The last request in flight ended: wake threads for the jobs enqueued meanwhile. (Read
        unlocked first: ``wake`` counts before it looks at ``busy``, so none is missed.)"""
        if self._unnotified:
            with self._wake:
                self._wake.notify(self._unnotified)
                self._unnotified = 0

    def stop(self, grace_s: float) -> bool:
        """Stop taking jobs; wait up to ``grace_s`` for jobs in hand. True if all finished."""
        self._stopping.set()
        self._priority.close()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + grace_s
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        finished = not any(t.is_alive() for t in self._workers)
        self._beat_stop.set()  # after the jobs in hand: they stay ours while they finish
        if self._heartbeat is not None:
            self._heartbeat.join(max(0.0, deadline - time.monotonic()))
        if not finished:
            logger.warning("stopped with jobs still in hand; their leases hand them to others")
        return finished

    # -- one round (also used by the console and tests, without threads) ---------------------
    def run_once(self, limit: int = BATCH) -> int:
        """Claim up to ``limit`` jobs and perform them; returns how many were claimed. The end
        of every job it performed is recorded when it returns."""
        ending: list[Ending] = []
        try:
            return self._round(limit, ending)
        finally:
            self._record_ends(ending, wait=True)

    def _round(self, limit: int, ending: list[Ending]) -> int:
        """``run_once``, except that the ends of jobs may still be queued in ``ending`` when it
        returns (``Store.finish_job_later``): they ride in this thread's next write (the next
        job's explanation claim, the next claim of jobs) or in another thread's. So a job's end
        takes no write turn of its own, and it is durable before this thread's next post: a
        job that does not write first waits for it (``Performer.writes_first``). A kill repeats
        at most one post per thread, as before."""
        self._priority.give_way()
        now = self._clock()
        try:
            jobs = self.store.claim_jobs(limit, now, self.lease_s, self.max_attempts)
        except StoreError as exc:
            metrics.store_error("claim_jobs")
            throttled.error("claim", "cannot take jobs, the state store failed: %s", exc)
            raise
        finally:
            self._record_ends(ending)
        self._held.hold(jobs, now + self.lease_s)
        queue = deque(jobs)
        try:
            while queue:
                self._priority.give_way()
                if self._stopping.is_set():
                    self._give_back(list(queue))
                    break
                job = queue.popleft()
                if self._still_ours(job):
                    if not self.performer.writes_first(job.kind):
                        self._record_ends(ending, wait=True)
                    self._perform(job, ending)
                    self._record_ends(ending)
                self._held.let_go([job])  # settled, skipped or left to its lease (``Retry``)
        finally:
            self._held.let_go(jobs)
        self._report_stats()
        return len(jobs)

    def renew_leases(self) -> list[int]:
        """One heartbeat: renew the lease of every job in hand, in one store transaction, and
        mark the ones another worker holds now so they are not started. Returns the ids renewed
        (none when the store failed: the leases may still end, and the next beat finds out)."""
        held = self._held.to_renew()
        if not held:
            return []
        now = self._clock()
        try:
            renewed = self.store.renew_jobs(held, now, self.lease_s)
        except StoreError as exc:
            metrics.store_error("renew_jobs")
            throttled.error("renew", "could not renew job leases (others may take them): %s", exc)
            return []
        self._held.renewed(held, renewed, now + self.lease_s)
        return renewed

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
        ending: list[Ending] = []
        try:
            while not self._stopping.is_set():
                seen = self._wakes
                try:
                    claimed = self._round(BATCH, ending)
                    backoff = POLL_S
                except StoreError:
                    claimed = 0
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                except Exception:
                    logger.exception("job thread crashed; it carries on")
                    claimed = 0
                if claimed >= BATCH:
                    continue  # a full batch: more may be waiting
                # Fewer: nothing more was free when we looked. Sleep, unless a job was enqueued
                # since the claim began (claiming again at once mostly found nothing: an empty
                # transaction per job at 1,000 requests/s). No write of ours comes while we
                # sleep to carry the ends of our jobs: record them first.
                if self._wakes == seen:
                    self._record_ends(ending, wait=True)
                with self._wake:
                    if self._wakes == seen and not self._stopping.is_set():
                        self._wake.wait(backoff)
        finally:
            self._record_ends(ending, wait=True)

    def _beat(self) -> None:
        while not self._beat_stop.wait(self.lease_s / RENEWALS_PER_LEASE):
            try:
                self.renew_leases()
            except Exception:
                logger.exception("job lease heartbeat failed; it carries on")

    def _still_ours(self, job: Job) -> bool:
        """May this claimed job be started (``HeldJobs.ours``)? One that may not is counted and
        logged here, where the runner's other lease warnings are."""
        ours = self._held.ours(job)
        if not ours:
            metrics.job_done(job.kind, "lost")
            message = "%s job %d lost its lease before it started; its new holder does it"
            throttled.warning("lost", message, job.kind, job.id)
        return ours

    def _perform(self, job: Job, ending: list[Ending]) -> None:
        """Perform ``job`` and settle it: a failure at once, a success queued in ``ending``."""
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
        ending.append((job, self.store.finish_job_later(job, self._clock())))

    def _record_ends(self, ending: list[Ending], *, wait: bool = False) -> None:
        """Settle the queued ends that have been written (all of them if ``wait``: those still
        queued are committed now), and keep the rest queued."""
        still: list[Ending] = []
        for job, end in ending:
            if wait or end.ended:
                self._settle(end.outcome, job)
            else:
                still.append((job, end))
        ending[:] = still

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
