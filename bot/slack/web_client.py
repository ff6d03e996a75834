"""A slack_sdk ``WebClient`` that keeps its HTTP connections open between calls.

slack_sdk's synchronous client sends every call through ``urllib.request.urlopen``: a new TCP
connection (and, against slack.com, a new TLS handshake) per call, closed after the answer.
Under load that is a good part of a post's CPU and a round trip or two of its latency, and
slack_sdk offers no session to pass in. ``KeepAliveWebClient`` replaces only the last step of
a call, the HTTP exchange itself (``_perform_urllib_http_request_internal``, the same in every
slack_sdk 3.x), with a kept-alive connection: the request (URL, headers, body) is the one
slack_sdk built, the answer has the shape it expects, and failures look as urllib's did, so
slack_sdk's retry handlers, its errors and our ``Performer`` behave as before:

- a status outside 2xx raises urllib's ``HTTPError`` with the headers and body (429's
  ``Retry-After`` reaches ``RateLimitErrorRetryHandler``, 5xx ``ServerErrorRetryHandler``);
- a timeout once the request is under way raises ``TimeoutError``, as urllib's socket did (not
  retried: the post may have gone out); any other network failure, connecting included, and an
  answer that is not HTTP raise ``URLError`` (retried by ``ConnectionErrorRetryHandler``, as a
  refused or reset connection was).

The exchange: ``http.client`` opens the connection (TCP, TLS with the client's ``ssl`` context),
then the request goes out in one write and the answer is read with ``httptools`` (llhttp, the C
parser uvicorn uses). ``http.client``'s own requests and answers (headers parsed by the
``email`` package) cost ≈ 110 of a call's ≈ 255 µs of CPU against the stand-in; a 2xx answer's
headers are now a plain dict (all that slack_sdk does with them), an error's still an
``HTTPMessage`` inside urllib's ``HTTPError``.
Why not a urllib3 pool: its pool, retry and response layers cost about as much CPU per call as
the exchange itself (≈ 130 µs of ≈ 280 µs against the stand-in, bench/RESULTS-serve.md), and
it parses headers with ``http.client`` too. ``ConnectionPool`` keeps one connection per thread
and host (a thread makes one call at a time, so no checkout, no lock), and drops a kept-alive
connection the server has closed before using it again, as urllib3 does. Nothing here
retries: slack_sdk's handlers decide. A proxy (``proxy=`` or the ``HTTPS_PROXY`` variables
slack_sdk reads) keeps slack_sdk's own urllib path. One pool may serve many clients (one per
workspace token in OAuth mode).
"""

from __future__ import annotations

import functools
import http.client
import io
import threading
import weakref
from email.message import Message
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

import httptools
from slack_sdk.web import WebClient
from urllib3.util.wait import wait_for_read

_Key = tuple[str, str, int]
"""(scheme, host, port) of a connection."""
_READ = 65536
"""Bytes asked of the socket at a time (a Web API answer is usually one read)."""
_SET_HERE = frozenset({"host", "content-length", "accept-encoding"})
"""Request headers written from the request itself, whatever slack_sdk's headers say."""
_FRAMING = frozenset({"content-length", "transfer-encoding"})
"""Answer headers that say where its body ends (without one: where the connection does)."""


class ConnectionPool:
    """Kept-alive connections, one per thread and host; safe to share between threads and
    clients. Every open connection closes when the pool goes away."""

    def __init__(self, ssl_context: Any = None) -> None:
        self._ssl = ssl_context
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[http.client.HTTPConnection] = set()
        weakref.finalize(self, _close_all, self._open)
        self.opened = 0
        """Connections opened so far (a kept-alive one is opened once)."""

    def connection(self, scheme: str, host: str, port: int, timeout: float | None) -> Any:
        """This thread's open connection to the host; raises OSError if it cannot connect."""
        conns: dict[_Key, http.client.HTTPConnection] = self._local.__dict__.setdefault("c", {})
        key = (scheme, host, port)
        conn = conns.get(key)
        if conn is not None and (conn.sock is None or wait_for_read(conn.sock, timeout=0.0)):
            self.discard(*key)  # closed, or closed by the server (readable = EOF) while it idled
            conn = None
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._ssl)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            conns[key] = conn
            try:
                conn.connect()
            except BaseException:
                del conns[key]
                conn.close()
                raise
            with self._lock:
                self._open.add(conn)
                self.opened += 1
        else:
            conn.sock.settimeout(timeout)
        return conn

    def discard(self, scheme: str, host: str, port: int) -> None:
        """Close this thread's connection to the host (after a failure mid-exchange)."""
        conns: dict[_Key, http.client.HTTPConnection] = self._local.__dict__.get("c", {})
        conn = conns.pop((scheme, host, port), None)
        if conn is not None:
            with self._lock:
                self._open.discard(conn)
            conn.close()


