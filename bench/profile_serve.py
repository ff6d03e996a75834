"""CPU of the serve path per request, in one process, phase by phase, optionally profiled.

``bench_serve`` measures the real server (gunicorn, two workers, threads) and is noisy on a
shared machine. This builds the same WSGI app a gunicorn worker builds (``make_store``,
``make_service``, ``build_runtime``, ``create_wsgi_app``) on a SQLite file or PostgreSQL, with
the Slack stand-in in a child process (so its CPU is not counted), then:

1. **acks**: every pre-signed request of ``bench_serve``'s load through the WSGI callable, one
   after another (the jobs are stored, nothing runs them yet);
2. **jobs**: the job runner drains the queue on this thread (claims, explanations, posts).

It prints CPU µs per request for each phase (this process, every thread: enqueues run on the
dispatcher's pool). Without gunicorn: no HTTP parsing, no access log handler, no job threads
competing for the SQLite lock, so the figures are lower than ``bench_serve``'s and steadier.
``--profile`` runs both phases under cProfile (the ack phase with its enqueues inline, so they
are in the profile) and prints the top functions by their own and cumulative time.

    .venv/bin/python -m bench.profile_serve [--events 2000] [--profile] [--database-url URL]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import pstats
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.bench_serve import NO_COOLDOWN, SECRET, build_requests, explains
from bot.config import load_settings
from bot.slack.app import BotIdentity
from bot.slack.bootstrap import build_runtime, load_glossary, make_service, make_store, open_store
from bot.slack.wsgi import create_wsgi_app
from tests.postgres import fresh_database
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import BOT_ID, BOT_USER_ID, TEAM_ID


def _standin(urls: Any, stop: Any) -> None:
    """The Slack stand-in, in its own process: its CPU is not the bot's."""
    with FakeSlackWebAPI(lean=True) as api:
        urls.put(api.base_url)
        stop.get()


def _environ(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile both phases")
    parser.add_argument("--top", type=int, default=45, help="functions listed per profile")
    parser.add_argument("--database-url", help="PostgreSQL server (a fresh database on it)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        env = stack.enter_context(bench_environment("profile-serve-"))
        if args.database_url:
            env["DATABASE_URL"] = stack.enter_context(fresh_database(args.database_url))
        _run(args, env)


@contextmanager
def bench_environment(prefix: str) -> Iterator[dict[str, str]]:
    """The bot's environment for an in-process bench: a temp folder with a SQLite database,
    and the Slack stand-in in a child process (so its CPU is not the bot's), stopped after."""
    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Queue()
    child = context.Process(target=_standin, args=(urls, stop), daemon=True)
    child.start()
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            yield {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": urls.get(timeout=30),
                "DATABASE_URL": f"sqlite:///{tmp}/state.sqlite3",
                "DATA_DIR": str(Path(tmp) / "data"),
                "LOG_LEVEL": "WARNING",
                "GLOSSARY_RELOAD_S": "0",
                **NO_COOLDOWN,
            }
    finally:
        stop.put(None)
        child.join(10)


def _run(args: argparse.Namespace, env: dict[str, str]) -> None:
    settings = load_settings(env)
    work = build_requests(args.events, args.commands, 1, explains(settings))
    glossary, version = load_glossary(settings, search_now=True)
    open_store(settings, migrate_first=True).close()
    store = make_store(settings)
    service = make_service(settings, glossary, version, store)
    known = BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)
    runtime = build_runtime(settings, service, "xoxb-bench", known, engine=store.engine)
    if args.profile:
        runtime.dispatcher._enqueuer = None  # inline, so cProfile (this thread) sees them
    wsgi = create_wsgi_app(
        runtime.app, signing_secret=SECRET, ready=lambda: (True, {}), access_log=True
    )
    statuses: list[str] = []

    def start_response(status: str, headers: Any) -> None:
        statuses.append(status)

    def acks() -> None:
        for _, body, headers, _, _ in work:
            b"".join(wsgi(_environ(body, headers), start_response))

    def jobs() -> int:
        return runtime.runner.drain(rounds=10**6)

    ack_cpu = _phase("acks", acks, len(work), args)
    done: list[int] = []
    job_cpu = _phase("jobs", lambda: done.append(jobs()), len(work), args)
    bad = sum(1 for status in statuses if not status.startswith("200"))
    print(
        f"{len(work)} requests ({bad} not 200), {done[0]} jobs; CPU µs per request: "
        f"acks {ack_cpu:.0f} + jobs {job_cpu:.0f} = {ack_cpu + job_cpu:.0f}"
    )
    runtime.stop(0)
    store.close()


def _phase(name: str, step: Any, requests: int, args: argparse.Namespace) -> float:
    profiler = cProfile.Profile(time.thread_time) if args.profile else None  # CPU, not waits
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    step()
    if profiler is not None:
        profiler.disable()
    cpu = time.process_time() - cpu
    if profiler is not None:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(f"== {name}, by {order}\n{out.getvalue()}")
    return cpu * 1e6 / requests


if __name__ == "__main__":
    main()
