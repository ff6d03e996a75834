"""Prometheus metrics: what an operator watches, one function per thing that happened.

Callers never touch ``prometheus_client``: they call ``observe_request``, ``slack_call``…, and
``render()`` produces the ``/metrics`` body. Label values are checked against a pattern and
anything else becomes ``"other"``, so an error message or a user's text can never explode the
number of series.

**Multiprocess mode (gunicorn).** Each worker is a process with its own counters; prometheus_client
merges them through files in ``PROMETHEUS_MULTIPROC_DIR``. prometheus_client decides between
in-memory and file-backed values *when it is first imported*, so the rule is:

1. the gunicorn master calls ``prepare_multiprocess_dir(path)`` before anything imports
   ``prometheus_client`` (it sets the variable and empties the folder; it raises if the import
   already happened without it). This module imports ``prometheus_client`` only on first use
   for that reason, and creates its metrics lazily, in the process that uses them;
2. workers inherit the variable across the fork and record into their own ``*_<pid>.db`` files;
   observations made in the master itself (the process that prepared the folder) are dropped:
   the master serves nothing, and its gauges, never updated again, would count as a live
   process for ever;
3. gunicorn's ``child_exit`` hook calls ``mark_process_dead(pid)`` so a dead worker's gauges go.

Gauge modes: the job gauges read one shared store, so every live worker reports the same
thing a few seconds apart; ``livemostrecent`` shows the freshest reading (``max`` would keep a
dead worker's last reading for ever, ``liveall`` a series per pid that ``sum()`` multiplies).
``glossary_terms`` is ``livemostrecent`` too (the latest load); ``glossary_info{version}`` is
``livesum``: the number of live processes serving that version, so replicas converging on a
new glossary are visible, and an old version drops to 0.

**Per call.** Every ack and every Web API call records something, so the labelled children are
resolved once per label values and process (``Children``, with the definition of every series in
bot/metric_families.py): prometheus_client's ``labels()`` checks, converts and locks on every
call, and the same few children come back each time.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.metric_families import MULTIPROC_ENV, OTHER, Metrics, build

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from bot.store.base import JobStats

__all__ = [
    "glossary_loaded",
    "glossary_reload",
    "job_done",
    "mark_process_dead",
    "observe_request",
    "prepare_multiprocess_dir",
    "render",
    "set_job_stats",
    "slack_call",
    "store_error",
]

_VERSION = re.compile(r"[0-9A-Za-z._-]{1,40}")

_lock = threading.Lock()
_metrics: Metrics | None = None
_in_master = False
"""Set by ``prepare_multiprocess_dir`` in the gunicorn master, cleared in every process forked
from it (rule 2): a flag rather than a pid compared on every call (``getpid`` is a syscall)."""
_version: str | None = None


def _forked() -> None:
    global _in_master
    _in_master = False


os.register_at_fork(after_in_child=_forked)


def _get() -> Metrics:
    global _metrics
    if _metrics is None:
        with _lock:
            if _metrics is None:
                _metrics = build()
    return _metrics


def _recording() -> Metrics | None:
    """The metrics, or None in the gunicorn master (see the module docstring, rule 2)."""
    return None if _in_master else _metrics or _get()


def observe_request(kind: str, outcome: str, seconds: float) -> None:
    """One Slack request acked after ``seconds`` (kind: command, event…; outcome: ok, error…)."""
    if m := _recording():
        m.requests(kind, outcome).inc()
        m.ack_seconds(kind).observe(seconds)


def slack_call(method: str, status: str) -> None:
    """One Web API call: ``status`` is "ok" or Slack's error code (``ratelimited``…)."""
    if m := _recording():
        m.slack_calls(method, status).inc()


def store_error(operation: str) -> None:
    if m := _recording():
        m.store_errors(operation).inc()


def job_done(kind: str, outcome: str) -> None:
    """A job or task ended: "done", "retry", "failed", "lost" (its lease was taken over before
    it started) or "dropped" (an in-process task over the bound)."""
    if m := _recording():
        m.jobs(kind, outcome).inc()


def set_job_stats(stats: JobStats) -> None:
    """The store's job counts, read periodically by one thread per process."""
    if m := _recording():
        m.jobs_queued.set(stats.queued)
        m.jobs_running.set(stats.running)
        m.jobs_failed.set(stats.failed)
        m.jobs_oldest_queued.set(stats.oldest_queued_s)


def glossary_loaded(terms: int, version: str) -> None:
    """This process now serves ``version``: call it at start (in each worker) and on reload."""
    global _version
    if m := _recording():
        version = version if _VERSION.fullmatch(version) else OTHER
        with _lock:
            previous, _version = _version, version
        if previous is not None and previous != version:
            m.info.labels(previous).set(0)
        m.info.labels(version).set(1)
        m.terms.set(terms)


def glossary_reload(outcome: str) -> None:
    """A hot reload attempt: "ok" or "error"."""
    if m := _recording():
        m.reloads(outcome).inc()


def render() -> tuple[bytes, str]:
    """The ``/metrics`` body and its content type; in multiprocess mode, every process merged."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        _get()  # so every family is listed from the first scrape
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    registry.register(_Merged(path))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Merged:
    """prometheus_client's merge of every process's file, minus files still empty.

    A process creates its file before sizing it, and a scrape that read it in between failed
    the whole merge with ``struct.error`` (a 500 from ``/metrics``; for good if that process
    died in between, its file never sized: prometheus/client_python#1199). An empty file holds
    nothing yet, so skipping it loses nothing."""

    def __init__(self, path: str) -> None:
        self._path = path

    def collect(self) -> Iterable[Metric]:
        from prometheus_client.multiprocess import MultiProcessCollector

        files = []
        for name in glob.glob(os.path.join(self._path, "*.db")):
            with contextlib.suppress(OSError):  # gone meanwhile (a dead process's, removed)
                if os.path.getsize(name) > 0:
                    files.append(name)
        return MultiProcessCollector.merge(files, accumulate=True)  # type: ignore[no-untyped-call,no-any-return]


def prepare_multiprocess_dir(path: Path) -> None:
    """In the gunicorn master, before forking: create/empty ``path`` and point workers at it.

    Only ``*.db`` files are removed, so a mistaken path never loses anything else. Raises
    RuntimeError if ``prometheus_client`` was imported before the variable was set (setting it
    by hand afterwards does not help): values would stay in each worker's memory and
    ``/metrics`` would show none of them.
    """
    global _in_master
    values = sys.modules.get("prometheus_client.values")
    if values is not None and values.ValueClass is values.MutexValue:
        raise RuntimeError(
            f"prometheus_client was imported before {MULTIPROC_ENV} was set (a metric was "
            "recorded too early?); call prepare_multiprocess_dir first"
        )
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    _in_master = True


def mark_process_dead(pid: int) -> None:
    """gunicorn ``child_exit``: drop a dead worker's live gauges (its counters stay summed)."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
