"""Sustained throughput of ``python -m bot serve``: events acknowledged AND their work done.

An ack alone says little since explanations became durable jobs: the work runs after the ack,
on job threads, and keeps a core busy long after the last request. So a run ends only when every
explanation it should cause has reached the Slack stand-in (tests/standin), and the headline
figure is requests / (first send → last post).

The load is the realistic mix of before (``bench.synthetic.make_messages``: channel messages,
thread replies, a few other bots' messages, ``/define`` commands), pre-signed and replayed from
client processes over keep-alive connections, round-robin over the replicas. Messages go to
``--channels`` channels (200), as in a workspace where the same channels talk all day: each
worker asks ``conversations.info`` once per channel and then uses its cache, as in production.
``--channels 0`` gives every message a channel of its own instead, the cold-cache worst case
(one more Web API call per explanation). The servers run with ``EXPLAIN_COOLDOWN_HOURS=0``, so
no cooldown hides a post (the claim runs the same statements): a message yields exactly one
explanation if the bot's own message listener (``bot.slack.listeners.events``, a pure function)
queues one for it, and that is how the expected posts are counted. Posts are matched to acks by
thread (channel and ``thread_ts``, one per message): lost = expected threads never posted to,
duplicates = extra posts to one thread. A ``/readyz`` poller
records the job queue (queued, running, failed) and the servers' memory (VmRSS of each gunicorn
master and its workers, from /proc); their CPU seconds and context switches (every thread's, a
sign of GIL hand-offs) per request are figures that hold even on a busy machine (Postgres' own
CPU is not in them). The CPU is also split by role (``server_cpu_ms_per_request_by_role``: the
master, the HTTP workers, the job workers, told apart by the process names ``serve`` gives
them), so a change to one side is judged on that side's CPU rather than on the whole.

Modes: ``--backend sqlite`` (one replica) or ``--backend postgres --replicas 2`` (one fresh
database on TEST_DATABASE_URL's server: ``source tests/postgres.sh``); ``--bare`` runs the same
load against a bare Bolt app (bench/bare_bolt.py), the ratio to beat, and ``--bare-async`` against
the same app on uvicorn (bench/bare_bolt_async.py); ``--above-capacity`` sends
3,000 events and 300 commands at 200 requests/s to a Slack answering in 150 ms, faster than
the job threads can post (JOB_WORKERS x workers / 150 ms), and reports how the durable backlog
grows and drains. Settings such as JOB_WORKERS pass through from the environment. Everything
is on 127.0.0.1, bounded in count and time, and every child is stopped on the way out. Figures
and the commands of the full runs: bench/RESULTS-serve.md.

    .venv/bin/python -m bench.bench_serve --quick
    .venv/bin/python -m bench.bench_serve --backend postgres --replicas 2 --slack-latency-ms 150
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack, suppress
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NamedTuple

import httptools
import yaml

from bench import raw_http
from bench.synthetic import make_messages
from bot.config import Settings, load_settings
from bot.slack import work as kinds
from bot.slack.bootstrap import make_service
from bot.slack.listeners.events import message as message_listener
from bot.slack.work import Incoming
from bot.store import MemoryStore
from bot.terms import Glossary
from tests.postgres import fresh_database
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq
from tests.standin.ids import BOT_USER_ID
from tests.standin.web_methods import Answer, Call

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
OUT = ROOT / "bench" / "out"
QUERIES = ("EQL", "what's a VAD?", "partnr portl", "PRM", "CRM", "co-selling", "list", "search x")
PRESETS: dict[str, dict[str, float]] = {  # defaults an explicit flag overrides
    "full": {"events": 20_000, "commands": 2_000, "rate": 0, "slack_latency_ms": 0},
    "quick": {"events": 1_000, "commands": 100, "rate": 0, "slack_latency_ms": 0},
    "above": {"events": 3_000, "commands": 300, "rate": 200, "slack_latency_ms": 150},
    "above-quick": {"events": 600, "commands": 60, "rate": 200, "slack_latency_ms": 150},
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TIMED_OUT, FAILED = -1, 0
"""Statuses a client records for a request that timed out, or whose connection failed."""
Item = tuple[str, bytes, dict[str, str], str, int]
"""(kind, signed body, headers, thread expecting one post or "", replica index)."""
Result = tuple[str, int, float, float, str]
"""(kind, HTTP status, ack seconds, wall time sent, thread expecting a post or "")."""
CHANNELS = 200
"""Channels the messages are spread over (``--channels``)."""
NO_COOLDOWN = {"EXPLAIN_COOLDOWN_HOURS": "0"}
"""Channels repeat, so the bench turns the cooldown off: none may hide an expected post."""


def thread_key(channel: object, thread_ts: object) -> str:
    """Where an explanation goes: one thread per message (matched as ``channel/thread_ts``)."""
    return f"{channel}/{thread_ts}"


# -- the load ---------------------------------------------------------------------------------
def explains(settings: Settings) -> Callable[[dict[str, Any]], bool]:
    """Would the bot queue an explanation for this event body? Asks its own pure listener."""
    glossary = Glossary.from_path(settings.glossary_path, settings.cache_dir)
    listener = message_listener(make_service(settings, glossary, "bench", MemoryStore()))

    def check(body: dict[str, Any]) -> bool:
        jobs = listener(Incoming(body, BOT_USER_ID)).jobs
        return any(job.kind == kinds.EXPLAIN for job in jobs)

    return check


def nothing_posts(body: dict[str, Any]) -> bool:
    """The bare Bolt app posts nothing."""
    return False


def build_requests(
    events: int,
    commands: int,
    replicas: int,
    will_post: Callable[[dict[str, Any]], bool],
    channels: int = CHANNELS,
) -> list[Item]:
    """Pre-signed requests in a shuffled, realistic order, each with its replica. Messages go
    to ``channels`` channels in turn, in the order they are sent, so two messages of one channel
    are ``channels`` messages apart (0: a channel per message)."""
    rng = random.Random(5)
    terms = yaml.safe_load((ROOT / "glossary" / "partnerships.yaml").read_text())["terms"]
    signer = rq.SignedSender("http://127.0.0.1", SECRET)
    order = ["event"] * events + ["command"] * commands
    rng.shuffle(order)
    texts = iter(make_messages(terms, events, seed=5))
    items: list[Item] = []
    sent_events = 0
    for position, kind in enumerate(order):
        replica = position % replicas
        if kind == "command":
            query = QUERIES[position % len(QUERIES)]
            signed = signer.prepare("command", rq.slash_command(text=query))
            items.append(("command", signed.body.encode(), signed.headers, "", replica))
            continue
        number, sent_events = sent_events, sent_events + 1
        channel = f"C{(number % channels if channels else number):07d}"
        text, roll = next(texts), rng.random()
        if roll < 0.03:
            body = rq.bot_message(text, channel=channel)
        elif roll < 0.25:
            body = rq.thread_reply(text, thread_ts=f"1700000000.{number:06d}", channel=channel)
        else:
            body = rq.message(text, channel=channel)
        signed = signer.prepare("event", body)
        event = body["event"]
        thread = thread_key(channel, event.get("thread_ts") or event["ts"])
        expects = thread if will_post(body) else ""
        items.append(("event", signed.body.encode(), signed.headers, expects, replica))
    return items


def _client(
    ports: list[int], work: list[Item], threads: int, rate: float, ready: Any, go: Any, out: Any
) -> None:
    """One load process: ``threads`` keep-alive connections per replica sharing ``work``,
    paced to ``rate`` requests/s (0: as fast as the server answers). Requests are framed
    before the start (``raw_http``), so the run's CPU is the exchanges alone."""
    framed = [
        raw_http.frame("/slack/events", f"127.0.0.1:{ports[replica]}", headers, body)
        for _, body, headers, _, replica in work
    ]
    ready.put(os.getpid())
    start_at: float = go.get()
    cpu = time.process_time()
    results: list[Result] = []
    lock = threading.Lock()
    position = iter(range(len(work)))

    def run() -> None:
        conns = [raw_http.Connection("127.0.0.1", port, timeout=10) for port in ports]
        local: list[Result] = []
        while (index := next(position, None)) is not None:  # next() on a range is atomic
            kind, _, _, channel, replica = work[index]
            pause = start_at + (index / rate if rate else 0.0) - time.time()
            if pause > 0:
                time.sleep(pause)
            sent, started = time.time(), time.perf_counter()
            try:
                status = conns[replica].exchange(framed[index])
            except (OSError, httptools.HttpParserError) as exc:
                status = TIMED_OUT if isinstance(exc, TimeoutError) else FAILED
            local.append((kind, status, time.perf_counter() - started, sent, channel))
        for conn in conns:
            conn.close()
        with lock:
            results.extend(local)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((time.process_time() - cpu, results))


