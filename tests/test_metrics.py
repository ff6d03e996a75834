"""bot.metrics: the exposition an operator scrapes, in one process and merged across workers.

In-process tests share prometheus_client's default registry with the rest of the run, so
they assert how much a sample moved. Multiprocess mode is chosen when prometheus_client is
first imported, so those tests run the recording side in fresh Python processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.metric_families import ACK_BUCKETS, MULTIPROC_ENV
from bot.store.base import JobStats

ROOT = Path(__file__).resolve().parent.parent


def sample(name: str, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


def parse(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def glossary_samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {key: value for key, value in parse(body).items() if key[0].startswith("glossary_")}


def run_python(code: str, *args: str, multiproc_dir: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != MULTIPROC_ENV}
    if multiproc_dir is not None:
        env[MULTIPROC_ENV] = str(multiproc_dir)
    done = subprocess.run(
        [sys.executable, "-c", dedent(code), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.fixture(autouse=True)
def single_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)


def test_render_lists_every_family_in_prometheus_text() -> None:
    body, content_type = metrics.render()
    families = {f.name: f.type for f in text_string_to_metric_families(body.decode())}
    assert content_type.startswith("text/plain; version=")
    assert {k: v for k, v in families.items() if k.startswith("glossary_")} == {
        "glossary_requests": "counter",
        "glossary_ack_seconds": "histogram",
        "glossary_slack_api_calls": "counter",
        "glossary_store_errors": "counter",
        "glossary_jobs": "counter",
        "glossary_jobs_queued": "gauge",
        "glossary_jobs_running": "gauge",
        "glossary_jobs_failed": "gauge",
        "glossary_jobs_oldest_queued_seconds": "gauge",
        "glossary_terms": "gauge",
        "glossary_info": "gauge",
        "glossary_reloads": "counter",
    }


def test_requests_and_ack_histogram_move() -> None:
    count = sample("glossary_requests_total", kind="command", outcome="ok")
    fast = sample("glossary_ack_seconds_bucket", kind="command", le="0.005")
    faster = sample("glossary_ack_seconds_bucket", kind="command", le="0.0025")
    metrics.observe_request("command", "ok", 0.004)
    metrics.observe_request("command", "ok", 0.004)
    assert sample("glossary_requests_total", kind="command", outcome="ok") == count + 2
    assert sample("glossary_ack_seconds_bucket", kind="command", le="0.005") == fast + 2
    assert sample("glossary_ack_seconds_bucket", kind="command", le="0.0025") == faster
    assert ACK_BUCKETS[:11] == (
        0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("method", "status", "labels"),
    [
        ("chat.postMessage", "ok", ("chat.postMessage", "ok")),
        ("apps.connections.open", "invalid_auth", ("apps.connections.open", "invalid_auth")),
        ("views.publish", "ratelimited", ("views.publish", "ratelimited")),
        ("chat.postMessage", "Connection reset by peer", ("chat.postMessage", "other")),
        ("chat.postMessage", "x" * 41, ("chat.postMessage", "other")),
        ("https://evil.example/api", "ok", ("other", "ok")),
    ],
)
def test_label_values_are_bounded(method: str, status: str, labels: tuple[str, str]) -> None:
    before = sample("glossary_slack_api_calls_total", method=labels[0], status=labels[1])
    metrics.slack_call(method, status)
    after = sample("glossary_slack_api_calls_total", method=labels[0], status=labels[1])
    assert after == before + 1


def test_every_label_value_counts_in_its_own_series_however_many() -> None:
    """Children are remembered per label values, up to a bound: values past it still count."""
    before = [sample("glossary_store_errors_total", operation=f"op_{n}") for n in range(300)]
    other = sample("glossary_store_errors_total", operation="other")
    for n in range(300):
        metrics.store_error(f"op_{n}")
        metrics.store_error(f"op {n}")
    metrics.store_error("op_299")
    after = [sample("glossary_store_errors_total", operation=f"op_{n}") for n in range(300)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1.0] * 299 + [2.0]
    assert sample("glossary_store_errors_total", operation="other") == other + 300


def test_store_errors_jobs_and_reloads_count() -> None:
    store = sample("glossary_store_errors_total", operation="claim_jobs")
    jobs = sample("glossary_jobs_total", kind="explain", outcome="failed")
    reloads = sample("glossary_reloads_total", outcome="error")
    metrics.store_error("claim_jobs")
    metrics.job_done("explain", "failed")
    metrics.glossary_reload("error")
    assert sample("glossary_store_errors_total", operation="claim_jobs") == store + 1
    assert sample("glossary_jobs_total", kind="explain", outcome="failed") == jobs + 1
    assert sample("glossary_reloads_total", outcome="error") == reloads + 1


def test_job_stats_set_the_gauges() -> None:
    metrics.set_job_stats(JobStats(queued=7, running=2, failed=1, oldest_queued_s=12.5))
    assert [
        sample("glossary_jobs_queued"),
        sample("glossary_jobs_running"),
        sample("glossary_jobs_failed"),
        sample("glossary_jobs_oldest_queued_seconds"),
    ] == [7.0, 2.0, 1.0, 12.5]


def test_glossary_version_moves_from_old_to_new() -> None:
    metrics.glossary_loaded(120, "0123456789ab")
    metrics.glossary_loaded(121, "ba9876543210")
    assert sample("glossary_terms") == 121.0
    assert sample("glossary_info", version="0123456789ab") == 0.0
    assert sample("glossary_info", version="ba9876543210") == 1.0


@pytest.mark.parametrize("variable_set_by_hand", [False, True])
def test_prepare_refuses_after_a_single_process_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable_set_by_hand: bool
) -> None:
    """This test process imported prometheus_client without the variable: too late to switch,
    even if the variable is set by hand before the call."""
    if variable_set_by_hand:
        monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path / "metrics"))
    with pytest.raises(RuntimeError, match="call prepare_multiprocess_dir first"):
        metrics.prepare_multiprocess_dir(tmp_path / "metrics")
    assert not (tmp_path / "metrics").exists()


RECORD = """\
import sys
from bot import metrics
for _ in range(int(sys.argv[1])):
    metrics.slack_call("chat.postMessage", "ok")
