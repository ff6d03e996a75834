"""http_worker: when a buffered request is whole, and the gunicorn options (http_options).

Pinned down: ``inspect_request`` (gunicorn's own parser over what the poller buffered) waits for
the whole head and Content-Length bytes of body; hands over at once what the app answers
without a body (too large, chunked) and what gunicorn refuses (a malformed head); and says when
a client waits for ``100 Continue``. ``gunicorn_options`` is a configuration gunicorn accepts,
with keep-alive and thread counts that draw no warning. ``BUFFER_CAP``, on a worker whose loop
runs here one callback at a time: partial bodies never make it hold more than the cap, a signed
request is answered while the cap is reached, and the biggest holder is the one refused. The
worker in gunicorn runs in tests/slack/e2e/test_slow_clients.py.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.http.message import Request
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot import metrics
from bot.config import load_settings
from bot.slack import http_worker, work
from bot.slack.dispatch import Dispatcher
from bot.slack.http_options import NoAccessLog, gunicorn_options, heartbeat_dir, inline_paths
from bot.slack.http_plain import PlainHead, PlainLane
from bot.slack.http_request import MAX_BODY, MAX_HEAD, Arrival, inspect_request
from bot.slack.http_worker import BUFFER_CAP, SlowClientWorker
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.slack.work import Outcome
from bot.slack.wsgi import create_wsgi_app
from bot.store import MemoryStore
from bot.store.base import NewJob
from tests.standin import requests as rq
from tests.standin.signing import SignedSender

from .conftest import WORKSPACE

HEAD = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"


def post(body: bytes, length: int | None = None, extra: bytes = b"") -> bytes:
    size = len(body) if length is None else length
    return HEAD + b"Content-Length: %d\r\n" % size + extra + b"\r\n" + body


def inspect(data: bytes, req_number: int = 1) -> Arrival:
    """What ``inspect_request`` says, without the parser it hands over (tested below)."""
    return inspect_request(Config(), data, req_number)._replace(parsed=None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", Arrival("partial")),
        (HEAD, Arrival("partial")),
        (post(b"")[:-1], Arrival("partial")),
        (post(b'{"type":', 500), Arrival("partial", 95 + 500)),
        (post(b'{"a": 1}'), Arrival("whole", 101)),
        (b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n", Arrival("whole", 36)),
        (post(b"x" * 10, 20, b"Expect: 100-continue\r\n"), Arrival("partial", 116 + 20, True)),
        (post(b"", MAX_BODY), Arrival("partial", 99 + MAX_BODY)),
        (post(b"", MAX_BODY + 1), Arrival("head_only")),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Arrival("head_only")),
        (b"GARBAGE\r\n\r\n", Arrival("whole")),
        (HEAD + b"Content-Length: 12abc\r\n\r\n", Arrival("whole")),
        (HEAD + b"X-Pad: " + b"a" * MAX_HEAD, Arrival("head_only")),
        (HEAD + b"X-Pad: " + b"a" * (MAX_HEAD - len(HEAD) - 7), Arrival("partial")),
    ],
    ids=[
        "nothing", "head-unfinished", "head-one-byte-short", "body-partial", "whole-post",
        "whole-get", "expects-continue", "one-mib-partial", "over-one-mib", "chunked",
        "garbage", "bad-length", "head-over-limit", "head-at-limit",
    ],
)  # fmt: skip
def test_inspect_request(data: bytes, expected: Arrival) -> None:
    """Sizes: a 72-byte head start, plus Content-Length's line and the blank line."""
    assert inspect(data) == expected


def test_pipelined_requests_are_measured_one_at_a_time() -> None:
    first, second = post(b'{"a": 1}'), post(b'{"b": 22}')
    assert inspect(first + second[:10]) == Arrival("whole", len(first))
    assert inspect(second, req_number=2) == Arrival("whole", len(second))


def test_a_whole_request_goes_to_its_thread_parsed() -> None:
    first, second = post(b'{"a": 1}'), post(b'{"b": 22}')
    parser = inspect_request(Config(), first + second[:10], req_number=3).parsed
    assert parser is not None
    request = next(parser)
    assert (request.method, request.path, request.req_number) == ("POST", "/slack/events", 3)
    assert request.body.read() == b'{"a": 1}'
    with pytest.raises(StopIteration):  # one request per hand-over
        next(parser)
    assert parser.unreader.take_buffered() == second[:10]  # the next one's start, handed back
    assert inspect_request(Config(), post(b"", 500)).parsed is None  # not whole: no parser


