"""CPU of recording metrics, per call, in one process and in multiprocess mode.

Every ack records ``observe_request`` and every Web API call ``slack_call``; under gunicorn
each update also writes prometheus_client's mmap'd file (``PROMETHEUS_MULTIPROC_DIR``). The
mode is fixed when prometheus_client is first imported, so each mode runs in a fresh process.

    .venv/bin/python -m bench.bench_metrics [--calls 200000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

MODES = ("in-process", "multiprocess")


def _measure(calls: int) -> None:
    """In this process: the best of five rounds, in CPU µs per call."""
    from bot import metrics

    def observe() -> None:
        for _ in range(calls):
            metrics.observe_request("event", "ok", 0.004)

    def slack() -> None:
        for _ in range(calls):
            metrics.slack_call("chat.postMessage", "ok")

    for name, step in (("observe_request", observe), ("slack_call", slack)):
        best = float("inf")
        for _ in range(5):
            cpu = time.process_time()
            step()
            best = min(best, time.process_time() - cpu)
        print(f"  {name}: {best * 1e6 / calls:.2f} µs")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _measure(args.calls)
        return
    for mode in MODES:
        with tempfile.TemporaryDirectory(prefix="bench-metrics-") as path:
            env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
            if mode == "multiprocess":
                env["PROMETHEUS_MULTIPROC_DIR"] = path
            print(mode, flush=True)
            command = [sys.executable, "-m", "bench.bench_metrics", "--child"]
            subprocess.run([*command, "--calls", str(args.calls)], env=env, check=True)


if __name__ == "__main__":
    main()