metrics.observe_request("event", "ok", 0.02)
"""


def test_workers_are_summed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for count in ("3", "4"):
        run_python(RECORD, count, multiproc_dir=tmp_path)
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    samples = parse(metrics.render()[0])
    calls = ("glossary_slack_api_calls_total", (("method", "chat.postMessage"), ("status", "ok")))
    assert samples[calls] == 7.0
    assert samples[("glossary_ack_seconds_count", (("kind", "event"),))] == 2.0
    assert samples[("glossary_ack_seconds_bucket", (("kind", "event"), ("le", "0.02")))] == 2.0
    assert samples[("glossary_ack_seconds_bucket", (("kind", "event"), ("le", "0.015")))] == 0.0


def test_a_file_a_starting_worker_has_not_sized_yet_is_skipped_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_python(RECORD, "3", multiproc_dir=tmp_path)
    (tmp_path / "counter_99999.db").write_bytes(b"")  # created, not yet sized (or never: killed)
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    samples = parse(metrics.render()[0])
    calls = ("glossary_slack_api_calls_total", (("method", "chat.postMessage"), ("status", "ok")))
    assert samples[calls] == 3.0
    assert samples[("glossary_ack_seconds_count", (("kind", "event"),))] == 1.0


GUNICORN_LIKE = """\
import json, os, sys
from pathlib import Path
from bot import metrics
from bot.store.base import JobStats

metrics.prepare_multiprocess_dir(Path(sys.argv[1]))  # the master, before importing anything
metrics.glossary_loaded(10, "aaaaaaaaaaaa")  # the master's own observations are dropped
metrics.slack_call("auth.test", "ok")
pid = os.fork()
if pid == 0:  # a worker
    metrics.glossary_loaded(42, "bbbbbbbbbbbb")
    metrics.set_job_stats(JobStats(queued=3, running=1, failed=0, oldest_queued_s=4.0))
    metrics.slack_call("auth.test", "ok")
    os._exit(0)
os.waitpid(pid, 0)
before = metrics.render()[0].decode()
metrics.mark_process_dead(pid)  # gunicorn's child_exit hook
after = metrics.render()[0].decode()
print(json.dumps({"before": before, "after": after}))
"""


def test_master_prepares_workers_record_dead_workers_gauges_go(tmp_path: Path) -> None:
    (tmp_path / "counter_1.db").write_bytes(b"left over from the last run, not even a db")
    (tmp_path / "notes.txt").write_text("not ours")
    out = json.loads(run_python(GUNICORN_LIKE, str(tmp_path)))
    calls = ("glossary_slack_api_calls_total", (("method", "auth.test"), ("status", "ok")))
    assert glossary_samples(out["before"].encode()) == {
        calls: 1.0,
        ("glossary_info", (("version", "bbbbbbbbbbbb"),)): 1.0,
        ("glossary_terms", ()): 42.0,
        ("glossary_jobs_queued", ()): 3.0,
        ("glossary_jobs_running", ()): 1.0,
        ("glossary_jobs_failed", ()): 0.0,
        ("glossary_jobs_oldest_queued_seconds", ()): 4.0,
    }
    assert glossary_samples(out["after"].encode()) == {calls: 1.0}
    assert (tmp_path / "notes.txt").read_text() == "not ours"
