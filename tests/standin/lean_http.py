"""A lean HTTP/1.1 front for the Web API stand-in, for benchmarks: httptools, no ``email``.

``http.server`` costs the stand-in ~340 µs of CPU per call (its request line and ``email``
header parsing, buffered files, a log call and a date per answer). In a benchmark that CPU comes
from the same two cores as the bot under test, so ``FakeSlackWebAPI(lean=True)`` serves with
this instead: the same model (a thread per connection, kept alive until the client closes it,
so ``delay`` still holds only its own connection), requests parsed by httptools (llhttp, as the
bot's own ``web_client`` reads answers), answers written in one ``sendall``. What a request
means is decided by ``FakeSlackWebAPI.handle`` either way. Not handled here, since neither
slack_sdk nor the bot sends them: ``Expect: 100-continue`` and pipelined requests beyond the
first of a read (both are answered in order, but a client waiting for ``100`` would wait).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus

import httptools

Answer = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[str, str, dict[str, str], str, bytes], Answer]
"""(HTTP method, target, headers, Content-Type, body) -> (status, headers, body)."""
_READ = 65536


class _Request:
    """The requests one connection has sent so far, as httptools reads them."""

    __slots__ = ("body", "complete", "headers", "method", "parser", "target")

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.complete: list[tuple[str, str, dict[str, str], bytes, bool]] = []
        self.target, self.method = b"", ""
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []

    def on_message_begin(self) -> None:
        self.target, self.method, self.headers, self.body = b"", "", {}, []

    def on_url(self, url: bytes) -> None:
        self.target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1")] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.method = self.parser.get_method().decode("ascii")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        keep = self.parser.should_keep_alive()  # llhttp forgets it once this returns
        target = self.target.decode("latin-1")
        self.complete.append((self.method, target, self.headers, b"".join(self.body), keep))


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def _head(status: int, headers: list[tuple[str, str]], keep: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if not keep:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class LeanServer:
    """Serves ``handle`` on ``address``, with ``socketserver``'s lifecycle methods, so that
    ``FakeSlackWebAPI`` drives it as it drives ``ThreadingHTTPServer``."""

    def __init__(self, address: tuple[str, int], handle: Handler) -> None:
        self._handle = handle
        self._listener = socket.create_server(address, backlog=128)
        self.server_address = self._listener.getsockname()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        self._listener.settimeout(poll_interval)
        try:
            while not self._stopping.is_set():
                try:
                    sock, _ = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break  # the listener was closed
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with self._lock:
                    self._open.add(sock)
                threading.Thread(target=self._serve, args=(sock,), daemon=True).start()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._stopping.set()
        self._stopped.wait(5)

    def server_close(self) -> None:
        self._listener.close()

    def close_connections(self) -> None:
        """Close kept-alive connections too: a stopped Slack answers nobody."""
        shut_down_all(self._lock, self._open)

    def _serve(self, sock: socket.socket) -> None:
        request = _Request()
        try:
            while data := sock.recv(_READ):
                try:
                    request.parser.feed_data(data)
                except httptools.HttpParserError:
                    sock.sendall(_head(400, [("Content-Length", "0")], keep=False))
                    return
                done, request.complete = request.complete, []
                for method, target, headers, body, keep in done:
                    status, answer_headers, answer = self._handle(
                        method, target, headers, _content_type(headers), body
                    )
                    sock.sendall(_head(status, answer_headers, keep) + answer)
                    if not keep:
                        return
        except OSError:
            pass  # a client that went away (a bot killed with ``kill -9``) is not news
        finally:
            with self._lock:
                self._open.discard(sock)
            sock.close()


def shut_down_all(lock: threading.Lock, connections: Iterable[socket.socket]) -> None:
    """Shut down every connection in ``connections`` (read under ``lock``), so kept-alive
    clients see a stopped Slack as a dead one; either front's ``close_connections``."""
    with lock:
        live = list(connections)
    for sock in live:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
