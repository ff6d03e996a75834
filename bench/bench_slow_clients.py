"""Ack latency of signed Slack requests while other clients stall or drip (issue 6, section 3).

Starts gunicorn (2 workers) with the bot's options and worker (``bot.slack.http_worker``) and a
small app (``create_wsgi_app`` over a Bolt app whose ``/define`` acks at once), the same server
as tests/slack/e2e/test_slow_clients.py. Then, for each scenario, opens the hostile connections
and sends signed ``/define`` requests one after another, each on a new connection, timing
connect-to-last-byte. Scenarios:

- ``idle``: no other client (the baseline);
- ``stalled``: 100 connections sent headers and 50 of 1000 body bytes, then nothing;
- ``dripping``: 100 connections send their body one byte every 100 ms (never finishing in time);
- ``stalled, gthread``: the 100 stalled connections against gunicorn's stock gthread worker
  with the same options (what the bot ran before), with a 1 s client timeout.

    .venv/bin/python -m bench.bench_slow_clients            # 300 requests per scenario
    .venv/bin/python -m bench.bench_slow_clients --quick    # 50
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from tests.slack.e2e.test_slow_clients import SECRET, STALL, Server, tiny_server
from tests.standin import SignedSender
from tests.standin import requests as rq

HOSTILE = 100


def signed_requests(count: int) -> list[tuple[bytes, dict[str, str]]]:
    signer = SignedSender("http://unused", SECRET)
    prepared = [signer.prepare("command", rq.slash_command("eql")) for _ in range(count)]
    return [(p.body.encode(), p.headers) for p in prepared]


def ack_times(port: int, work: list[tuple[bytes, dict[str, str]]], timeout: float) -> list[float]:
    """Seconds per request (connect to full answer); ``inf`` for a timeout or an error."""
    times = []
    for body, headers in work:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("POST", "/slack/events", body=body, headers=headers)
            response = conn.getresponse()
            ok = response.status == 200 and response.read() == b"pong"
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            conn.close()
        times.append(time.perf_counter() - started if ok else float("inf"))
    return times


def stall(stack: ExitStack, server: Server) -> None:
    for _ in range(HOSTILE):
        sock = stack.enter_context(server.connect())
        sock.sendall(STALL)


def drip(stack: ExitStack, server: Server) -> None:
    """Connections that keep sending, one body byte per 100 ms, until the scenario ends."""
    socks = [stack.enter_context(server.connect()) for _ in range(HOSTILE)]
    for sock in socks:
        sock.sendall(STALL)
    done = threading.Event()

    def run() -> None:
        while not done.wait(0.1):
            for sock in socks:
                # OSError: the server closed it after REQUEST_TIMEOUT_S, as it should.
                with contextlib.suppress(OSError):
                    sock.send(b"x")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    stack.callback(thread.join)
    stack.callback(done.set)


def summary(name: str, times: list[float]) -> str:
    answered = sorted(t * 1000 for t in times if t != float("inf"))
    failed = len(times) - len(answered)
    if not answered:
        return f"| {name} | {len(times)} | 0 | - | - | - | {failed} |"
    p99 = answered[min(len(answered) - 1, int(0.99 * len(answered)))]
    return (
        f"| {name} | {len(times)} | {len(answered)} | {statistics.median(answered):.1f} | "
        f"{p99:.1f} | {answered[-1]:.1f} | {failed} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 requests per scenario")
    args = parser.parse_args(argv)
    count = 50 if args.quick else 300
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ours, stock_dir = Path(tmp) / "ours", Path(tmp) / "gthread"
        ours.mkdir()
        stock_dir.mkdir()
        with tiny_server(ours, REQUEST_TIMEOUT_S="10") as server:
            rows.append(summary("idle", ack_times(server.port, signed_requests(count), 5)))
            for name, attack in (("stalled", stall), ("dripping", drip)):
                with ExitStack() as stack:
                    attack(stack, server)
                    time.sleep(0.5)  # let the server accept every hostile connection first
                    rows.append(summary(name, ack_times(server.port, signed_requests(count), 5)))
        stock = '\nworker_class = "gthread"\n'
        with tiny_server(stock_dir, stock, REQUEST_TIMEOUT_S="10") as server, ExitStack() as stack:
            stall(stack, server)
            time.sleep(0.5)
            times = ack_times(server.port, signed_requests(10), 1)
            rows.append(summary("stalled, gthread", times))

    print("| scenario | requests | acked | p50 ms | p99 ms | max ms | timed out (1 s / 5 s) |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
