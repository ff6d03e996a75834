"""Slow and stalled clients against the real gunicorn worker (``bot.slack.http_worker``).

gunicorn runs in a child process with ``gunicorn_options(settings)`` and a small app: the real
``create_wsgi_app`` over a Bolt app whose ``/define`` acks ``pong`` (no Slack, no store), so
what is tested is the HTTP path alone. Pinned down: 100 connections stalled mid-body do not keep
signed requests from being acked, nor do 40 stalled with 1 MiB each (more than the two workers'
BUFFER_CAP: some of those are answered 503 instead); the server closes a stalled connection once
REQUEST_TIMEOUT_S has passed (the client reads EOF); keep-alive, pipelining, ``Expect:
100-continue`` and an oversized body behave. One more test runs the same attack through
``python -m bot serve`` once the runtime uses this worker. Timings are in
bench/bench_slow_clients.py, not here.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.slack.http_request import MAX_BODY
from bot.slack.http_worker import BUFFER_CAP
from tests.standin import FakeSlackWebAPI, Prepared, SentResponse, SignedSender
from tests.standin import requests as rq

from .harness import ROOT, free_port, http_bot, wait_until

SECRET = "slow-clients-secret"
APP = f"""
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from bot.slack.wsgi import create_wsgi_app

def authorize(**_):  # no auth.test: nothing here talks to Slack
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-t", bot_user_id="U1")

bolt = App(authorize=authorize, request_verification_enabled=False, process_before_response=True)
bolt.command("/define")(lambda ack: ack("pong"))
app = create_wsgi_app(bolt, signing_secret={SECRET!r}, ready=lambda: (True, {{"ok": True}}))
"""
CONF = """
from bot.config import load_settings
from bot.logs import gunicorn_logconfig
from bot.slack.http_options import gunicorn_options

globals().update(gunicorn_options(load_settings(dotenv_path=None)))
logconfig_dict = gunicorn_logconfig("INFO", "text")
control_socket_disable = True
"""
STALLED = 100
STALL = (
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n" + b'{"type": "event_callback", "event": {"text": "'
)
"""Headers and the start of a body that never comes."""


class Server(NamedTuple):
    port: int
    log: Path

    @property
    def sender(self) -> SignedSender:
        return SignedSender(f"http://127.0.0.1:{self.port}", SECRET, timeout=10)

    def define(self) -> SentResponse:
        return self.sender.command(rq.slash_command("eql"))

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return sock


@contextmanager
def tiny_server(workdir: Path, conf: str = "", **settings: str) -> Iterator[Server]:
    """gunicorn with the bot's worker and options and the tiny app; stopped on exit.

    ``conf`` is appended to the gunicorn config (the benchmark compares plain gthread with it).
    """
    (workdir / "tiny_app.py").write_text(APP)
    (workdir / "tiny_conf.py").write_text(CONF + conf)
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{workdir}",
        "HOME": str(workdir),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        **settings,
    }
    log = workdir / "gunicorn.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "tiny_conf.py", "tiny_app:app"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    server = Server(port, log)
    try:
        wait_until(lambda: _healthy(server) or proc.poll() is not None, 30, "gunicorn to start")
        assert proc.poll() is None, log.read_text()
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _healthy(server: Server) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@pytest.fixture(scope="module")
def patient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Stalled connections are given 30 s: far longer than any test below needs."""
    with tiny_server(tmp_path_factory.mktemp("patient"), REQUEST_TIMEOUT_S="30") as server:
        yield server


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with tiny_server(tmp_path_factory.mktemp("strict"), REQUEST_TIMEOUT_S="1") as server:
        yield server


def stall(stack: ExitStack, server: Server, count: int, data: bytes = STALL) -> list[socket.socket]:
    """``count`` connections that sent ``data`` and then nothing, closed when ``stack`` exits."""
    socks = []
    for _ in range(count):
        sock = stack.enter_context(server.connect())
        sock.sendall(data)
        socks.append(sock)
    return socks


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (10 s at most per read)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_signed_requests_are_acked_while_100_connections_stall(patient: Server) -> None:
    with ExitStack() as stack:
        stalled = stall(stack, patient, STALLED)
        answers = [patient.define() for _ in range(2 * 8 + 4)]  # more than every thread
        assert [(a.status, a.body) for a in answers] == [(200, "pong")] * 20
        # Still waiting for their bodies, not closed: nothing was read from them but the head.
        for sock in stalled:
            sock.setblocking(False)
        assert [_open(sock) for sock in stalled] == [True] * STALLED


