"""CPU per store operation on the job path, one thread, against a SQLite file or PostgreSQL.

``bench_serve`` measures the whole bot and shares the machine with its load generator and the
Slack stand-in; this isolates the store's part of one explained message: enqueue (ack path),
claim and finish (job threads, with a deep queue, as under backlog), the explanation claim
and the reads that decide whether to explain (channel settings, the author's opt-out).
CPU time of this process only (PostgreSQL's own CPU is not in it), so it holds on a busy host.

    .venv/bin/python -m bench.bench_store_jobs
    .venv/bin/python -m bench.bench_store_jobs --database-url "$TEST_DATABASE_URL"   # fresh db
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from bot.store.base import NewJob, Store, Workspace
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore
from tests.postgres import fresh_database

WORKSPACE = Workspace(None, "T0BENCH")
NOW = 1_700_000_000.0


def timed(name: str, runs: int, step: Callable[[int], object]) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    for number in range(runs):
        step(number)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{name:34s} {cpu * 1e6 / runs:8.0f} µs CPU {wall * 1e6 / runs:8.0f} µs wall")


def explain(number: int) -> NewJob:
    payload = {"channel": f"C{number}", "thread_ts": "1.0", "terms": ["EQL"], "claim": f"E{number}"}
    return NewJob("explain", payload, dedupe_key=f"E{number}:explain", workspace=WORKSPACE)


def run(store: Store, jobs: int) -> None:
    timed("enqueue (one job)", jobs, lambda n: store.enqueue([explain(n)], NOW))

    def claim_and_finish(_: int) -> None:
        for job in store.claim_jobs(4, NOW, 30.0, 5):
            store.finish_job(job, NOW)

    timed("claim 4 + finish each (deep queue)", jobs // 8, claim_and_finish)
    timed(
        "claim_explanations (one term)",
        jobs // 2,
        lambda n: store.claim_explanations(WORKSPACE, f"C{n}", "1.0", ["EQL"], NOW, 600.0),
    )
    timed(
        "explain gate (settings + opt-out)",
        jobs // 2,
        lambda n: store.explain_gate(WORKSPACE, f"C{n}", f"U{n}"),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4000)
    parser.add_argument("--database-url", help="a PostgreSQL server (a fresh database on it)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        if args.database_url:
            url = stack.enter_context(fresh_database(args.database_url))
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-jobs-")))
            url = f"sqlite:///{folder}/state.sqlite3"
        upgrade(url)
        store = SqlStore(url)
        stack.callback(store.close)
        run(store, args.jobs)


if __name__ == "__main__":
    main()
