"""Has a request fully arrived? Asked of what a worker buffered, with gunicorn's own parser.

The slow-client worker (``bot.slack.http_worker``) keeps each connection in its poller until
the request is whole; this module is the one place that decides "whole" — the head parsed,
Content-Length body bytes there — and the limits that bound what may be waited for.

The parse that decides is the request's only one: a whole request goes to its thread as
``ParsedAhead``, gunicorn's parser over the buffered bytes with that request already read, so
the thread does not parse the same head again (~40 µs of a request's CPU, bench/RESULTS-serve.md).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from gunicorn.http.body import LengthReader
from gunicorn.http.errors import NoMoreData
from gunicorn.http.message import Request
from gunicorn.http.parser import RequestParser

MAX_BODY = 1 << 20
"""1 MiB. Slack's largest payloads carry a whole view (at most 250 KB) or message (40,000
characters of text plus blocks), form-encoded: percent-encoding triples JSON punctuation and each
byte of non-ASCII text, so 250 KB can arrive as ~750 KB; no lower bound is safe."""
MAX_HEAD = 64 * 1024
"""A head still incomplete at this size is handed over (gunicorn then applies its limits)."""


class Arrival(NamedTuple):
    """How much of a request a buffer holds.

    ``partial``: wait for more. ``whole``: a thread can serve it from the buffer alone (a head
    that fails to parse counts: the thread answers 400 from the same bytes). ``head_only``: hand
    it over now, unbuffered, and close the connection after the answer.
    """

    state: Literal["partial", "whole", "head_only"]
    size: int | None = None
    """Bytes of head plus body, once the head is known."""
    expects_continue: bool = False
    parsed: ParsedAhead | None = None
    """``whole``, when the head parsed: what the thread reads the request from."""


class ParsedAhead(RequestParser):  # type: ignore[misc]
    """gunicorn's parser over a connection's buffered bytes, its next request parsed already.

    The thread's ``next(parser)`` gets that request (once); its body, and any pipelined bytes
    after it, are read from the buffer, which ``unreader.take_buffered`` hands back after.
    """

    def __init__(self, cfg: Any, data: bytes, peer: Any, req_number: int) -> None:
        super().__init__(cfg, [data], peer)
        self.req_count = req_number - 1
        self.request: Request = super().__next__()
        self._taken = False

    def __next__(self) -> Request:
        if self._taken:
            raise StopIteration  # one request per hand-over: the poller buffers the next
        self._taken = True
        return self.request


def inspect_request(
    cfg: Any, data: bytes, req_number: int = 1, peer: Any = ("127.0.0.1", 0)
) -> Arrival:
    """Parse ``data`` with gunicorn's parser (``cfg``: gunicorn's config): is it whole?"""
    if not data:
        return Arrival("partial")
    if b"\r\n\r\n" not in data:
        return Arrival("partial") if len(data) <= MAX_HEAD else Arrival("head_only")
    try:
        parser = ParsedAhead(cfg, data, peer, req_number)
    except (NoMoreData, StopIteration):
        return Arrival("partial") if len(data) <= MAX_HEAD else Arrival("head_only")
    except Exception:  # a malformed head: gunicorn answers it in the thread from these bytes
        return Arrival("whole")
    req = parser.request
    reader = req.body.reader
    if not isinstance(reader, LengthReader) or reader.length > MAX_BODY:
        return Arrival("head_only")
    size = len(data) - len(parser.unreader.buf.getvalue()) + int(reader.length)
    if len(data) >= size:
        return Arrival("whole", size, parsed=parser)
    return Arrival("partial", size, bool(req._expected_100_continue))