def _open(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True


BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 37"


def test_signed_requests_are_acked_while_stalled_bodies_fill_the_buffer_cap(
    patient: Server,
) -> None:
    big = STALL.replace(b"Content-Length: 1000", b"Content-Length: %d" % MAX_BODY)
    big += b"x" * (MAX_BODY - 1000)
    count = 40  # of just under 1 MiB: each worker holds 16 at most, so 8 or more are refused
    assert count - 2 * BUFFER_CAP // MAX_BODY == 8
    with ExitStack() as stack:
        stalled = stall(stack, patient, count, big)
        answers = [patient.define() for _ in range(20)]
        assert [(a.status, a.body) for a in answers] == [(200, "pong")] * 20
        received = dict.fromkeys(stalled, b"")
        for sock in stalled:
            sock.setblocking(False)

        def refused() -> int:
            for sock in stalled:
                with suppress(BlockingIOError):
                    received[sock] += sock.recv(65536)
            return sum(data.startswith(BUSY) for data in received.values())

        wait_until(lambda: refused() >= 8, 20, "8 refusals")
        assert {data[: len(BUSY)] for data in received.values()} <= {b"", BUSY}


@pytest.mark.parametrize(
    "sent",
    [b"", STALL[:30], STALL, STALL + b"x" * 900],
    ids=["nothing", "half-a-head", "half-a-body", "all-but-100-bytes"],
)
def test_the_server_closes_a_stalled_connection_after_request_timeout_s(
    strict: Server, sent: bytes
) -> None:
    with ExitStack() as stack:
        (sock,) = stall(stack, strict, 1, sent)
        assert read_until_closed(sock) == b""
        assert strict.define().status == 200


def signed_command() -> Prepared:
    return SignedSender("http://unused", SECRET).prepare("command", rq.slash_command("eql"))


def raw_request(prepared: Prepared, *, extra: str = "", body: bool = True) -> bytes:
    head = "POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in prepared.headers.items())
    head += f"Content-Length: {len(prepared.body.encode())}\r\n{extra}\r\n"
    return head.encode() + (prepared.body.encode() if body else b"")


def read_responses(sock: socket.socket, count: int) -> bytes:
    data = b""
    while data.count(b"\r\n\r\npong") < count:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {data!r}"
        data += chunk
    return data


def test_keep_alive_and_pipelined_requests_are_answered_in_order(patient: Server) -> None:
    with patient.connect() as sock:
        sock.sendall(raw_request(signed_command()))
        first = read_responses(sock, 1)
        sock.sendall(raw_request(signed_command()) + raw_request(signed_command()))
        rest = read_responses(sock, 2)
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: keep-alive\r\n" in first
    assert rest.count(b"HTTP/1.1 200 OK\r\n") == 2


def test_expect_100_continue_gets_one_continue_then_the_answer(patient: Server) -> None:
    prepared = signed_command()
    with patient.connect() as sock:
        sock.sendall(raw_request(prepared, extra="Expect: 100-continue\r\n", body=False))
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(prepared.body.encode())
        answer = read_responses(sock, 1)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"100 Continue" not in answer


def test_a_body_over_one_mib_is_refused_without_waiting_for_it(patient: Server) -> None:
    head = STALL.split(b"\r\n\r\n")[0].replace(b"Content-Length: 1000", b"Content-Length: 2097152")
    with patient.connect() as sock:
        sock.sendall(head + b"\r\n\r\n" + b"x" * 1000)
        answer = read_until_closed(sock)
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Payload Too Large"
    assert b"Connection: close\r\n" in rest
    assert rest.endswith(b'{"ok": false, "error": "body too large"}')


WIRED = "http_options" in (ROOT / "bot" / "slack" / "gunicorn.py").read_text()


@pytest.mark.skipif(not WIRED, reason="bot/slack/gunicorn.py does not use gunicorn_options yet")
def test_python_m_bot_serve_acks_while_100_connections_stall(
    stand_in: FakeSlackWebAPI, tmp_path: Path
) -> None:
    with http_bot(stand_in, tmp_path, REQUEST_TIMEOUT_S="5") as bot, ExitStack() as stack:
        server = Server(bot.port, bot.log_path)
        stalled = stall(stack, server, STALLED)
        answers = [bot.command("eql").status for _ in range(20)]
        assert answers == [200] * 20
        assert [read_until_closed(sock) for sock in stalled] == [b""] * STALLED
