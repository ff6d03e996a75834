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
resolved once per label values and process (``_Children``): prometheus_client's ``labels()``
checks, converts and locks on every call, and the same few children come back each time.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram
    from prometheus_client.metrics import MetricWrapperBase

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

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_ACK_MS = (1, 2.5, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 250, 500, 1000, 2000, 3000, 5000, 10000)
ACK_BUCKETS = tuple(ms / 1000 for ms in _ACK_MS)
"""Fine under 100 ms, where acks belong; 3 s is Slack's deadline."""
OTHER = "other"
_WORD = re.compile(r"[a-z0-9_]{1,40}")
_METHOD = re.compile(r"[a-z]+(?:\.[a-zA-Z]+){1,3}")  # chat.postMessage, apps.connections.open
_VERSION = re.compile(r"[0-9A-Za-z._-]{1,40}")

_CHILDREN_KEPT = 256
"""Children remembered per metric: many times the label values this code uses."""

_lock = threading.Lock()
_metrics: _Metrics | None = None
_in_master = False
"""Set by ``prepare_multiprocess_dir`` in the gunicorn master, cleared in every process forked
from it (rule 2): a flag rather than a pid compared on every call (``getpid`` is a syscall)."""
_version: str | None = None


def _forked() -> None:
    global _in_master
    _in_master = False


os.register_at_fork(after_in_child=_forked)


_M = TypeVar("_M", bound="MetricWrapperBase")


class _Children(Generic[_M]):
    """A labelled metric's children by the label values as passed, cleaned (one cleaner per
    label) and resolved by ``labels()`` once: the same children, so the same series. Past
    ``_CHILDREN_KEPT`` values they are resolved on each call, so odd values cannot grow it."""

    __slots__ = ("_cleaners", "_known", "_metric")

    def __init__(self, metric: _M, *cleaners: Callable[[str], str]) -> None:
        self._metric = metric
        self._cleaners = cleaners
        self._known: dict[tuple[str, ...], _M] = {}

    def __call__(self, *values: str) -> _M:
        child = self._known.get(values)
        if child is None:
            clean = (c(v) for c, v in zip(self._cleaners, values, strict=True))
            child = self._metric.labels(*clean)
            if len(self._known) < _CHILDREN_KEPT:
                self._known[values] = child
        return child


@dataclass(frozen=True, slots=True)
class _Metrics:
    requests: _Children[Counter]
    ack_seconds: _Children[Histogram]
    slack_calls: _Children[Counter]
    store_errors: _Children[Counter]
    jobs: _Children[Counter]
    jobs_queued: Gauge
    jobs_running: Gauge
    jobs_failed: Gauge
    jobs_oldest_queued: Gauge
    terms: Gauge
    info: Gauge
    reloads: _Children[Counter]


def _build() -> _Metrics:
    from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

    # ``*_created`` series (one per labelled child, in-process mode only) say when a child was
    # first used: noise for this app, and they made the text differ between modes.
    disable_created_metrics()  # type: ignore[no-untyped-call]

    if path := os.environ.get(MULTIPROC_ENV):
        # A process started with the variable but without prepare_multiprocess_dir (Socket
        # Mode under the same environment as serve) would otherwise fail on every metric.
        Path(path).mkdir(parents=True, exist_ok=True)

    def job_gauge(name: str, doc: str) -> Gauge:
        return Gauge(name, doc, multiprocess_mode="livemostrecent")

    return _Metrics(
        requests=_Children(
            Counter("glossary_requests", "Slack requests handled", ["kind", "outcome"]),
            _word,
            _word,
        ),
        ack_seconds=_Children(
            Histogram(
                "glossary_ack_seconds", "Time from request to ack", ["kind"], buckets=ACK_BUCKETS
            ),
            _word,
        ),
        slack_calls=_Children(
            Counter("glossary_slack_api_calls", "Slack Web API calls", ["method", "status"]),
            _method,
            _word,
        ),
        store_errors=_Children(
            Counter("glossary_store_errors", "State store failures", ["operation"]), _word
        ),
        jobs=_Children(
            Counter("glossary_jobs", "Durable jobs settled", ["kind", "outcome"]), _word, _word
        ),
        jobs_queued=job_gauge("glossary_jobs_queued", "Jobs waiting for a worker"),
        jobs_running=job_gauge("glossary_jobs_running", "Jobs under a worker's lease"),
        jobs_failed=job_gauge("glossary_jobs_failed", "Jobs that failed for good (kept)"),
        jobs_oldest_queued=job_gauge(
            "glossary_jobs_oldest_queued_seconds", "Age of the oldest queued job"
        ),
        terms=Gauge(
            "glossary_terms", "Terms in the glossary served", multiprocess_mode="livemostrecent"
        ),
        info=Gauge(
            "glossary_info",
            "Processes serving each glossary version (content hash)",
            ["version"],
            multiprocess_mode="livesum",
        ),
        reloads=_Children(Counter("glossary_reloads", "Glossary hot reloads", ["outcome"]), _word),
    )


def _get() -> _Metrics:
    global _metrics
    if _metrics is None:
        with _lock:
            if _metrics is None:
                _metrics = _build()
    return _metrics


def _recording() -> _Metrics | None:
    """The metrics, or None in the gunicorn master (see the module docstring, rule 2)."""
    return None if _in_master else _metrics or _get()


def _word(value: str) -> str:
    return value if _WORD.fullmatch(value) else OTHER


def _method(value: str) -> str:
    return value if _METHOD.fullmatch(value) else OTHER


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
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


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