def end_client(client: BaseProcess) -> None:
    """A client still running at the end (an error cut the run short) is stopped."""
    if client.is_alive():
        client.terminate()
    client.join(10)


# -- the Slack stand-in's side ----------------------------------------------------------------
class PostLog:
    """Answers ``chat.postMessage`` after ``latency_s`` and records when each thread's
    posts arrived (kept O(1) per post: this runs in the stand-in's threads)."""

    def __init__(self, api: FakeSlackWebAPI, latency_s: float) -> None:
        self._api = api
        self._latency_s = latency_s
        self._cond = threading.Condition()
        self._expected: set[str] = set()
        self._missing = 0
        self.arrivals: dict[str, list[float]] = {}
        api.on("chat.postMessage", self._answer)

    def expect(self, threads: set[str]) -> None:
        with self._cond:
            self._expected = threads
            self._missing = len(threads - self.arrivals.keys())

    def _answer(self, call: Call) -> Answer:
        thread = thread_key(call.params.get("channel"), call.params.get("thread_ts"))
        with self._cond:
            times = self.arrivals.setdefault(thread, [])
            times.append(call.received_at)
            if len(times) == 1 and thread in self._expected:
                self._missing -= 1
                if not self._missing:
                    self._cond.notify_all()
        if self._latency_s:
            time.sleep(self._latency_s)
        return self._api.answers.answer(call)

    def wait(self, timeout: float) -> None:
        """Until every expected thread got a post, or ``timeout``."""
        with self._cond:
            self._cond.wait_for(lambda: self._missing <= 0, timeout)


