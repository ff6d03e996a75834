"""Acks while job threads run, in one process: job threads giving way or not, paired.

On a shared 2-core machine ``bench_serve``'s ack percentiles mostly measure what else runs, and
runs minutes apart see different machines. This runs what one gunicorn worker runs (the WSGI
app, ``http_options.THREADS`` request threads, the dispatcher's enqueue pool, the job threads)
in one process against the Slack stand-in (a child process, so its CPU is not counted), sends
requests open-loop at ``--rate``, and alternates short segments between modes, so that every
mode sees the same machine within seconds of the others:

- ``before``: job threads that do not give way (no ``AckPriority``), Python's 5 ms switch
  interval (the rest of today's ``JobRunner``, e.g. its wakes, is the same in every mode);
- ``after``: job threads give way to requests in flight (``JobRunner.give_way_to``) and the
  worker's ``SWITCH_INTERVAL_S``; ``defer-only`` and ``switch-only``: one of the two;
  ``after-4-threads`` and ``after-1ms``: ``after`` with 4 request threads, a 1 ms interval.

Each segment is a fresh runtime on the same store: its requests are sent, then its jobs drained.
Per mode: ack ms p50/p99 (from the moment a request was due to its answer, so a request that
waited for a thread counts that wait; no HTTP), CPU ms per request with its jobs (this process,
every thread), context switches per request (getrusage: every thread of this process), and how
long the jobs outlived the last request. Medians over a mode's segments.

    .venv/bin/python -m bench.bench_acks --rate 500 --segments 6 --per-segment 1500
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from bench.bench_serve import SECRET, Item, build_requests, explains, percentile
from bench.profile_serve import _environ, bench_environment
from bot.config import Settings, load_settings
from bot.service import GlossaryService
from bot.slack.app import BotIdentity
from bot.slack.bootstrap import build_runtime, load_glossary, make_service, make_store, open_store
from bot.slack.http_options import THREADS
from bot.slack.http_worker import SWITCH_INTERVAL_S
from bot.slack.priority import AckPriority
from bot.slack.wsgi import create_wsgi_app
from tests.standin.ids import BOT_ID, BOT_USER_ID, TEAM_ID

MODES: dict[str, tuple[bool, float, int]] = {
    "before": (False, 0.005, THREADS),
    "after": (True, SWITCH_INTERVAL_S, THREADS),
    "defer-only": (True, 0.005, THREADS),
    "switch-only": (False, SWITCH_INTERVAL_S, THREADS),
    "after-4-threads": (True, SWITCH_INTERVAL_S, 4),
    "after-1ms": (True, 0.001, THREADS),
}
"""Mode: (job threads give way, GIL switch interval, request threads)."""


def segment(
    settings: Settings,
    service: GlossaryService,
    engine: Engine,
    work: list[Item],
    rate: float,
    mode: str,
) -> dict[str, float]:
    """Send ``work`` at ``rate``, drain its jobs; the figures of this one segment."""
    defer, interval, request_threads = MODES[mode]
    known = BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)
    runtime = build_runtime(settings, service, "xoxb-bench", known, engine=engine)
    priority = AckPriority()
    if defer:
        runtime.runner.give_way_to(priority)
    wsgi = create_wsgi_app(runtime.app, signing_secret=SECRET, ready=lambda: (True, {}))
    latencies: list[float] = []
    lock = threading.Lock()

    def answer(item: Item, due: float) -> None:
        try:
            b"".join(wsgi(_environ(item[1], item[2]), lambda status, headers: None))
        finally:
            if defer:
                priority.end()
        with lock:
            latencies.append(time.perf_counter() - due)

    sys.setswitchinterval(interval)
    runtime.start()
    threads = ThreadPoolExecutor(request_threads, thread_name_prefix="request")
    cpu, usage = time.process_time(), resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    for number, item in enumerate(work):
        due = start + number / rate
        if (pause := due - time.perf_counter()) > 0:
            time.sleep(pause)
        if defer:
            priority.begin()
        threads.submit(answer, item, due)
    threads.shutdown(wait=True)
    last_ack = time.perf_counter()
    while (stats := service.store.job_stats(time.time())).queued + stats.running:
        time.sleep(0.02)
    drained = time.perf_counter()
    cpu, after = time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF)
    runtime.stop(5.0)
    sys.setswitchinterval(0.005)
    switches = after.ru_nvcsw + after.ru_nivcsw - usage.ru_nvcsw - usage.ru_nivcsw
    ms = [seconds * 1000 for seconds in latencies]
    return {
        "p50_ms": statistics.median(ms),
        "p99_ms": percentile(ms, 0.99),
        "cpu_ms_per_request": cpu * 1000 / len(work),
        "switches_per_request": switches / len(work),
        "drain_s": drained - last_ack,
        "sent_per_s": len(work) / (last_ack - start),
    }


def run(args: argparse.Namespace, env: dict[str, str]) -> dict[str, list[dict[str, float]]]:
    settings = load_settings(env)
    count = args.segments * len(args.modes) * args.per_segment
    work = build_requests(count * 10 // 11, count - count * 10 // 11, 1, explains(settings))
    glossary, version = load_glossary(settings, search_now=True)
    open_store(settings, migrate_first=True).close()
    store = make_store(settings)
    service = make_service(settings, glossary, version, store)
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in args.modes}
    chunks = iter(range(0, count, args.per_segment))
    for round_number in range(args.segments):
        for mode in args.modes:
            first = next(chunks)
            figures = segment(
                settings,
                service,
                store.engine,
                work[first : first + args.per_segment],
                args.rate,
                mode,
            )
            results[mode].append(figures)
            shown = ", ".join(f"{k} {v:.2f}" for k, v in figures.items())
            print(f"round {round_number + 1} {mode}: {shown}", flush=True)
    store.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0, help="requests/s (one worker)")
    parser.add_argument("--segments", type=int, default=4, help="segments per mode")
    parser.add_argument("--per-segment", type=int, default=1200, help="requests per segment")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=["before", "after"])
    args = parser.parse_args(argv)
    with bench_environment("bench-acks-") as env:
        results = run(args, env)
    print(f"\n{args.rate:g} requests/s, {args.per_segment} per segment, medians of segments:")
    print("| mode | ack ms p50 | ack ms p99 | CPU ms/request | switches/request | drain s |")
    print("|---|---|---|---|---|---|")
    for mode, segments in results.items():
        p50, p99, cpu, switches, drain = (
            statistics.median(run[key] for run in segments)
            for key in ("p50_ms", "p99_ms", "cpu_ms_per_request", "switches_per_request", "drain_s")
        )
        print(f"| {mode} | {p50:.1f} | {p99:.1f} | {cpu:.3f} | {switches:.1f} | {drain:.2f} |")


if __name__ == "__main__":
    main()
