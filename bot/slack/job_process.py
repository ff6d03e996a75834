"""Job workers: gunicorn workers that perform durable jobs and serve no requests.

Why: one process that both acks requests and performs jobs shares one GIL between them, and
every hand-off between a request thread and a job thread costs a context switch and a wait for
the GIL. With `JOB_PROCESSES` (default 1) gunicorn runs that many extra workers that only
perform jobs, and the HTTP workers only ack and enqueue. On the 2-core bench, with 1,000
requests/s offered, the work then kept pace (984–999 completed/s, at most 184 jobs queued)
where it had fallen behind (805–902/s, 2,417–4,948 queued), for less CPU per request
(bench/RESULTS-serve.md). Being gunicorn workers, they are supervised like the others: one that
dies is replaced, SIGTERM drains it (``worker_exit``), and the master stops them all.

- **Roles** are decided in the master just before each fork (``assign_role``, gunicorn's
  ``pre_fork``): a worker is a job worker while fewer than ``JOB_PROCESSES`` job workers live,
  so a dead one's replacement takes its role. A job worker never accepts connections.
- **Same CPU priority**: a job worker at nice +5 (the kernel then favours the HTTP workers)
  starved its jobs whenever the cores were busy: at 1,000 requests/s offered its backlog grew
  to 4,783 and drained 6.5 s late, against 195 and 0.09 s at the same priority
  (bench/RESULTS-serve.md). Acks stay fast without it: the HTTP workers no longer run jobs.
  What the job worker gives up instead is the right to interrupt: it runs as a batch process
  (``yield_on_wake``), with its full share of the cores but no preemption on wake-up.
- **One by default**: two job workers (the same threads in two processes, two GILs) kept the
  work in pace while the cores were short (27 of 28 runs at 1,000 requests/s on SQLite, against
  20 of 28 with one), but took that CPU from the acks: on PostgreSQL sharing the cores the acks
  fell behind and their p99 passed 50 ms. Under overload the durable work should wait, not the
  acks. Two also hold ~70 MB more and, with cores to spare, cost 2–10 % more CPU per request
  (bench/RESULTS-serve.md, seventh session). ``JOB_PROCESSES=2`` is for a replica whose backlog
  grows while its acks have room.
- **Threads**: the replica keeps the job threads it had, ``JOB_WORKERS × WEB_CONCURRENCY``,
  shared out over its job workers (``job_threads``), so its posting capacity against a slow
  Slack (threads / Slack's latency) is the same in both modes.
- **Wake-ups**: an HTTP worker that enqueued jobs writes a byte to a pipe the master opened
  (``JobWake``); a job worker's reader thread wakes its job threads, so a job starts at once
  rather than at their next poll (``jobs.POLL_S``). Jobs of other replicas are found by polling.
  After each wake the reader lets the signals gather for ``GATHER_S`` before it reads again, so
  that under load one wake takes several jobs in one claim (see ``GATHER_S``).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_READ = 4096
GATHER_S = 0.02
"""How long the reader lets signals gather after a wake before it reads again. The first job
after a quiet spell starts at once; under load, jobs wait at most this long and are then
claimed several at a time (``jobs.BATCH``), by a thread per batch. Before, each enqueue woke a
thread for one job, and often a second thread found nothing: at 1,000 requests/s the job worker
made ~15,500 claims for ~9,500 jobs; with it ~4,500, for 13 % less of its CPU, an event ack p99
of 17 ms instead of 23, and a time from ack to post of 12 ms at p50 (7 before) and 82–95 ms at
p99 (137 before) (bench/RESULTS-serve.md)."""


MASTER_NAME, HTTP_NAME, JOBS_NAME = "glossary-master", "glossary-http", "glossary-jobs"
"""What ``ps -o comm``, ``top`` and ``/proc/PID/comm`` show for each role of ``serve``."""


def name_process(name: str, comm: Path = Path("/proc/self/comm")) -> None:
    """Name this process's main thread (threads started after it inherit the name), so that
    an operator's ``top`` or ``ps -o pid,comm`` tells the job worker from the HTTP workers and
    the master, which would all read "python" (Python names its threads for itself only).
    ``bench/bench_serve.py`` splits the servers' CPU by these names. Best effort: Linux only,
    at most 15 bytes, and nothing else depends on it."""
    with contextlib.suppress(OSError):
        comm.write_text(name[:15])


def yield_on_wake() -> None:
    """Run this process, and the threads it starts from now on, under Linux's ``SCHED_BATCH``.

    Why: acks wait for the cores, jobs can wait a little. At the same priority, any of the job
    worker's threads that woke (a Web API answer, its turn to write, a wake for new jobs) could
    preempt an HTTP worker in the middle of a request. A batch process keeps its weight, so its
    share of the cores over time is the same and its jobs do not starve (as they did at nice +5,
    see above), but its threads do not preempt on waking: they run when a core is free or at the
    next scheduler tick. Since an HTTP worker's poller runs every request itself, a preemption
    there stalls all of that worker's connections. In 12 interleaved pairs at 1,000 requests/s
    the server spent 3.6 % less CPU per request (less in 10 of 12 rounds) and the event ack p99
    was 5.6 ms lower (medians of the paired differences); in 8 minute-long pairs the CPU was the
    same and the p99 2.8 ms lower (bench/RESULTS-serve.md, tenth session; the eighth session,
    before the poller answered requests, saw no change in 4 rounds). The HTTP workers' enqueue
    threads as batch threads too did no better (cheaper in 2 of 6 rounds): the enqueue is on the
    ack's path. Best effort: Linux only; moving to ``SCHED_BATCH`` needs no privilege, and where
    it is refused nothing changes."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or a sandbox refused it
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def job_threads(job_workers: int, http_workers: int, job_processes: int) -> int:
    """Job threads per job worker: the ``job_workers`` each HTTP worker would have run, shared
    out over the ``job_processes`` job workers (at least one each)."""
    return max(1, math.ceil(job_workers * http_workers / max(1, job_processes)))


def assign_role(server: Any, worker: Any, job_processes: int) -> None:
    """gunicorn's ``pre_fork``: make ``worker`` a job worker if fewer than ``job_processes``
    of the live workers are."""
    live = sum(1 for w in server.WORKERS.values() if getattr(w, "jobs_only", False))
    worker.jobs_only = live < job_processes


class JobWake:
    """A pipe from the HTTP workers (``signal``) to the job workers (``listen``), opened in the
    master so every worker inherits it, replacements included."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def signal(self) -> None:
        """Jobs were enqueued. Never blocks: a full pipe already holds wake-ups enough."""
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(self._write, b"\0")

    def listen(self, wake: Callable[[int], None]) -> threading.Thread:
        """Call ``wake`` with the number of signals read, whenever signals arrive, on a daemon
        thread; then let the next ones gather for ``GATHER_S``."""

        def run() -> None:
            while True:
                try:
                    data = os.read(self._read, _READ)
                except OSError:
                    return  # closed: the process is ending
                if not data:
                    return
                wake(len(data))
                time.sleep(GATHER_S)

        thread = threading.Thread(target=run, name="job-wake", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)