# -- the servers ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    args: argparse.Namespace, port: int, env: dict[str, str], log: Path, stack: ExitStack
) -> subprocess.Popen[bytes]:
    """``python -m bot serve`` (or the bare Bolt app), stopped when ``stack`` closes."""
    if args.bare:
        bare = "bench.bare_bolt_async" if args.bare_async else "bench.bare_bolt"
        command = [bare, "--api-url", env["SLACK_API_URL"], "--secret", SECRET]
    else:
        command = ["bot", "serve"]
    command += ["--port", str(port), "--workers", str(args.workers)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *command], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack.callback(stop, proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def wait_ready(proc: subprocess.Popen[bytes], port: int, path: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"the server exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on port {port} was not ready within 120 s")


ROLES = {"glossary-master": "master", "glossary-http": "http", "glossary-jobs": "jobs"}
"""Process names ``serve`` gives its roles (bot/slack/job_process.py ``name_process``) and what
the report calls them; a process without one (the bare app, an older tree) is "unnamed"."""


class Usage(NamedTuple):
    rss_kb: int
    cpu_s: float
    role: str


def tree_usage(root: int) -> dict[int, Usage]:
    """Memory, CPU seconds and role of a gunicorn master and each of its workers, from /proc."""
    pids = [root]
    with suppress(OSError):  # the workers: children of the master's main thread
        pids += [int(p) for p in Path(f"/proc/{root}/task/{root}/children").read_text().split()]
    usage: dict[int, Usage] = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        fields = dict(line.partition(":")[::2] for line in status.splitlines())
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        role = ROLES.get(fields.get("Name", "").strip(), "unnamed")
        usage[pid] = Usage(rss, (int(stat[11]) + int(stat[12])) / CLOCK_TICKS, role)
    return usage


def cpu_by_role(
    first: dict[int, float], last: dict[int, float], roles: dict[int, str]
) -> dict[str, float]:
    """CPU seconds each role spent between the first sample and the last: a process first seen
    later (a replaced worker) counts in full, one that ended counts up to its last sample."""
    spent: dict[str, float] = {}
    for pid, cpu in last.items():
        role = roles.get(pid, "unnamed")
        spent[role] = spent.get(role, 0.0) + cpu - first.get(pid, 0.0)
    return dict(sorted(spent.items()))


def thread_switches(root: int) -> dict[int, tuple[int, int]]:
    """(voluntary, involuntary) context switches of every thread of a gunicorn master and its
    workers, by thread id, from /proc (a thread's figures count itself only)."""
    pids = [root]
    with suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{root}/task/{root}/children").read_text().split()]
    found: dict[int, tuple[int, int]] = {}
    for pid in pids:
        with suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                with suppress(OSError, ValueError, IndexError):
                    lines = (task / "status").read_text().splitlines()
                    counts = {k: int(v) for k, _, v in (ln.partition(":") for ln in lines[-2:])}
                    found[int(task.name)] = (
                        counts["voluntary_ctxt_switches"],
                        counts["nonvoluntary_ctxt_switches"],
                    )
    return found


class Monitor(threading.Thread):
    """Every 0.25 s: the job queue from ``/readyz`` (one replica: the table is shared) and the
    memory of every server process."""

    def __init__(self, readyz_port: int | None, pids: list[int]) -> None:
        super().__init__(name="monitor", daemon=True)
        self.port, self.pids = readyz_port, pids
        self.done = threading.Event()
        self.jobs: dict[str, int] = {}
        self.max_queued = self.max_running = 0
        self.rss_start = self.rss_peak = self.rss_end = self.process_peak = 0
        self.cpu: dict[int, float] = {}
        self.cpu_start = 0.0
        self.cpu_first: dict[int, float] = {}
        """Each process's CPU at the first sample (``cpu_by_role``)."""
        self.roles: dict[int, str] = {}
        self.switches: dict[int, tuple[int, int]] = {}  # last seen, by thread (ended ones kept)
        self.switches_start = (0, 0)

    def total_switches(self) -> tuple[int, int]:
        """(voluntary, involuntary) context switches of the servers' threads since the start."""
        return (
            sum(v for v, _ in self.switches.values()) - self.switches_start[0],
            sum(n for _, n in self.switches.values()) - self.switches_start[1],
        )

    def sample(self) -> None:
        usage = {pid: use for root in self.pids for pid, use in tree_usage(root).items()}
        sizes = [use.rss_kb for use in usage.values()]
        self.cpu.update((pid, use.cpu_s) for pid, use in usage.items())
        self.roles.update((pid, use.role) for pid, use in usage.items())
        self.rss_end, self.rss_start = sum(sizes), self.rss_start or sum(sizes)
        if not self.cpu_start:
            self.cpu_start, self.cpu_first = sum(self.cpu.values()), dict(self.cpu)
        for root in self.pids:
            self.switches.update(thread_switches(root))
        if self.switches_start == (0, 0):
            self.switches_start = self.total_switches()
        self.rss_peak = max(self.rss_peak, self.rss_end)
        self.process_peak = max(self.process_peak, *sizes, 0)
        if self.port is None:
            return
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=5) as r:
                jobs = json.loads(r.read()).get("jobs")
        except (OSError, ValueError):
            return
        if isinstance(jobs, dict):
            self.jobs = jobs
            self.max_queued = max(self.max_queued, int(jobs["queued"]))
            self.max_running = max(self.max_running, int(jobs["running"]))

    def run(self) -> None:
        while not self.done.wait(0.25):
            self.sample()

    def wait_idle(self, timeout: float) -> None:
        """Until a sample shows no job queued or running (the last settle writes), or timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.jobs and self.jobs["queued"] + self.jobs["running"] == 0:
                return
            time.sleep(0.25)


# -- one run ----------------------------------------------------------------------------------
def server_env(
    args: argparse.Namespace, api: FakeSlackWebAPI, tmp: Path, stack: ExitStack
) -> dict[str, str]:
    """The servers' environment; a fresh Postgres database (dropped by ``stack``) if asked."""
    database = f"sqlite:///{tmp}/state.sqlite3"
    if args.backend == "postgres" and not args.bare:
        server = args.database_url or os.environ.get("TEST_DATABASE_URL")
        if not server:
            raise SystemExit("--backend postgres needs TEST_DATABASE_URL: source tests/postgres.sh")
        database = stack.enter_context(fresh_database(server))
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api.base_url,
        "DATABASE_URL": database,
        "DATA_DIR": str(tmp / "data"),
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "GLOSSARY_RELOAD_S": "0",
        "SHUTDOWN_GRACE_S": "5",
        **NO_COOLDOWN,
    }


