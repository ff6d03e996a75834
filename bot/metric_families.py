"""Every series the bot exports, in one place: names, help, labels, buckets and gauge modes.

Apart from the recording functions (bot/metrics.py), which decide when and in which process
something is recorded, because this is what an operator's dashboards and alerts depend on; and
how label values are cleaned (a pattern, else ``"other"``) and their children kept (``Children``),
so that an error message or a user's text can never explode the number of series. Like
bot/metrics.py, it imports ``prometheus_client`` only when the series are built (rule 1 there).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram
    from prometheus_client.metrics import MetricWrapperBase

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Where multiprocess mode keeps its files (bot/metrics.py); ``build`` creates the folder."""
_ACK_MS = (1, 2.5, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 250, 500, 1000, 2000, 3000, 5000, 10000)
ACK_BUCKETS = tuple(ms / 1000 for ms in _ACK_MS)
"""Fine under 100 ms, where acks belong; 3 s is Slack's deadline."""
OTHER = "other"
_WORD = re.compile(r"[a-z0-9_]{1,40}")
_METHOD = re.compile(r"[a-z]+(?:\.[a-zA-Z]+){1,3}")  # chat.postMessage, apps.connections.open

_CHILDREN_KEPT = 256
"""Children remembered per metric: many times the label values this code uses."""


_M = TypeVar("_M", bound="MetricWrapperBase")


class Children(Generic[_M]):
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
class Metrics:
    """The series of one process, built on first use (``build``)."""

    requests: Children[Counter]
    ack_seconds: Children[Histogram]
    slack_calls: Children[Counter]
    store_errors: Children[Counter]
    jobs: Children[Counter]
    jobs_queued: Gauge
    jobs_running: Gauge
    jobs_failed: Gauge
    jobs_oldest_queued: Gauge
    terms: Gauge
    info: Gauge
    reloads: Children[Counter]


def build() -> Metrics:
    """Define every series: in the process that records, once ``MULTIPROC_ENV`` is settled."""
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

    return Metrics(
        requests=Children(
            Counter("glossary_requests", "Slack requests handled", ["kind", "outcome"]),
            _word,
            _word,
        ),
        ack_seconds=Children(
            Histogram(
                "glossary_ack_seconds", "Time from request to ack", ["kind"], buckets=ACK_BUCKETS
            ),
            _word,
        ),
        slack_calls=Children(
            Counter("glossary_slack_api_calls", "Slack Web API calls", ["method", "status"]),
            _method,
            _word,
        ),
        store_errors=Children(
            Counter("glossary_store_errors", "State store failures", ["operation"]), _word
        ),
        jobs=Children(
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
        reloads=Children(Counter("glossary_reloads", "Glossary hot reloads", ["outcome"]), _word),
    )


def _word(value: str) -> str:
    return value if _WORD.fullmatch(value) else OTHER


def _method(value: str) -> str:
    return value if _METHOD.fullmatch(value) else OTHER
