"""Slack's requests read and answered without gunicorn's request machinery: the plain lane.

Why: the HTTP worker's poller answers ``/slack/events`` itself (bot/slack/http_worker.py), and
gunicorn's pure-Python parser, request object, WSGI environ and response writer were ~28 % of
its GIL samples at 1,000 requests/s (py-spy, bench/RESULTS-serve.md, twelfth session); timed
alone, ~95 µs of a signed event's handling against ~5 µs for httptools' C parser (llhttp, already
the Web API client's). A Slack request is the plainest HTTP there is: a POST with a
Content-Length body, a dozen headers, a small JSON answer. So a head that is exactly that is
parsed here, the app's routes are called directly (``Direct``: the same routes the WSGI app
serves, bot/slack/wsgi.py) and the answer's bytes are written here.

Anything else goes to gunicorn as before, which then answers it as it always did: another method
or path, a chunked or too large body, a repeated header, one with an underscore in its name
(gunicorn drops those), HTTP other than 1.0 and 1.1, gunicorn's size limits exceeded, a PROXY
protocol line, and any head httptools refuses. So what gunicorn would refuse is still refused by
gunicorn, with its own answer; the plain lane only ever takes requests both would accept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import httptools

from bot.slack.http_request import MAX_BODY

GUNICORN_MAX_LINE = 8190
"""gunicorn's ceiling on the request line, whatever ``limit_request_line`` says."""


Direct = Callable[
    [str, str, "str | None", Mapping[str, str], bytes], tuple[str, list[tuple[str, str]], bytes]
]
"""What the plain lane calls: the app's routes without WSGI (``wsgi.HttpFace.direct``), with
the method, path, query, headers (lower-case names) and body; it returns the status line
("200 OK"), the headers (Content-Length included) and the body."""


@dataclass(frozen=True, slots=True)
class PlainHead:
    """The head of a request the plain lane takes."""

    method: str
    path: str
    query: str | None
    version: str
    """"1.1" or "1.0": the answer's status line says the same."""
    headers: dict[str, str]
    """Lower-case names, values without surrounding spaces and tabs, each name once."""
    head_size: int
    body_size: int
    keep_alive: bool
    """What HTTP says of the connection after this request (the worker may still close it)."""
    expects_continue: bool

    @property
    def size(self) -> int:
        return self.head_size + self.body_size


class _Head:
    """httptools' callbacks: the URL and the headers, and whether any of them rules the plain
    lane out."""

    __slots__ = ("fields", "headers", "refused", "url")

    def __init__(self, fields: int, field_size: int) -> None:
        self.url = b""
        self.headers: dict[str, str] = {}
        self.refused = False
        self.fields = (fields, field_size)

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        most, field_size = self.fields
        key = name.decode("latin-1").lower()
        if (
            key in self.headers
            or b"_" in name
            or len(self.headers) >= most
            or (field_size and len(name) + len(value) + 2 > field_size)
        ):
            self.refused = True
            return
        self.headers[key] = value.decode("latin-1").strip(" \t")  # HTTP's whitespace only


@dataclass(frozen=True, slots=True)
class PlainLane:
    """Which heads the plain lane takes: POSTs to ``paths``, within gunicorn's limits (read once
    from its config: each read of a gunicorn setting is a few attribute lookups)."""

    paths: frozenset[str]
    line: int
    """The longest request line, without its CRLF."""
    fields: int
    field_size: int
    """The longest header line (name, ": " and value), or 0: no limit."""

    @classmethod
    def of(cls, cfg: Any, paths: frozenset[str]) -> PlainLane:
        limit = cfg.limit_request_line
        line = min(limit, GUNICORN_MAX_LINE) if limit else GUNICORN_MAX_LINE
        return cls(paths, line, cfg.limit_request_fields, cfg.limit_request_field_size)

    def head(self, data: bytes) -> PlainHead | None:
        """The head ``data`` (up to and with its blank line) if the plain lane takes it (see the
        module doc); None sends it to gunicorn."""
        if not data.startswith(b"POST /") or data.find(b"\r\n\r\n") != len(data) - 4:
            return None  # (a head that is not one head: the worker's never is)
        line_end = data.find(b"\r\n")
        if line_end > self.line:
            return None
        head = _Head(self.fields, self.field_size)
        parser = httptools.HttpRequestParser(head)
        try:
            parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):  # (not a subclass)
            return None
        if head.refused or parser.get_method() != b"POST":
            return None
        version = parser.get_http_version()
        path, _, query = head.url.decode("latin-1").partition("?")
        if version not in ("1.1", "1.0") or path not in self.paths:
            return None
        headers = head.headers
        length = headers.get("content-length", "")
        digits = length.isascii() and length.isdigit()  # ("²" is a digit to str.isdigit)
        if "transfer-encoding" in headers or not digits or len(length) > 9:
            return None
        if int(length) > MAX_BODY:
            return None
        expect = headers.get("expect")
        if expect is not None and expect.lower() != "100-continue":  # gunicorn refuses the rest
            return None
        return PlainHead(
            "POST",
            path,
            query or None,
            version,
            headers,
            len(data),
            int(length),
            parser.should_keep_alive(),
            expect is not None and version == "1.1",
        )


def proxy_protocol_off(cfg: Any) -> bool:
    """The plain lane parses from the first byte: a PROXY protocol line is gunicorn's to read."""
    return getattr(cfg, "proxy_protocol", "off") in ("off", False, None)


class HttpDate:
    """The Date header's value, formatted once a second (gunicorn formats it for every answer)."""

    __slots__ = ("_clock", "_second", "_value")

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._second = -1
        self._value = b""

    def __call__(self) -> bytes:
        second = int(self._clock())
        if second != self._second:
            self._second = second
            self._value = formatdate(second, usegmt=True).encode()
        return self._value


_now = HttpDate()


def response_bytes(
    head: PlainHead,
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
    keep: bool,
    date: Callable[[], bytes] = _now,
) -> bytes:
    """The answer as it goes on the wire: the request's HTTP version, the Date, and whether the
    connection stays open, said as gunicorn says it."""
    lines = [b"HTTP/%s %s\r\nDate: %s\r\n" % (head.version.encode(), status.encode(), date())]
    lines.append(b"Connection: keep-alive\r\n" if keep else b"Connection: close\r\n")
    for name, value in headers:
        if "\r" in value or "\n" in value:  # as gunicorn's start_response, refuse to split
            raise ValueError(f"header {name!r} holds a line break")
        lines.append(b"%s: %s\r\n" % (name.encode("latin-1"), value.encode("latin-1")))
    lines.append(b"\r\n")
    lines.append(body)
    return b"".join(lines)
