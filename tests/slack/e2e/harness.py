"""Run the real bot (``python -m bot …``) as a child process against the Slack stand-in.

Why a subprocess and not an in-process Bolt app: the things most likely to break in production
live outside the listeners — gunicorn's worker processes sharing one SQLite store, settings read
from the environment, start-up checks, signal handling, what ends up in the log. Everything
binds to 127.0.0.1, every wait has a deadline, and every child is stopped (SIGTERM, then kill).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from tests.standin import Call, FakeSlackWebAPI, SentResponse, SignedSender, ids
from tests.standin import requests as rq

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-bot-token"
APP_TOKEN = "xapp-e2e-app-token"
ACK_DEADLINE = 2.5
"""Slack gives up on an answer after 3 s; leave half a second for the network."""
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(home: Path, api: FakeSlackWebAPI | None = None, **settings: str) -> dict[str, str]:
    """A clean environment: nothing inherited that could name a real Slack or database.

    HOME/XDG_RUNTIME_DIR point into ``home`` because gunicorn ≥25 opens a control socket
    there (``~/.gunicorn/gunicorn.ctl``): two bots sharing the real HOME would fight over it.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home),
        "LOG_LEVEL": "INFO",
        "HOST": "127.0.0.1",
        "DATA_DIR": str(home),  # the glossary cache and the metrics folder, per bot
        "DATABASE_URL": f"sqlite:///{home}/state.sqlite3",
    }
    if api is not None:
        env["SLACK_API_URL"] = api.base_url
    env.update(settings)
    return env


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` (what ``check`` will report)."""
    return text[: text.index(needle)].count("\n") + 1


def wait_until(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class BotProcess:
    """One ``python -m bot <args>`` child; its stderr goes to ``<workdir>/<name>.stderr.log``.

    ``new_session = True`` starts it as a process group of its own, so ``kill_group`` can
    SIGKILL the gunicorn master and its workers at once, as a crashed host or ``kill -9`` does.
    """

    new_session = False

    def __init__(self, args: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.args, self.env, self.workdir = args, env, workdir
        self.log_path = workdir / f"{name}.stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [PYTHON, "-m", "bot", *self.args],
                env=self.env,
                cwd=self.workdir,  # no stray .env from the repo root
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=self.new_session,
            )
        return self

    def kill_group(self, sig: int = signal.SIGKILL) -> int | None:
        """Send ``sig`` to the whole process group (needs ``new_session``); with SIGKILL,
        return the exit code once the child is reaped."""
        if self.proc is None or not self.new_session:
            raise RuntimeError("kill_group needs a started process with new_session = True")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        if sig != signal.SIGKILL:
            return None
        proc, self.proc = self.proc, None
        return proc.wait(5)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait up to ``timeout``, then SIGKILL; returns the exit code."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
        return proc.wait(5)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self, since: int = 0) -> str:
        """The child's stderr so far, from character ``since`` (see ``mark``)."""
        text = self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""
        return text[since:]

    def mark(self) -> int:
        """Where the log ends now: ``log(since=mark)`` is what a test added to a shared log."""
        return len(self.log())

    def wait_for_log(self, needle: str, timeout: float = 5.0) -> str:
        return wait_until(lambda: self.log() if needle in self.log() else None, timeout, needle)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class HttpBot(BotProcess):
    """``python -m bot serve`` on a free port, with a signed sender for Slack's requests."""

    def __init__(
        self, api: FakeSlackWebAPI, env: dict[str, str], workdir: Path, name: str, workers: int
    ) -> None:
        self.port = free_port()
        args = ["serve", "--port", str(self.port), "--workers", str(workers)]
        super().__init__(args, env, workdir, name)
        self.api, self.workers = api, workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.sender = SignedSender(self.url, SECRET, timeout=10)

    def start(self) -> Self:
        """Start and wait until it is ready (the master checks the token with auth.test once,
        before forking; workers call nothing at boot)."""
        super().start()
        try:
            wait_until(self._ready_or_dead, 30, f"GET {self.url}/readyz")
            if not self.alive():
                raise AssertionError(f"the bot exited during start-up:\n{self.log()}")
        except BaseException:
            self.stop()
            raise
        return self

    def _ready_or_dead(self) -> bool:
        if not self.alive():
            return True  # start() reports the log
        try:
            return self.ready()[0] == 200
        except (OSError, ValueError):
            return False

    def ready(self) -> tuple[int, dict[str, Any]]:
        status, body = self.get("/readyz")
        return status, json.loads(body)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no durable job is queued or running: everything acked so far is done.

        This is the signal negative checks wait for ("no second post"): a job is deleted only
        after its Slack call returned, and a request that made no job made none before its ack.
        """

        def idle() -> bool:
            jobs = self.ready()[1].get("jobs")
            return isinstance(jobs, dict) and jobs["queued"] == 0 and jobs["running"] == 0

        wait_until(idle, timeout, "the job queue to drain")

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    def health(self) -> tuple[int, dict[str, Any]]:
        status, body = self.get("/healthz")
        return status, json.loads(body)

    def command(self, text: str, **form: Any) -> SentResponse:
        return self.sender.command(rq.slash_command(text, **form))

    def event(self, body: dict[str, Any], **options: Any) -> SentResponse:
        return self.sender.event(body, **options)

    def interactive(self, payload: dict[str, Any], **options: Any) -> SentResponse:
        return self.sender.interactive(payload, **options)


def start_together(bots: list[HttpBot], timeout: float = 60.0) -> None:
    """Start every bot at the same moment (say, replicas on an empty database), then wait until
    each is ready; on failure every one is stopped and the first failure's log is shown."""
    try:
        for bot in bots:
            BotProcess.start(bot)
        for bot in bots:
            wait_until(bot._ready_or_dead, timeout, f"GET {bot.url}/readyz")
            if not bot.alive():
                raise AssertionError(f"{bot.log_path.name}: exited during start-up:\n{bot.log()}")
    except BaseException:
        for bot in bots:
            bot.stop()
        raise


@contextmanager
def http_bot(
    api: FakeSlackWebAPI, workdir: Path, *, name: str = "serve", workers: int = 2, **settings: str
) -> Iterator[HttpBot]:
    """A started HTTP bot (gunicorn's default 2 workers), stopped on exit.

    ``settings`` are extra environment variables, e.g. ``EXPLAIN_COOLDOWN_HOURS="24"``.
    """
    env = bot_env(workdir, api, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, **settings)
    with HttpBot(api, env, workdir, name, workers) as bot:
        yield bot


# -- reading what the bot sent ------------------------------------------------------------


def new_channel() -> str:
    """A channel id no other test used: cooldowns are per channel."""
    return ids.new_id("C")


def posts(api: FakeSlackWebAPI, channel: str) -> list[Call]:
    return [c for c in api.calls("chat.postMessage") if c.params.get("channel") == channel]


def wait_posts(
    api: FakeSlackWebAPI, channel: str, count: int = 1, timeout: float = 5.0
) -> list[Call]:
    def enough() -> list[Call] | None:
        found = posts(api, channel)
        return found if len(found) >= count else None

    return wait_until(enough, timeout, f"{count} chat.postMessage call(s) to {channel}")


def strings(value: Any) -> list[str]:
    """Every string anywhere in a JSON-like value (to search all text fields at once)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def headers(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "header"]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button: in actions blocks and as section accessories, in order."""
    found: list[dict[str, Any]] = []
    for block in blocks:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> str:
    """Section and context text of ``blocks``, one string per line, for substring checks."""
    lines = [(b.get("text") or {}).get("text") for b in blocks]
    lines += [e.get("text") for b in blocks for e in b.get("elements", [])]
    return "\n".join(line for line in lines if isinstance(line, str))