def run(args: argparse.Namespace) -> tuple[list[Result], PostLog, Monitor, dict[str, float]]:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-serve-")))
        api = stack.enter_context(FakeSlackWebAPI(lean=True))
        posts = PostLog(api, args.slack_latency_ms / 1000)
        env = server_env(args, api, tmp, stack)
        will_post = nothing_posts if args.bare else explains(load_settings(env))
        work = build_requests(args.events, args.commands, args.replicas, will_post, args.channels)
        posts.expect({item[3] for item in work if item[3]})
        ports = [free_port() for _ in range(args.replicas)]
        context = multiprocessing.get_context("spawn")  # no fork of this threaded process
        ready, go, out = context.Queue(), context.Queue(), context.Queue()
        shares = [work[n :: args.clients] for n in range(args.clients)]
        clients = [
            context.Process(
                target=_client,
                args=(ports, share, args.threads, args.rate / args.clients, ready, go, out),
            )
            for share in shares
        ]
        for client in clients:
            client.start()
            stack.callback(end_client, client)
        procs = []
        for number, port in enumerate(ports):
            replica_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"metrics-{number}")}
            log = tmp / f"server-{number}.log"
            procs.append(start_server(args, port, replica_env, log, stack))
            wait_ready(procs[-1], port, "/healthz" if args.bare else "/readyz", log)
        monitor = Monitor(None if args.bare else ports[0], [p.pid for p in procs])
        monitor.sample()
        monitor.start()
        stack.callback(monitor.done.set)
        for _ in clients:
            ready.get(timeout=60)
        start_at, cpu = time.time() + 0.5, time.process_time()
        for _ in clients:
            go.put(start_at)
        send_bound = len(work) / args.rate if args.rate else 0.0
        shares_done = [out.get(timeout=send_bound + args.timeout) for _ in clients]
        posts.wait(args.timeout)
        standin_cpu = time.process_time() - cpu  # this process: mostly the stand-in's threads
        if not args.bare:
            monitor.wait_idle(10.0)
        monitor.done.set()
        monitor.join(5)
        monitor.sample()
        cpu_s = {
            "servers": sum(monitor.cpu.values()) - monitor.cpu_start,
            "load_clients": sum(seconds for seconds, _ in shares_done),
            "standin": standin_cpu,
        }
        return [r for _, share in shares_done for r in share], posts, monitor, cpu_s


