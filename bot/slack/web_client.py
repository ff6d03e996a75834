"""A slack_sdk ``WebClient`` that keeps its HTTP connections open between calls.

slack_sdk's synchronous client sends every call through ``urllib.request.urlopen``: a new TCP
connection (and, against slack.com, a new TLS handshake) per call, closed after the answer.
Under load that is a good part of a post's CPU and a round trip or two of its latency, and
slack_sdk offers no session to pass in. ``KeepAliveWebClient`` replaces only the last step of
a call, the HTTP exchange itself (``_perform_urllib_http_request_internal``, the same in every
slack_sdk 3.x), with a kept-alive ``http.client`` connection: the request (URL, headers, body)
is the one slack_sdk built, the answer has the shape it expects, and failures look as urllib's
did, so slack_sdk's retry handlers, its errors and our ``Performer`` behave as before:

- a status outside 2xx raises urllib's ``HTTPError`` with the headers and body (429's
  ``Retry-After`` reaches ``RateLimitErrorRetryHandler``, 5xx ``ServerErrorRetryHandler``);
- a timeout once the request is under way raises ``TimeoutError``, as urllib's socket did (not
  retried: the post may have gone out); any other network failure, connecting included, raises
  ``URLError`` (retried by ``ConnectionErrorRetryHandler``, as a refused or reset connection
  was).

Why ``http.client`` and not a urllib3 pool: urllib3's pool, retry and response layers cost
about as much CPU per call as the exchange itself (≈ 130 µs of ≈ 280 µs against the stand-in,
bench/RESULTS-serve.md), and the bot needs none of them. ``ConnectionPool`` keeps one
connection per thread and host (a thread makes one call at a time, so no checkout, no lock),
and drops a kept-alive connection the server has closed before using it again, as urllib3
does. Nothing here retries: slack_sdk's handlers decide. A proxy (``proxy=`` or the
``HTTPS_PROXY`` variables slack_sdk reads) keeps slack_sdk's own urllib path. One pool may serve
many clients (one per workspace token in OAuth mode).
"""

from __future__ import annotations

import http.client
import io
import threading
import weakref
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk.web import WebClient
from urllib3.util.wait import wait_for_read

_Key = tuple[str, str, int]
"""(scheme, host, port) of a connection."""


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


class KeepAliveWebClient(WebClient):
    """``WebClient`` whose calls reuse kept-alive connections; everything else is slack_sdk's."""

    def __init__(self, *args: Any, pool: ConnectionPool | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pool = pool or connection_pool(self.ssl)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if self.proxy is not None or scheme not in ("http", "https") or not parts.hostname:
            return super()._perform_urllib_http_request_internal(url, req)
        host = parts.hostname
        port = parts.port or (443 if scheme == "https" else 80)
        target = f"{parts.path or '/'}?{parts.query}" if parts.query else (parts.path or "/")
        try:
            conn = self.pool.connection(scheme, host, port, self.timeout)
        except OSError as exc:  # refused, unreachable, DNS, a connect timeout: retried
            raise URLError(exc) from exc
        try:
            conn.request(req.get_method(), target, body=req.data, headers=dict(req.header_items()))
            response = conn.getresponse()
            data = response.read()
        except TimeoutError as exc:
            self.pool.discard(scheme, host, port)
            raise TimeoutError(f"Slack did not answer within {self.timeout} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            self.pool.discard(scheme, host, port)
            raise URLError(exc) from exc
        if response.will_close:
            self.pool.discard(scheme, host, port)
        headers: HTTPMessage = response.headers
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, headers, io.BytesIO(data))
        body: Any = data  # bytes; text unless it is a gzip file (admin.analytics)
        content_type = headers.get("Content-Type", "")
        if not content_type.startswith("application/gzip"):
            body = data.decode(headers.get_content_charset() or "utf-8")
        return {"status": response.status, "headers": headers, "body": body}