def settings(**env: str) -> Any:
    return load_settings({"SLACK_SIGNING_SECRET": "s", **env}, dotenv_path=None)


def test_gunicorn_options() -> None:
    options = gunicorn_options(
        settings(HOST="127.0.0.1", PORT="3100", WEB_CONCURRENCY="3", REQUEST_TIMEOUT_S="2.5")
    )
    worker = options.pop("worker_class")
    assert options == {
        "bind": "127.0.0.1:3100",
        "workers": 3,
        "threads": 8,
        "worker_connections": 256,
        "keepalive": 75,
        "timeout": 30,
        "worker_tmp_dir": heartbeat_dir(),  # pinned down below
        "graceful_timeout": 25,
        "accesslog": None,
        "logger_class": NoAccessLog,
    }
    assert issubclass(worker, SlowClientWorker)
    assert worker.request_timeout_s == 2.5
    assert SlowClientWorker.request_timeout_s == 10.0  # the default class is untouched


def test_the_heartbeat_file_lives_in_memory_when_the_host_has_it(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    assert heartbeat_dir(tmp_path) == str(tmp_path)
    assert heartbeat_dir(tmp_path / "missing") is None  # gunicorn's default: the temp folder
    assert heartbeat_dir(tmp_path / "a-file") is None


def test_a_worker_tells_the_master_it_is_alive_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = Loop()
    try:
        beats: list[float] = []
        now = [100.0]
        monkeypatch.setattr(loop.worker.tmp, "notify", lambda: beats.append(now[0]))
        monkeypatch.setattr(http_worker, "time", SimpleNamespace(monotonic=lambda: now[0]))
        for now[0] in (100.0, 100.5, 100.99, 101.0, 101.2, 102.5, 102.6):
            loop.worker.notify()  # what gunicorn's main loop does on every turn
        assert beats == [100.0, 101.0, 102.5]
    finally:
        loop.close()


def test_ipv6_hosts_are_bracketed_and_grace_rounds_up() -> None:
    options = gunicorn_options(settings(HOST="::", PORT="3000", SHUTDOWN_GRACE_S="7.2"))
    assert (options["bind"], options["graceful_timeout"]) == ("[::]:3000", 13)


def test_gunicorn_accepts_the_options_without_a_keepalive_warning(tmp_path: Path) -> None:
    cfg = Config()
    for key, value in gunicorn_options(settings(REQUEST_TIMEOUT_S="1")).items():
        cfg.set(key, value)
    assert (cfg.worker_class.request_timeout_s, cfg.keepalive) == (1.0, 75)
    warnings: list[str] = []
    log = logging.getLogger("test_http_worker")
    log.warning = lambda msg, *args: warnings.append(msg % args)  # type: ignore[method-assign]
    cfg.worker_class.check_config(cfg, log)
    assert warnings == []


def test_gunicorn_builds_no_access_line_the_app_writes_its_own() -> None:
    """With its access log on (``logconfig_dict`` turns it on in the runtime) the stock logger
    builds the line's atoms from these arguments, and fails on None; ours does nothing.

    ``accesslog`` turns it on here instead: a ``logconfig_dict`` would be applied to this test
    process's logging by the logger's setup. gunicorn's access logger gets its handlers back."""
    cfg = Config()
    for key, value in gunicorn_options(settings()).items():
        cfg.set(key, value)
    cfg.set("accesslog", "-")
    assert cfg.logger_class is NoAccessLog
    access_logger = logging.getLogger("gunicorn.access")
    handlers = list(access_logger.handlers)
    try:
        with pytest.raises(AttributeError):
            Logger(cfg).access(None, None, None, None)
        NoAccessLog(cfg).access(None, None, None, None)  # builds nothing, so nothing fails
    finally:
        access_logger.handlers[:] = handlers


# -- BUFFER_CAP ---------------------------------------------------------------------------------

SECRET = "cap-secret"
PARTIAL = post(b"x" * (MAX_BODY - 99), MAX_BODY)
"""MAX_BODY bytes with its 99-byte head, 99 short of whole: 16 of them fill BUFFER_CAP."""
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b'Content-Length: 37\r\nConnection: close\r\n\r\n{"ok": false, "error": "server busy"}'
)


