"""Helpers for the multi-replica tests (``test_replicas*.py``): several ``python -m bot serve``
processes on one PostgreSQL database, messages that each deserve exactly one post, and a TCP
proxy that can cut one bot off from the database.

Why real processes and a real database: what these tests check — no acknowledged work lost
when a replica is killed, none repeated when Slack retries on another replica, migrations that
do not race — only holds through Postgres' row locks and the jobs table shared across hosts.
Each replica gets its own folder (log, metrics), its own process group (so ``kill -9`` takes
the gunicorn master and its workers at once) and is stopped in ``running``'s ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tests.standin import Call, FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import (
    BOT_TOKEN,
    SECRET,
    HttpBot,
    bot_env,
    headers,
    new_channel,
    posts,
    start_together,
)

TITLES = {
    "EQL": "Ecosystem Qualified Lead (EQL)",
    "VAR": "Value-added reseller (VAR)",
    "ISV": "Independent software vendor (ISV)",
}
"""Terms the messages name, and the title each explanation must carry."""


def replica(
    api: FakeSlackWebAPI, workdir: Path, name: str, database_url: str, **settings: str
) -> HttpBot:
    """An unstarted ``serve`` replica (2 workers) in its own process group and folder."""
    home = workdir / name
    home.mkdir()
    env = bot_env(
        home,
        api,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL=database_url,
        DATA_DIR=str(workdir / "data"),  # shared: the glossary cache (written atomically)
        PROMETHEUS_MULTIPROC_DIR=str(home / "metrics"),  # not shared: the master empties it
        **settings,
    )
    bot = HttpBot(api, env, home, name, workers=2)
    bot.new_session = True
    return bot


@contextlib.contextmanager
def running(*bots: HttpBot) -> Iterator[tuple[HttpBot, ...]]:
    """Start ``bots`` together, wait until each is ready; stop them all (and any worker a
    killed master left behind) on exit."""
    try:
        start_together(list(bots))
        yield bots
    finally:
        for bot in bots:
            group = bot.proc.pid if bot.proc is not None else None
            bot.stop()
            if group is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)


# -- messages that each deserve one explanation -------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One message (in a channel of its own, so no cooldown interferes) and what it deserves:
    an explanation of ``title`` in its thread, or, for a mention, the card of ``title``."""

    channel: str
    title: str
    body: dict[str, Any]
    mention: bool = False

    @property
    def ts(self) -> str:
        return str(self.body["event"]["ts"])


def messages(count: int, *, mention_every: int = 0) -> list[Sent]:
    """``count`` messages naming one term each, in turn, each in a fresh channel; every
    ``mention_every``-th one a mention asking the bot about its term instead."""
    sent = []
    for number in range(count):
        term = list(TITLES)[number % len(TITLES)]
        channel = new_channel()
        if mention_every and number % mention_every == mention_every - 1:
            body = rq.app_mention(f"<@{ids.BOT_USER_ID}> what's {term}?", channel=channel)
            sent.append(Sent(channel, TITLES[term], body, mention=True))
        else:
            body = rq.message(f"Message {number}: who owns the {term} pipeline?", channel=channel)
            sent.append(Sent(channel, TITLES[term], body))
    return sent


def tally(api: FakeSlackWebAPI, sent: list[Sent]) -> list[int]:
    """Posts per message, in order."""
    by_channel: dict[str, list[Call]] = {}
    for call in api.calls("chat.postMessage"):
        by_channel.setdefault(str(call.params.get("channel")), []).append(call)
    return [len(by_channel.get(message.channel, [])) for message in sent]


def check_posts(api: FakeSlackWebAPI, sent: list[Sent]) -> None:
    """Every post is the right answer, in the right thread."""
    for message in sent:
        for post in posts(api, message.channel):
            assert post.params["thread_ts"] == message.ts
            if message.mention:
                assert headers(post.params["blocks"]) == [message.title]
            else:
                assert post.params["text"] == f"Glossary: {message.title}"


def mention(channel: str) -> dict[str, Any]:
    return rq.app_mention(f"<@{ids.BOT_USER_ID}> what's an ISV?", channel=channel)


# -- a database connection that can be cut ------------------------------------------------


class CuttableProxy:
    """Forwards ``127.0.0.1:<port>`` to a PostgreSQL server; ``cut`` closes every connection
    and refuses new ones (accepted, then closed at once) until ``restore``.

    This takes one bot's database away without stopping the server other tests use.
    """

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.upstream = (url.host or "127.0.0.1", int(url.port or 5432))
        self._url = url
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="pg-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The database URL, through this proxy."""
        proxied = self._url.set(host="127.0.0.1", port=self.port)
        return proxied.render_as_string(hide_password=False)

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # its relay thread sees EOF and closes it

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self.cut()
        self._closing.set()
        self._thread.join(5)
        self._listener.close()

    def __enter__(self) -> CuttableProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                refused = self._cut
            if refused:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy both ways until either side closes (or ``cut`` shuts them down)."""
        with selectors.DefaultSelector() as selector, client, upstream:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            try:
                while True:
                    for key, _ in selector.select():
                        source: socket.socket = key.fileobj  # type: ignore[assignment]
                        data = source.recv(65536)
                        if not data:
                            return
                        key.data.sendall(data)
            except OSError:
                return
            finally:
                with self._lock:
                    self._open -= {client, upstream}