# -- the report -------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def spread(values: list[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds."""
    ms = [v * 1000 for v in values]
    return {
        "p50_ms": round(statistics.median(ms), 2) if ms else 0.0,
        "p99_ms": round(percentile(ms, 0.99), 2),
        "max_ms": round(max(ms, default=0.0), 2),
    }


def summarise(
    args: argparse.Namespace,
    results: list[Result],
    posts: PostLog,
    monitor: Monitor,
    cpu_s: dict[str, float],
) -> dict[str, Any]:
    """The figures of one run (see RESULTS-serve.md for what each means)."""
    first_send = min(sent for _, _, _, sent, _ in results)
    last_ack = max(sent + seconds for _, _, seconds, sent, _ in results)
    expected = {ch: sent + seconds for _, status, seconds, sent, ch in results if ch}
    arrived = {ch: times for ch, times in posts.arrivals.items() if ch in expected}
    end = max([last_ack, *(min(times) for times in arrived.values())])
    statuses = [status for _, status, _, _, _ in results]
    events = sum(1 for kind, *_ in results if kind == "event")
    return {
        "label": label(args),
        "requests": len(results),
        "events": events,
        "commands": len(results) - events,
        "completed_per_s": round(len(results) / (end - first_send), 1),
        "completed_s": round(end - first_send, 2),
        "acked_per_s": round(len(results) / (last_ack - first_send), 1),
        "drain_after_last_ack_s": round(end - last_ack, 2),
        "ack_event": spread([s for kind, _, s, _, _ in results if kind == "event"]),
        "ack_define": spread([s for kind, _, s, _, _ in results if kind == "command"]),
        "ack_to_post": spread([min(t) - expected[ch] for ch, t in arrived.items()]),
        "errors": {
            "non_200": sum(1 for s in statuses if s not in (200, TIMED_OUT, FAILED)),
            "timeouts": statuses.count(TIMED_OUT),
            "connection": statuses.count(FAILED),
        },
        "posts": {
            "expected": len(expected),
            "posted": len(arrived),
            "lost": len(expected) - len(arrived),
            "duplicates": sum(len(t) - 1 for t in arrived.values()),
            "unexpected": sum(len(t) for ch, t in posts.arrivals.items() if ch not in expected),
        },
        "jobs": {"max_queued": monitor.max_queued, "max_running": monitor.max_running,
                 "end": monitor.jobs},
        "cpu_s": {name: round(seconds, 2) for name, seconds in cpu_s.items()},
        "server_cpu_ms_per_request": round(cpu_s["servers"] * 1000 / len(results), 3),
        "server_cpu_ms_per_request_by_role": {
            role: round(seconds * 1000 / len(results), 3)
            for role, seconds in cpu_by_role(monitor.cpu_first, monitor.cpu, monitor.roles).items()
        },
        "server_switches_per_request": {
            "voluntary": round(monitor.total_switches()[0] / len(results), 1),
            "involuntary": round(monitor.total_switches()[1] / len(results), 1),
        },
        "rss_mb": {
            "start": round(monitor.rss_start / 1024, 1),
            "peak": round(monitor.rss_peak / 1024, 1),
            "end": round(monitor.rss_end / 1024, 1),
            "largest_process_peak": round(monitor.process_peak / 1024, 1),
        },
        "setup": {
            "replicas": args.replicas, "workers": args.workers, "backend": args.backend,
            "bare": "async" if args.bare_async else args.bare,
            "slack_latency_ms": args.slack_latency_ms, "rate": args.rate,
            "clients": args.clients, "in_flight": args.clients * args.threads,
            "channels": args.channels,
            "job_workers": os.environ.get("JOB_WORKERS", "6"), "cpus": os.cpu_count(),
        },
    }  # fmt: skip