class Loop:
    """The bot's worker over a tiny Bolt app, its main loop run by the test one callback at a time.

    ``peak`` is the most the worker held after any callback; a read, a refusal and a finished
    request each happen within one, so no moment above BUFFER_CAP goes unseen.
    """

    def __init__(self, bolt: App | None = None) -> None:
        if bolt is None:
            bolt = App(authorize=_authorize, request_verification_enabled=False)
            bolt.command("/define")(lambda ack: ack("pong"))
        cfg = Config()
        for key, value in gunicorn_options(settings(REQUEST_TIMEOUT_S="30")).items():
            cfg.set(key, value)
        self.listener = socket.create_server(("127.0.0.1", 0))
        worker: SlowClientWorker = cfg.worker_class(
            0, os.getpid(), [self.listener], None, 30, cfg, Logger(cfg)
        )
        worker.wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: (True, {}))
        worker.tpool = self.tpool = CountingPool(2)
        worker.poller = selectors.DefaultSelector()
        worker.method_queue.init()
        queue = worker.method_queue
        worker.poller.register(queue.fileno(), selectors.EVENT_READ, queue.run_callbacks)
        worker.set_accept_enabled(True)
        self.worker = worker
        self.peak = 0
        self.received: dict[socket.socket, bytes] = {}

    def step(self, timeout: float = 0.0) -> None:
        for key, _ in self.worker.poller.select(timeout):
            key.data(key.fileobj)
            self.peak = max(self.peak, self.worker.buffered_bytes)
        self.worker.murder_pending()  # deadlines: what gunicorn's loop does on every turn
        for sock in self.received:
            with contextlib.suppress(BlockingIOError):
                self.received[sock] += sock.recv(65536)

    def run_until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 10
        while not done():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            self.step(0.01)

    def send(self, data: bytes, sock: socket.socket | None = None) -> socket.socket:
        """Send ``data`` on ``sock`` (default: a new connection), running the loop meanwhile."""
        if sock is None:
            sock = socket.create_connection(self.listener.getsockname())
            sock.setblocking(False)
            self.received[sock] = b""
        rest = [memoryview(data)]

        def sent() -> bool:
            with contextlib.suppress(BlockingIOError):
                rest[0] = rest[0][sock.send(rest[0]) :]
            return not rest[0]

        self.run_until(sent, "the worker to read")
        return sock

    def fill(self, count: int) -> list[socket.socket]:
        """``count`` connections that each sent PARTIAL, every byte read or refused in turn."""
        socks = []
        for n in range(1, count + 1):
            socks.append(self.send(PARTIAL))
            self.settle(max(0, n - 16), min(n, 16) * MAX_BODY)
        return socks

    def settle(self, refused: int, held: int) -> None:
        """Run the loop until ``refused`` clients read a 503 and the worker holds ``held`` bytes."""
        state = (refused, held)
        self.run_until(lambda: (self.refused(), self.worker.buffered_bytes) == state, f"{state}")

    def refused(self) -> int:
        return list(self.received.values()).count(BUSY)

    def close(self) -> None:
        for sock in self.received:
            sock.close()
        for key in list(self.worker.poller.get_map().values()):
            if isinstance(key.fileobj, socket.socket):
                key.fileobj.close()
        self.worker.tpool.shutdown()
        self.worker.poller.close()
        self.worker.method_queue.close()
        self.worker.tmp.close()


class CountingPool(ThreadPoolExecutor):
    """The worker's request threads, counting what they were given."""

    def __init__(self, threads: int) -> None:
        super().__init__(threads)
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def signed_define(text: str = "eql", command: str = "/define") -> bytes:
    """A signed ``/define eql`` as it goes on the wire (the Loop's app answers "pong")."""
    payload = rq.slash_command(text, command=command)
    prepared = SignedSender("http://unused", SECRET).prepare("command", payload)
    head = "POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in prepared.headers.items())
    body = prepared.body.encode()
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def _authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-t", bot_user_id="U1")


@pytest.fixture
def loop() -> Iterator[Loop]:
    loop = Loop()
    try:
        yield loop
    finally:
        loop.close()