def _close_all(conns: set[http.client.HTTPConnection]) -> None:
    for conn in list(conns):
        conn.close()


def connection_pool(ssl_context: Any = None) -> ConnectionPool:
    """The keep-alive pool to share between clients (thread-safe)."""
    return ConnectionPool(ssl_context)


class _Answer:
    """One HTTP answer as httptools reads it (its parser calls the ``on_`` methods)."""

    __slots__ = ("body", "done", "headed", "headers", "keep", "parser", "reason")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.reason = b""
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.headed = False
        self.done = False
        self.keep = False
        """The connection may carry the next request (llhttp's word, read while it knows)."""

    def on_message_begin(self) -> None:  # again after an interim (1xx) answer: start afresh
        self.reason, self.headers, self.body, self.headed = b"", [], [], False

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))  # as http.client

    def on_headers_complete(self) -> None:
        self.headed = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = self.parser.get_status_code() >= 200
        self.keep = self.parser.should_keep_alive()  # llhttp forgets it once this returns

    def read(self, sock: Any) -> None:
        """Read until the answer is complete; an early end of the connection is a reset."""
        while not self.done:
            data = sock.recv(_READ)
            if data:
                self.parser.feed_data(data)
            elif self.headed and not any(k.lower() in _FRAMING for k, _ in self.headers):
                self.done = True  # an answer without a length ends with the connection
            else:
                raise http.client.RemoteDisconnected("Slack closed the connection mid-answer")


@functools.lru_cache(maxsize=64)
def _media(content_type: str) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type value, read by the ``email`` package once per
    distinct value (Slack sends one or two)."""
    message = Message()
    message["Content-Type"] = content_type
    return message.get_content_type(), message.get_content_charset()


@functools.lru_cache(maxsize=64)
def _target(url: str) -> _Key | None:
    """(scheme, host, port) of a Web API URL, None for a URL urllib should open itself."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80)


def _request_bytes(req: Request, body: bytes) -> bytes:
    """The request as it goes on the wire: slack_sdk's headers, Host and Content-Length."""
    lines = [
        f"{req.get_method()} {req.selector or '/'} HTTP/1.1",
        f"Host: {req.host}",
        "Accept-Encoding: identity",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in req.header_items() if k.lower() not in _SET_HERE]
    head = "\r\n".join(lines)
    if head.count("\n") != len(lines) - 1 or head.count("\r") != len(lines) - 1:
        raise ValueError("Invalid header in a Web API request")  # one would add a line
    return head.encode("latin-1") + b"\r\n\r\n" + body


class KeepAliveWebClient(WebClient):
    """``WebClient`` whose calls reuse kept-alive connections; everything else is slack_sdk's."""

    def __init__(self, *args: Any, pool: ConnectionPool | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pool = pool or connection_pool(self.ssl)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        key = _target(url)
        if self.proxy is not None or key is None:
            return super()._perform_urllib_http_request_internal(url, req)
        request = _request_bytes(req, req.data if isinstance(req.data, bytes) else b"")
        try:
            conn = self.pool.connection(*key, self.timeout)
        except OSError as exc:  # refused, unreachable, DNS, a connect timeout: retried
            raise URLError(exc) from exc
        answer = _Answer()
        try:
            conn.sock.sendall(request)
            answer.read(conn.sock)
        except TimeoutError as exc:
            self.pool.discard(*key)
            raise TimeoutError(f"Slack did not answer within {self.timeout} s") from exc
        except (OSError, httptools.HttpParserError) as exc:
            self.pool.discard(*key)
            raise URLError(exc) from exc
        if not answer.keep:
            self.pool.discard(*key)
        return _result(url, answer)


def _result(url: str, answer: _Answer) -> dict[str, Any]:
    """slack_sdk's view of an answer: a dict for 2xx, urllib's ``HTTPError`` otherwise."""
    status, data = answer.parser.get_status_code(), b"".join(answer.body)
    if not 200 <= status < 300:
        message = HTTPMessage()
        for name, value in answer.headers:
            message[name] = value  # appends: repeated headers stay, as http.client kept them
        reason = answer.reason.decode("latin-1")
        raise HTTPError(url, status, reason, message, io.BytesIO(data))
    headers: dict[str, str] = {}
    content_type = ""
    for name, value in answer.headers:
        headers.setdefault(name, value)  # the first of a repeated header, as dict(HTTPMessage)
        if not content_type and name.lower() == "content-type":
            content_type = value
    media, charset = _media(content_type)
    body: Any = data  # bytes; text unless it is a gzip file (admin.analytics)
    if media != "application/gzip":
        body = data.decode(charset or "utf-8")
    return {"status": status, "headers": headers, "body": body}