def label(args: argparse.Namespace) -> str:
    app = ("bare-async" if args.bare_async else "bare") if args.bare else args.backend
    load = "above" if args.above_capacity else ("quick" if args.quick else "full")
    rate = f"-{args.rate:g}rps" if args.rate else ""
    return f"{app}-{args.replicas}x{args.workers}-slack{args.slack_latency_ms:g}ms-{load}{rate}"


HEADER = (
    "| run | requests | completed/s | acked/s | event ack ms p50/p99/max | /define ack ms "
    "p50/p99/max | ack→post ms p50/p99/max | errors | posts expected/posted/lost/dup | "
    "max queued | peak RSS MB | drain s | server CPU ms/request |\n" + "|---" * 13 + "|"
)


def row(report: dict[str, Any]) -> str:
    """One line of the table in bench/RESULTS-serve.md (columns: ``HEADER``)."""

    def ms(d: dict[str, float]) -> str:
        return f"{d['p50_ms']:.1f} / {d['p99_ms']:.1f} / {d['max_ms']:.0f}"

    p, e = report["posts"], report["errors"]
    return (
        f"| {report['label']} | {report['requests']} | {report['completed_per_s']} | "
        f"{report['acked_per_s']} | {ms(report['ack_event'])} | {ms(report['ack_define'])} | "
        f"{ms(report['ack_to_post'])} | {sum(e.values())} | "
        f"{p['expected']} / {p['posted']} / {p['lost']} / {p['duplicates']} | "
        f"{report['jobs']['max_queued']} | {report['rss_mb']['peak']} | "
        f"{report['drain_after_last_ack_s']} | {report['server_cpu_ms_per_request']} |"
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--replicas", type=int, default=1, help="serve processes (postgres)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per replica")
    parser.add_argument("--bare", action="store_true", help="a bare Bolt app (bench/bare_bolt.py)")
    parser.add_argument(
        "--bare-async", action="store_true", help="the bare app on uvicorn (bare_bolt_async.py)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--above-capacity", action="store_true", help="send faster than posts go")
    parser.add_argument("--events", type=int, help="20,000 (quick 1,000; above-capacity 3,000)")
    parser.add_argument("--commands", type=int, help="/define requests (2,000; 100; 300)")
    parser.add_argument("--rate", type=float, help="requests/s in all (0: closed loop)")
    parser.add_argument("--slack-latency-ms", type=float, help="chat.postMessage delay")
    parser.add_argument("--clients", type=int, default=2, help="load processes")
    parser.add_argument(
        "--channels", type=int, default=CHANNELS, help="channels messages go to (0: one each)"
    )
    parser.add_argument("--threads", type=int, default=8, help="connections per process")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for posts")
    parser.add_argument("--database-url", help="a Postgres server (default: TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    args.bare = args.bare or args.bare_async
    preset = ("above-" if args.above_capacity else "") + ("quick" if args.quick else "full")
    for name, value in PRESETS[preset.replace("above-full", "above")].items():
        if getattr(args, name) is None:
            setattr(args, name, type(value)(value))
    if min(args.replicas, args.workers, args.clients, args.threads) < 1:
        parser.error("--replicas, --workers, --clients and --threads must be at least 1")
    if args.backend == "sqlite" and args.replicas != 1 and not args.bare:
        parser.error("SQLite serves one replica only (each would have its own file)")
    if args.rate and (args.events + args.commands) / args.rate > 240:
        parser.error("requests are signed up front and expire after 5 minutes: raise --rate")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = summarise(args, *run(args))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"serve-{report['label']}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(HEADER)
    print(row(report))
    errors, posts = report["errors"], report["posts"]
    failed = sum(errors.values()) + posts["lost"] + posts["duplicates"] + posts["unexpected"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
