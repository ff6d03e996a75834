"""Socket Mode clients side by side: ack latency, events/s, a 2,000-envelope burst, outages.

The bench process runs the Slack stand-in (Web API + Socket Mode server, tests/standin); each
client runs in a child process of its own (``--serve``) with a trivial Bolt app whose
``message`` listener does nothing, so the figures are the client's, not the bot's:

- ``builtin``: Bolt's default ``SocketModeHandler`` (slack_sdk's built-in client);
- ``websocket-client``: Bolt's websocket-client ``SocketModeHandler`` as shipped;
- ``ours``: ``bot.slack.socket_mode.run_socket_mode`` (websocket-client, our session loop).

Phases: each of ``--rates`` envelopes/s (Poisson arrivals) for ``--seconds``: ack p50/p99,
from the server's send to the ack's arrival. Without TCP_NODELAY an ack sent while the
previous one is unacknowledged waits for the next event or the server's delayed TCP ACK
(~40 ms). Then ``--burst`` envelopes
written back to back, as Slack delivers a backlog (events/s until the last ack; does the
connection survive?).

``--outage`` instead cuts connections through the stand-in's relay and measures cut → first
ack on a new connection: silently (a NAT forgetting the flow), closed (the peer died), and
closed while ``apps.connections.open`` fails 3 times.

    .venv/bin/python -m bench.bench_socket             # ~35 s
    .venv/bin/python -m bench.bench_socket --outage    # ~50 s
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq
from tests.standin.socket_mode import FakeSocketModeServer

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ("builtin", "websocket-client", "ours")
APP_TOKEN = "xapp-bench"
PING_S = 5.0
OUTAGE_CAP_S = 12.0


# -- child: one client serving a trivial Bolt app ---------------------------------------------


def serve(client: str, api_url: str) -> None:
    import logging

    from slack_bolt import App
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token="xoxb-bench", base_url=api_url),
        token_verification_enabled=False,
        process_before_response=True,
    )
    app.event("message")(lambda: None)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if client == "builtin":
        from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler as Builtin

        Builtin(app, APP_TOKEN).start()  # type: ignore[no-untyped-call]
    elif client == "websocket-client":
        from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler

        SocketModeHandler(app, APP_TOKEN, ping_interval=PING_S).start()  # type: ignore[no-untyped-call]
    else:
        from bot.slack.socket_mode import run_socket_mode

        sys.exit(run_socket_mode(app, APP_TOKEN, ping_interval_s=PING_S))


# -- parent: the stand-in and the measurements ------------------------------------------------


class Child:
    """``python -m bench.bench_socket --serve CLIENT``; stderr kept to count error lines."""

    def __init__(self, client: str, api: FakeSlackWebAPI, logdir: Path) -> None:
        self.log = logdir / f"{client}.stderr.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "bench.bench_socket", "--serve", client, api.base_url]
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(cmd, env=env, stderr=err, cwd=ROOT)

    def errors(self) -> str:
        """How many WARNING/ERROR lines the client logged, and the exception types named."""
        lines = self.log.read_text("utf-8", "replace").splitlines()
        errors = [line for line in lines if line.startswith(("WARNING", "ERROR"))]
        kinds = sorted(
            {
                word.strip(":,()")
                for line in errors
                for word in line.split()
                if word.strip(":,()").endswith("Error")
            }
        )
        return f"{len(errors)} ({', '.join(kinds)})" if kinds else str(len(errors))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def connections(server: FakeSocketModeServer) -> int:
    return server.wait_for_connection(count=0)


def wait_acked(server: FakeSocketModeServer, count: int, idle_s: float = 5.0) -> float:
    """Poll until ``count`` envelopes are acked or acks stop coming; returns when it ended."""
    seen, last_change = -1, time.perf_counter()
    while True:
        acked = len(server.ack_latencies())
        now = time.perf_counter()
        if acked >= count:
            return now
        if acked != seen:
            seen, last_change = acked, now
        elif now - last_change > idle_s:
            return last_change
        time.sleep(0.005)


def send_quietly(server: FakeSocketModeServer, count: int, rate: float | None) -> int:
    """Send ``count`` message envelopes, at once or as Poisson arrivals at ``rate``/s.

    Poisson, not evenly spaced: real events come in clumps, and an ack that Nagle's algorithm
    holds back is released by the next event -- which evenly spaced events always bring soon.
    Returns how many sends failed.
    """
    failed, due, arrivals = 0, time.perf_counter(), random.Random(7)
    for number in range(count):
        if rate:
            due += arrivals.expovariate(rate)
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        try:
            server.send_event(rq.message(f"bench message {number}"), timeout=2)
        except Exception:
            failed += 1
    return failed


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if values else 0.0


def throughput(client: str, args: argparse.Namespace, logdir: Path) -> dict[str, str]:
    with FakeSlackWebAPI() as api, FakeSocketModeServer(api=api, ping_interval=None) as server:
        child = Child(client, api, logdir)
        try:
            server.wait_for_connection(timeout=30)
            send_quietly(server, 50, None)  # warm-up
            wait_acked(server, 50)
            server.reset()
            row = {"client": client}
            for rate in args.rates:
                paced = int(rate * args.seconds)
                send_quietly(server, paced, rate)
                wait_acked(server, paced)
                latencies = sorted(server.ack_latencies().values())
                server.reset()
                row[f"{rate:g}/s ack p50 ms"] = f"{percentile(latencies, 50) * 1000:.1f}"
                row[f"{rate:g}/s p99 ms"] = f"{percentile(latencies, 99) * 1000:.1f}"
                if len(latencies) < paced:
                    row[f"{rate:g}/s p99 ms"] += f" ({paced - len(latencies)} unacked)"
            before = connections(server)
            bodies = [rq.message(f"bench burst {number}") for number in range(args.burst)]
            start, failed = time.perf_counter(), 0
            try:
                server.send_many("events_api", bodies)
            except Exception:
                failed = 1  # the connection went away mid-burst
            end = wait_acked(server, args.burst)
            acked = len(server.ack_latencies())
            return row | {
                "burst events/s": f"{acked / (end - start):,.0f}",
                "burst acked": f"{acked}/{args.burst}",
                "reconnects": str(connections(server) - before + failed),
                "warning/error lines": child.errors(),
            }
        finally:
            child.stop()


def outage(client: str, logdir: Path) -> dict[str, str]:
    """Seconds from each cut to the first ack on a new connection (capped)."""
    row = {"client": client}
    with FakeSlackWebAPI() as api, FakeSocketModeServer(api=api, relay=True) as server:
        child = Child(client, api, logdir)
        try:
            server.wait_for_connection(timeout=30)
            for name, silently, failures in (  # silent last: a client may never notice it
                ("closed s", False, 0),
                ("closed + 3 failed opens s", False, 3),
                ("silent drop s", True, 0),
            ):
                if failures:
                    api.server_error("apps.connections.open", times=failures)
                before = connections(server)
                cut_at = time.perf_counter()
                server.cut(silently=silently)
                try:
                    server.wait_for_connection(timeout=OUTAGE_CAP_S, count=before + 1)
                    envelope = server.send_event(rq.message("after the cut"))
                    server.wait_for_ack(envelope, timeout=5)
                    row[name] = f"{time.perf_counter() - cut_at:.2f}"
                except AssertionError:
                    row[name] = f"> {OUTAGE_CAP_S:.0f} (no ack)"
                    break
            row["apps.connections.open calls"] = str(len(api.calls("apps.connections.open")))
            row["warning/error lines"] = child.errors()
        finally:
            child.stop()
    return row


def table(rows: list[dict[str, str]]) -> str:
    headers = list(dict.fromkeys(key for row in rows for key in row))
    widths = [max(len(h), *(len(row.get(h, "")) for row in rows)) for h in headers]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-|-".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            " | ".join(row.get(h, "").ljust(w) for h, w in zip(headers, widths, strict=True))
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", nargs=2, metavar=("CLIENT", "API_URL"), help=argparse.SUPPRESS)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument(
        "--rates",
        type=lambda v: [float(r) for r in v.split(",")],
        default=[50.0, 200.0],
        help="paced phases, envelopes/s (default 50,200)",
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each paced phase")
    parser.add_argument("--burst", type=int, default=2000, help="envelopes sent at once")
    parser.add_argument("--outage", action="store_true", help="measure reconnects instead")
    parser.add_argument("--logs", type=Path, help="keep each client's stderr in this folder")
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    clients = [c for c in args.clients.split(",") if c]
    with tempfile.TemporaryDirectory(prefix="bench-socket-") as tmp:
        logdir = args.logs or Path(tmp)
        logdir.mkdir(parents=True, exist_ok=True)
        if args.outage:
            rows = [outage(client, logdir) for client in clients]
        else:
            rows = [throughput(client, args, logdir) for client in clients]
    print(table(rows))


if __name__ == "__main__":
    main()
