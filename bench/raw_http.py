"""The load generator's side of HTTP/1.1: requests framed once, answers read by httptools.

Why not ``http.client``, as before: building each request (``putrequest``, ``putheader``) and
parsing each answer's headers with the ``email`` package cost the load processes ~210 µs of CPU
per request, taken from the same two cores as the server under test (bench/RESULTS-serve.md).
Here every request is framed to bytes before the run starts, and an exchange is one
``sendall``, usually one ``recv``, and a C parse (httptools: llhttp, as ``bot.slack.web_client``
uses), so the harness takes less of what the figures are meant to measure.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

import httptools

_READ = 65536
_SET_HERE = frozenset({"host", "content-length"})


def frame(path: str, host: str, headers: Mapping[str, str], body: bytes) -> bytes:
    """A POST as it goes on the wire (Host and Content-Length from the request itself)."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in _SET_HERE]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Answer:
    """One answer as httptools reads it; only its end and keep-alive matter here."""

    __slots__ = ("done", "keep", "parser")

    def __init__(self) -> None:
        self.done = False
        self.keep = False
        self.parser = httptools.HttpResponseParser(self)

    def on_message_complete(self) -> None:
        self.done = True
        self.keep = self.parser.should_keep_alive()  # llhttp forgets it once this returns


class Connection:
    """One kept-alive connection to a server; reconnects when the server has closed it."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._address = (host, port)
        self._timeout = timeout
        self._sock: socket.socket | None = None

    def exchange(self, request: bytes) -> int:
        """Send a framed request and read its whole answer; its status. Raises ``OSError``
        (``TimeoutError`` past the timeout) or ``httptools.HttpParserError``, and then the
        connection is closed (the next exchange opens a new one)."""
        sock = self._sock or self._connect()
        answer = _Answer()
        try:
            sock.sendall(request)
            while not answer.done:
                data = sock.recv(_READ)
                if not data:
                    raise ConnectionResetError("the server closed the connection mid-answer")
                answer.parser.feed_data(data)
        except BaseException:
            self.close()
            raise
        if not answer.keep:
            self.close()
        return int(answer.parser.get_status_code())

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self._address, timeout=self._timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        return sock
