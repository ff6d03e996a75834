"""The keep-alive client's HTTP exchange on the wire, against a server that answers with
scripted bytes: what the request carries, answers framed every way HTTP allows (length,
chunked, until the connection closes, after an interim 1xx), headers as slack_sdk shows them,
and answers that are not HTTP or end early (``URLError``, as urllib's were)."""

from __future__ import annotations

import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack.web_client import KeepAliveWebClient

OK = b'{"ok":true}'
JSON = b"Content-Type: application/json; charset=utf-8\r\n"


def answer(head: bytes, body: bytes = OK) -> bytes:
    """A 200 answer with ``head``'s headers and a Content-Length."""
    length = f"Content-Length: {len(body)}\r\n".encode()
    return b"HTTP/1.1 200 OK\r\n" + JSON + head + length + b"\r\n" + body


@dataclass(frozen=True)
class Tls:
    """A server's TLS context and a client's that trusts its certificate."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@dataclass
class Scripted:
    """What the server answered with and what it was sent."""

    answers: list[bytes]
    close: bool = False
    """Close the connection after each answer."""
    tls: Tls | None = None
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        script = self.server.script
        with script.lock:
            script.connections += 1
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = re.search(rb"(?i)content-length: *(\d+)", head)
            body = self.rfile.read(int(length.group(1))) if length else b""
            with script.lock:
                script.requests.append(head + body)
                reply = script.answers.pop(0)
            self.wfile.write(reply)
            self.wfile.flush()
            if script.close:
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: Scripted) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.script.tls is None:
            return sock, address
        return self.script.tls.server.wrap_socket(sock, server_side=True), address


Serve = Callable[[Scripted], KeepAliveWebClient]
"""Starts a scripted server; returns a client of it (no retry handlers: one try per call)."""


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[_Server] = []

    def start(script: Scripted) -> KeepAliveWebClient:
        server = _Server(script)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        scheme, tls = ("https", script.tls.client) if script.tls else ("http", None)
        url = f"{scheme}://127.0.0.1:{server.server_address[1]}/api/"
        return KeepAliveWebClient(
            token="xoxb-wire", base_url=url, timeout=5, ssl=tls, retry_handlers=[]
        )

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A throwaway certificate for 127.0.0.1, made by the ``openssl`` command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder: Path = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    command = f"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout {key} -out {cert}"
    subprocess.run(
        [openssl, *command.split()],
        check=True,
        capture_output=True,
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return Tls(server, ssl.create_default_context(cafile=str(cert)))


def test_https_answers_are_read_on_one_kept_connection(serve: Serve, tls: Tls) -> None:
    script = Scripted([answer(b""), answer(b"")], tls=tls)
    web = serve(script)
    assert [web.api_call("auth.test").data for _ in range(2)] == [{"ok": True}] * 2
    assert (script.connections, web.pool.opened) == (1, 1)


def test_the_request_is_slack_sdks_with_host_and_length(serve: Serve) -> None:
    script = Scripted([answer(b"")])
    web = serve(script)
    web.api_call("chat.postMessage", json={"channel": "C1", "text": "EQL"})
    head, body = script.requests[0].split(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    port = web.base_url.split(":")[2].split("/")[0]
    assert lines[0] == "POST /api/chat.postMessage HTTP/1.1"
    assert {line.split(": ")[0].lower(): line.split(": ")[1] for line in lines[1:4]} == {
        "host": f"127.0.0.1:{port}",
        "accept-encoding": "identity",
        "content-length": str(len(body)),
    }
    assert "Authorization: Bearer xoxb-wire" in lines
    assert body == b'{"channel": "C1", "text": "EQL"}'


def test_answer_headers_are_a_dict_with_the_first_of_a_repeated_one(serve: Serve) -> None:
    web = serve(Scripted([answer(b"X-Slack-Req-Id: r1\r\nX-Slack-Req-Id: r2\r\n")]))
    response = web.api_call("auth.test")
    assert (response.status_code, response.data) == (200, {"ok": True})
    assert response.headers == {
        "Content-Type": "application/json; charset=utf-8",
        "X-Slack-Req-Id": "r1",
        "Content-Length": "11",
    }


def test_a_chunked_answer_is_read_whole_on_a_kept_connection(serve: Serve) -> None:
    chunked = b"HTTP/1.1 200 OK\r\n" + JSON + b"Transfer-Encoding: chunked\r\n\r\n"
    chunked += b'6\r\n{"ok":\r\n5\r\ntrue}\r\n0\r\n\r\n'
    script = Scripted([chunked, chunked])
    web = serve(script)
    assert [web.api_call("auth.test").data for _ in range(2)] == [{"ok": True}] * 2
    assert (script.connections, web.pool.opened) == (1, 1)


def test_an_answer_without_a_length_ends_with_its_connection(serve: Serve) -> None:
    unframed = b"HTTP/1.0 200 OK\r\n" + JSON + b"\r\n" + OK
    script = Scripted([unframed, unframed], close=True)
    web = serve(script)
    assert [web.api_call("auth.test").data for _ in range(2)] == [{"ok": True}] * 2
    assert (script.connections, web.pool.opened) == (2, 2)


def test_an_interim_answer_is_skipped(serve: Serve) -> None:
    web = serve(Scripted([b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"")]))
    assert web.api_call("auth.test").data == {"ok": True}


def test_an_error_status_keeps_its_headers_and_body(serve: Serve) -> None:
    body = b'{"ok":false,"error":"invalid_auth"}'
    refused = answer(b"X-Slack-Req-Id: r9\r\n", body).replace(b"200 OK", b"401 Unauthorized")
    with pytest.raises(SlackApiError) as raised:
        serve(Scripted([refused])).api_call("auth.test")
    response = raised.value.response
    assert (response.status_code, response["error"], response.headers["X-Slack-Req-Id"]) == (
        401,
        "invalid_auth",
        "r9",
    )


@pytest.mark.parametrize(
    "reply",
    [b"SSH-2.0-OpenSSH_9.6\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{}"],
    ids=["not-http", "cut-short"],
)
def test_an_answer_that_is_not_http_or_cut_short_is_a_url_error(serve: Serve, reply: bytes) -> None:
    web = serve(Scripted([reply], close=True))
    with pytest.raises(URLError):
        web.api_call("auth.test")


def test_a_header_that_would_add_a_line_is_refused_before_sending(serve: Serve) -> None:
    script = Scripted([answer(b"")])
    web = serve(script)
    web.token = "xoxb-wire\r\nX-Injected: 1"
    with pytest.raises(ValueError, match="Invalid header"):
        web.api_call("auth.test")
    assert script.requests == []
