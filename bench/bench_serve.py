"""Load benchmark for ``python -m bot serve``: signed events and commands over loopback.

Starts the local Slack stand-in (tests/standin) and the real server (gunicorn), pre-signs a
realistic mix of requests — channel messages (some naming glossary terms, so the bot posts
explanations back to the stand-in), thread replies, a few bot messages and ``/define``
commands — then replays them from several client processes over keep-alive connections and
reports throughput and ack latency. Everything runs on 127.0.0.1 and stops by itself.

    .venv/bin/python -m bench.bench_serve            # 20,000 events + 2,000 commands
    .venv/bin/python -m bench.bench_serve --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from bench.synthetic import make_messages
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
OUT = ROOT / "bench" / "out"


def build_requests(
    events: int, commands: int, channels: int, seed: int = 5
) -> list[tuple[str, bytes, dict[str, str]]]:
    """Pre-signed (kind, body, headers) in a shuffled, realistic order."""
    rng = random.Random(seed)
    terms = yaml.safe_load((ROOT / "glossary" / "partnerships.yaml").read_text())["terms"]
    texts = make_messages(terms, events, seed=seed)
    signer = rq.SignedSender("http://127.0.0.1", SECRET)
    prepared: list[tuple[str, bytes, dict[str, str]]] = []
    for number, text in enumerate(texts):
        channel = f"C{number % channels:05d}"
        roll = rng.random()
        if roll < 0.03:
            body = rq.bot_message(text, channel=channel)
        elif roll < 0.25:
            body = rq.thread_reply(
                text, thread_ts=f"1700000000.{number % 500:06d}", channel=channel
            )
        else:
            body = rq.message(text, channel=channel)
        p = signer.prepare("event", body)
        prepared.append(("event", p.body.encode(), p.headers))
    queries = [
        "EQL",
        "what's a VAD?",
        "partnr portl",
        "PRM",
        "CRM",
        "co-selling",
        "list",
        "search commission",
    ]
    for number in range(commands):
        form = rq.slash_command(text=queries[number % len(queries)])
        p = signer.prepare("command", form)
        prepared.append(("command", p.body.encode(), p.headers))
    rng.shuffle(prepared)
    return prepared


def _client(
    port: int, work: list[tuple[str, bytes, dict[str, str]]], threads: int, out: Any
) -> None:
    """One load process: ``threads`` keep-alive connections sharing ``work``."""
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    position = iter(range(len(work)))

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[tuple[str, int, float]] = []
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                break
            kind, body, headers = work[index]
            start = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            local.append((kind, status, time.perf_counter() - start))
        conn.close()
        with lock:
            results.extend(local)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put(results)


def _wait_healthy(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not become healthy")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=2, help="load processes")
    parser.add_argument("--threads", type=int, default=8, help="connections per process")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=3917)
    parser.add_argument(
        "--channels",
        type=int,
        default=20,
        help="partner channels the messages spread over (cooldowns make repeats quiet)",
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.commands = 1_000, 100
    work = build_requests(args.events, args.commands, args.channels)
    with FakeSlackWebAPI() as api, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api.base_url,
            "DATABASE_URL": f"sqlite:///{tmp}/state.sqlite3",
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--port",
                str(args.port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_healthy(args.port)
            queue: Any = multiprocessing.Queue()
            shares = [work[i :: args.clients] for i in range(args.clients)]
            procs = [
                multiprocessing.Process(
                    target=_client, args=(args.port, share, args.threads, queue)
                )
                for share in shares
            ]
            started = time.perf_counter()
            for proc in procs:
                proc.start()
            results = [r for _ in procs for r in queue.get(timeout=600)]
            elapsed = time.perf_counter() - started
            for proc in procs:
                proc.join(timeout=30)
            time.sleep(2.0)  # let listeners finish their posts to the stand-in
            posts = len(api.calls("chat.postMessage"))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    report: dict[str, Any] = {"requests": len(results), "seconds": round(elapsed, 2)}
    report["requests_per_s"] = round(len(results) / elapsed, 1)
    report["errors"] = sum(1 for _, status, _ in results if status != 200)
    for kind in ("event", "command"):
        latencies = [t * 1000 for k, s, t in results if k == kind]
        report[kind] = {
            "count": len(latencies),
            "p50_ms": round(statistics.median(latencies), 2) if latencies else 0,
            "p95_ms": round(percentile(latencies, 0.95), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "max_ms": round(max(latencies, default=0), 2),
        }
    report["explanations_posted"] = posts
    report["setup"] = {
        "gunicorn_workers": args.workers,
        "client_processes": args.clients,
        "connections": args.clients * args.threads,
        "channels": args.channels,
        "cpus": os.cpu_count(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "serve.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
