"""The benchmark's HTTP client (bench/raw_http.py): what it sends is what a server reads, and
a connection is reused until the server closes it."""

from __future__ import annotations

import socket
import threading

import httptools
import pytest

from bench import raw_http
from tests.standin import FakeSlackWebAPI


def test_a_framed_request_is_read_as_sent_and_the_connection_is_reused() -> None:
    with FakeSlackWebAPI(lean=True) as api:
        port = int(api.url.rsplit(":", 1)[1])
        request = raw_http.frame(
            "/api/chat.postMessage",
            f"127.0.0.1:{port}",
            {"Content-Type": "application/json", "Content-Length": "999", "X-Tag": "t"},
            b'{"channel": "C1", "text": "hi"}',
        )
        conn = raw_http.Connection("127.0.0.1", port, timeout=5)
        assert [conn.exchange(request) for _ in range(3)] == [200, 200, 200]
        calls = api.calls("chat.postMessage")
        assert [c.params for c in calls] == [{"channel": "C1", "text": "hi"}] * 3
        assert calls[0].headers["X-Tag"] == "t"
        assert calls[0].headers["Content-Length"] == "31"  # the body's, not the one passed
        conn.close()


def _one_answer_server(answer: bytes) -> tuple[socket.socket, threading.Thread]:
    """A server that reads one request, writes ``answer`` and closes."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        sock, _ = listener.accept()
        with sock:
            sock.recv(65536)
            sock.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_an_answer_cut_short_or_not_http_raises_and_a_closed_connection_is_reopened() -> None:
    request = raw_http.frame("/", "x", {}, b"")
    cases = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", ConnectionResetError),
        (b"NOT HTTP\r\n\r\n", httptools.HttpParserError),
    ]
    for answer, error in cases:
        listener, thread = _one_answer_server(answer)
        conn = raw_http.Connection("127.0.0.1", listener.getsockname()[1], timeout=5)
        with pytest.raises(error):
            conn.exchange(request)
        thread.join(5)
        listener.close()
    closing = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    listener, thread = _one_answer_server(closing)
    port = listener.getsockname()[1]
    conn = raw_http.Connection("127.0.0.1", port, timeout=5)
    assert conn.exchange(request) == 503
    thread.join(5)
    listener.close()  # the server is gone: the closed connection is not used again
    with pytest.raises(ConnectionRefusedError):
        conn.exchange(request)