def test_partial_bodies_never_make_a_worker_hold_more_than_buffer_cap(loop: Loop) -> None:
    """Each of the last 8 takes the room of one of the first 16, which is answered 503."""
    socks = loop.fill(24)
    assert (loop.peak, loop.worker.buffered_bytes) == (BUFFER_CAP, BUFFER_CAP)
    assert sorted(loop.received[sock] for sock in socks) == [b""] * 16 + [BUSY] * 8


def test_a_signed_request_is_answered_while_buffer_cap_is_reached(loop: Loop) -> None:
    """It takes the room of one stalled connection, which is answered 503."""
    loop.fill(16)
    sock = loop.send(signed_define())
    # Answered, and the connection is back to waiting for its next request, holding nothing.
    loop.run_until(
        lambda: (
            loop.received[sock].endswith(b"pong") and loop.worker.buffered_bytes == 15 * MAX_BODY
        ),
        "the answer",
    )
    assert loop.received[sock].startswith(b"HTTP/1.1 200 OK\r\n")
    assert (loop.refused(), loop.peak) == (1, BUFFER_CAP)


def test_each_request_is_parsed_once_pipelined_or_not(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed in the poller to know it is whole, and not again: Slack's requests by the plain
    lane (httptools) only, other routes by gunicorn only, and not again in the thread."""
    plain: list[str] = []
    parsed: list[int] = []
    parse, plain_head = Request.parse, PlainLane.head

    def counted(request: Request, unreader: Any) -> Any:
        parsed.append(request.req_number)
        return parse(request, unreader)

    def taken(lane: PlainLane, data: bytes) -> PlainHead | None:
        head = plain_head(lane, data)
        plain.append(head.path if head is not None else "-")
        return head

    monkeypatch.setattr(Request, "parse", counted)
    monkeypatch.setattr(PlainLane, "head", taken)
    request = signed_define()
    sock = loop.send(request * 2)  # two in one write, then a third on the same connection
    loop.run_until(lambda: loop.received[sock].count(b"pong") == 2, "two answers")
    loop.send(request, sock)
    loop.run_until(lambda: loop.received[sock].count(b"pong") == 3, "the third answer")
    loop.run_until(lambda: len(loop.worker._waiting) == 1, "the connection back in the poller")
    assert loop.received[sock].count(b"HTTP/1.1 200 OK\r\n") == 3
    assert (plain, parsed) == (["/slack/events"] * 3, [])
    probe = b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n"
    loop.send(probe * 2, sock)  # the fourth and fifth on this connection: gunicorn's
    loop.run_until(lambda: loop.received[sock].count(b'{"ok": true}') == 2, "two probes")
    assert (plain, parsed) == (["/slack/events"] * 3 + ["-", "-"], [1, 2])
    assert loop.tpool.submitted == 2


def test_a_malformed_request_after_a_parsed_one_gets_400_on_the_same_connection(
    loop: Loop,
) -> None:
    """The thread reads it with a parser of its own (the last one held a parsed request)."""
    sock = loop.send(signed_define())
    loop.run_until(lambda: loop.received[sock].endswith(b"pong"), "the answer")
    loop.send(b"GARBAGE\r\n\r\n", sock)
    loop.run_until(lambda: b"HTTP/1.1 400 Bad Request" in loop.received[sock], "the refusal")
    assert loop.received[sock].startswith(b"HTTP/1.1 200 OK\r\n")
    closing = lambda: [c.closing for c in loop.worker._waiting] == [True]  # noqa: E731
    loop.run_until(closing, "the connection to linger before its close")


def test_the_reader_is_refused_when_no_one_holds_more(loop: Loop) -> None:
    """Its request would be whole with 99 more bytes, but the cap is reached by equals."""
    socks = loop.fill(16)
    loop.send(b"x" * 99, socks[0])
    loop.run_until(lambda: loop.received[socks[0]] == BUSY, "the refusal")
    assert (loop.refused(), loop.worker.buffered_bytes, loop.peak) == (
        1,
        15 * MAX_BODY,
        BUFFER_CAP,
    )


# -- answered on the poller (bot/slack/ack_hold.py) ---------------------------------------------

JOB = work.post(WORKSPACE, "D0DM", Message("Glossary: EQL", []), dedupe_key="Ev1:answer")
BIG = 8 << 20
"""An answer no socket takes at once: 8 MiB (Linux's largest default send buffer is 4 MiB)."""


class GatedStore(MemoryStore):
    """Job writes wait for ``open`` (set: a healthy store)."""

    def __init__(self) -> None:
        super().__init__()
        self.open = threading.Event()
        self.writes = 0

    def enqueue(self, jobs: Sequence[NewJob], now: float) -> int:
        self.writes += 1
        assert self.open.wait(30), "the test never opened the store"
        return super().enqueue(jobs, now)


class Held:
    """A Loop whose ``/define`` stores a job before its "pong" goes out, as the bot's listeners
    do (through the dispatcher); ``/free`` stores nothing, ``/big`` answers BIG bytes."""

    def __init__(self) -> None:
        self.store = GatedStore()
        self.enqueuer = ThreadPoolExecutor(1)
        dispatcher = Dispatcher(
            self.store,
            cast(Performer, None),  # runs no task: only the store matters here
            None,
            enqueuer=self.enqueuer,
            deadline_s=30.0,  # a test that needs it passed says so
        )
        bolt = App(
            authorize=_authorize, request_verification_enabled=False, process_before_response=True
        )

        @bolt.command("/define")
        def define(ack: Any) -> None:
            dispatcher.handle(Outcome(ack={"text": "pong"}, jobs=(JOB,)), ack)

        bolt.command("/free")(lambda ack: ack("free"))
        bolt.command("/big")(lambda ack: ack("x" * BIG))
        self.loop = Loop(bolt)

    def close(self) -> None:
        self.store.open.set()
        self.enqueuer.shutdown()
        self.loop.close()


@pytest.fixture
def held() -> Iterator[Held]:
    held = Held()
    try:
        yield held
    finally:
        held.close()


def test_the_poller_answers_once_the_job_is_stored_and_serves_others_meanwhile(
    held: Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop, store = held.loop, held.store
    observed: list[str] = []
    monkeypatch.setattr(
        metrics, "observe_request", lambda kind, outcome, s: observed.append(f"{kind} {outcome}")
    )
    waiting = loop.send(signed_define())
    loop.run_until(lambda: store.writes == 1, "the job's write to start")
    other = loop.send(signed_define(command="/free"))
    loop.run_until(lambda: loop.received[other].endswith(b"free"), "the other answer")
    for _ in range(20):
        loop.step(0.01)
    assert (loop.received[waiting], store.job_stats(0).queued, observed) == (b"", 0, ["command ok"])
    store.open.set()
    loop.run_until(lambda: loop.received[waiting].endswith(b"pong"), "the held answer")
    assert loop.received[waiting].startswith(b"HTTP/1.1 200 OK\r\n")
    assert (store.job_stats(0).queued, observed) == (1, ["command ok", "command ok"])
    assert loop.tpool.submitted == 0  # both answered on the poller, no thread involved
    loop.run_until(lambda: len(loop.worker._waiting) == 2, "both back to waiting for more")


def test_a_held_answer_goes_out_at_the_deadline_while_the_store_stalls(
    held: Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop, store = held.loop, held.store
    errors: list[str] = []  # (the log line is throttled: another test may have written it)
    monkeypatch.setattr(metrics, "store_error", errors.append)
    sock = loop.send(signed_define())
    loop.run_until(lambda: store.writes == 1, "the job's write to start")
    (answer,) = loop.worker._held
    for hold in answer.holds.pending:  # the deadline passes (now, rather than after a wait)
        hold.deadline = 0.0
    loop.worker._next_expiry = 0.0
    loop.run_until(lambda: loop.received[sock].endswith(b"pong"), "the answer")
    assert (store.writes, store.job_stats(0).queued) == (1, 0)
    assert errors == ["enqueue_deadline"]
    store.open.set()
    held.enqueuer.shutdown()  # the late write ends: it commits, and its job answers
    assert store.job_stats(0).queued == 1


def test_an_answer_the_socket_cannot_take_at_once_is_finished_by_a_thread(held: Held) -> None:
    loop = held.loop
    sock = loop.send(signed_define(command="/big"))
    head = b"HTTP/1.1 200 OK\r\n"
    loop.run_until(lambda: len(loop.received[sock]) >= BIG, "most of the answer")
    loop.run_until(lambda: len(loop.worker._waiting) == 1, "the connection kept for more")
    answer = loop.received[sock]
    assert answer.startswith(head) and b"\r\nContent-Length: 8388608\r\n" in answer
    assert answer.endswith(b"\r\n\r\n" + b"x" * BIG)  # every byte, once, in order
    assert loop.tpool.submitted == 1


def test_an_error_while_answering_on_the_poller_is_a_500_and_a_close(loop: Loop) -> None:
    def broken(environ: Any, start_response: Any) -> Any:
        raise RuntimeError("a bug")

    loop.worker.wsgi = broken
    sock = loop.send(signed_define())
    loop.run_until(lambda: b"\r\n\r\n" in loop.received[sock], "the answer")
    assert loop.received[sock].startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    closing = lambda: [c.closing for c in loop.worker._waiting] == [True]  # noqa: E731
    loop.run_until(closing, "the connection to linger before its close")
    assert loop.tpool.submitted == 0


def test_other_routes_and_a_stopping_worker_use_threads(loop: Loop) -> None:
    sock = loop.send(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
    loop.run_until(lambda: loop.received[sock].endswith(b'{"ok": true}'), "the probe")
    assert loop.tpool.submitted == 1
    loop.worker.alive = False
    sock = loop.send(signed_define())
    loop.run_until(lambda: loop.received[sock].endswith(b"pong"), "the answer")
    assert loop.tpool.submitted == 2


def test_oauth_mode_answers_every_request_on_threads() -> None:
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_STATE_SECRET": "t"}
    assert inline_paths(settings()) == frozenset({"/slack/events"})
    assert inline_paths(settings(**oauth)) == frozenset()
    assert gunicorn_options(settings(**oauth))["worker_class"].inline_paths == frozenset()


def test_a_failure_to_record_an_answer_is_logged_and_the_poller_goes_on(
    loop: Loop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The metrics' files on a full disk, say: gunicorn would catch it on a thread."""

    def full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics, "observe_request", full)
    first = loop.send(signed_define())
    loop.run_until(lambda: loop.received[first].endswith(b"pong"), "the first answer")
    second = loop.send(signed_define())
    loop.run_until(lambda: loop.received[second].endswith(b"pong"), "the second answer")
    assert [r.getMessage() for r in caplog.records] == ["recording an answer failed"]


def test_pipelined_requests_are_answered_one_turn_at_a_time(loop: Loop) -> None:
    """Answered on the poller, a pipelined request must not be answered from inside the last
    one's answer: the ~690 that one 64 KiB read holds would nest past Python's recursion limit
    (1,000 frames). Where that limit struck first, a request fell back to a thread (the parser's
    catch-all took the RecursionError for a malformed head) or got a 500 and a close. Here the
    limit is 200 frames above this test's own depth and 1,200 requests come in one write: every
    one must be answered on the poller, none by a thread."""
    tiny = HEAD + b"Content-Length: 2\r\n\r\n{}"  # 95 bytes, unsigned: each gets a 401
    depth, frame = 0, sys._getframe()
    while frame.f_back is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 200)
    try:
        sock = loop.send(tiny * 1200)
        answered = lambda: loop.received[sock].count(b"HTTP/1.1 401 ") == 1200  # noqa: E731
        loop.run_until(answered, "1,200 answers")
    finally:
        sys.setrecursionlimit(limit)
    loop.run_until(lambda: len(loop.worker._waiting) == 1, "the connection waiting for more")
    assert loop.tpool.submitted == 0


# -- the plain lane (bot/slack/http_plain.py) ---------------------------------------------------


def without_server_and_date(answer: bytes) -> bytes:
    """An answer's bytes without the two lines only gunicorn's lane writes differently."""
    lines = answer.split(b"\r\n")
    return b"\r\n".join(x for x in lines if not x.startswith((b"Server: ", b"Date: ")))


@pytest.mark.parametrize(
    "request_bytes",
    [signed_define(), signed_define(command="/other"), post(b'{"a": 1}'), post(b"", 0)],
    ids=["signed", "unknown-command", "unsigned", "empty"],
)
def test_the_plain_lane_answers_what_gunicorns_lane_answers(request_bytes: bytes) -> None:
    answers = []
    for plain in (True, False):
        loop = Loop()
        try:
            if not plain:
                loop.worker._plain_lane = None
            sock = loop.send(request_bytes)
            loop.run_until(lambda: b"\r\n\r\n" in loop.received[sock], "the head")  # noqa: B023
            head, _, _ = loop.received[sock].partition(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            done = lambda: len(loop.received[sock]) >= len(head) + 4 + length  # noqa: B023, E731
            loop.run_until(done, "the body")
            answers.append(loop.received[sock])
            assert loop.tpool.submitted == 0
        finally:
            loop.close()
    plain_answer, gunicorn_answer = answers
    assert b"\r\nServer: gunicorn\r\n" in gunicorn_answer
    assert b"\r\nDate: " in plain_answer and b"Server" not in plain_answer
    assert without_server_and_date(plain_answer) == without_server_and_date(gunicorn_answer)


OLD = b"POST /slack/events HTTP/1.0\r\n"
CLOSE, KEEP = b"Connection: close", b"Connection: keep-alive"


def lingering(loop: Loop) -> Callable[[], bool]:
    return lambda: [c.closing for c in loop.worker._waiting] == [True]


@pytest.mark.parametrize(
    ("line", "extra", "said"),
    [
        (OLD, b"", CLOSE),
        (b"POST /slack/events HTTP/1.1\r\n", CLOSE + b"\r\n", CLOSE),
        (OLD, KEEP + b"\r\n", KEEP),
    ],
    ids=["http-1.0", "close", "http-1.0-keep-alive"],
)  # fmt: skip
def test_the_plain_lane_keeps_or_closes_the_connection_as_http_says(
    loop: Loop, line: bytes, extra: bytes, said: bytes
) -> None:
    request = signed_define()
    request = line + request.split(b"\r\n", 1)[1]
    head, body = request.split(b"\r\n\r\n", 1)
    sock = loop.send(head + b"\r\n" + extra + b"\r\n" + body)
    loop.run_until(lambda: loop.received[sock].endswith(b"pong"), "the answer")
    version = line.split(b" ")[2][:8]
    assert loop.received[sock].startswith(version + b" 200 OK\r\n")
    assert said + b"\r\n" in loop.received[sock]
    if said == CLOSE:
        loop.run_until(lingering(loop), "the connection to linger before its close")
    else:
        loop.run_until(lambda: [c.closing for c in loop.worker._waiting] == [False], "kept")
    assert loop.tpool.submitted == 0


def test_the_plain_lane_counts_requests_toward_max_requests(loop: Loop) -> None:
    """gunicorn's ``max_requests``: the request that reaches it closes its connection, and the
    worker stops taking new ones (its master then replaces it)."""
    loop.worker.max_requests = 2
    sock = loop.send(signed_define())
    loop.run_until(lambda: loop.received[sock].count(b"pong") == 1, "the first answer")
    assert (loop.worker.nr, loop.worker.alive) == (1, True)
    loop.send(signed_define(), sock)
    loop.run_until(lambda: loop.received[sock].count(b"pong") == 2, "the second answer")
    assert (loop.worker.nr, loop.worker.alive) == (2, False)
    assert loop.received[sock].count(b"Connection: keep-alive\r\n") == 1
    assert loop.received[sock].endswith(
        CLOSE + b"\r\ncontent-type: text/plain;charset=utf-8\r\nContent-Length: 4\r\n\r\npong"
    )
    loop.run_until(lingering(loop), "the connection to linger before its close")


def test_a_failure_of_the_plain_lane_itself_is_a_500_and_a_close(
    loop: Loop, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(loop.worker.wsgi, "direct", broken)
    sock = loop.send(signed_define())
    loop.run_until(lambda: b"\r\n\r\n{" in loop.received[sock], "the answer")
    assert loop.received[sock] == (
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        b'Content-Length: 40\r\nConnection: close\r\n\r\n{"ok": false, "error": "internal error"}'
    )
    loop.run_until(lingering(loop), "the connection to linger before its close")
    assert [r.getMessage() for r in caplog.records] == ["failed to answer /slack/events"]
    assert loop.tpool.submitted == 0


def test_a_body_that_trickles_in_is_answered_by_the_plain_lane_once_whole(loop: Loop) -> None:
    request = signed_define()
    sock = loop.send(request[:40])
    loop.send(request[40:-5], sock)
    for _ in range(5):
        loop.step(0.01)
    assert loop.received[sock] == b""
    (conn,) = loop.worker._waiting
    assert conn.plain is not None and conn.size == len(request)
    loop.send(request[-5:], sock)
    loop.run_until(lambda: loop.received[sock].endswith(b"pong"), "the answer")
    assert loop.tpool.submitted == 0
