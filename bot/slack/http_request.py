"""Has a request fully arrived? Asked of what a worker buffered, with gunicorn's own parser.

The slow-client worker (``bot.slack.http_worker``) keeps each connection in its poller until
the request is whole; this module is the one place that decides "whole" — the head parsed,
Content-Length body bytes there — and the limits that bound what may be waited for.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from gunicorn.http.body import LengthReader
from gunicorn.http.errors import NoMoreData
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

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


def inspect_request(
    cfg: Any, data: bytes, req_number: int = 1, peer: Any = ("127.0.0.1", 0)
) -> Arrival:
    """Parse ``data`` with gunicorn's parser (``cfg``: gunicorn's config): is it whole?"""
    if not data:
        return Arrival("partial")
    if b"\r\n\r\n" not in data:
        return Arrival("partial") if len(data) <= MAX_HEAD else Arrival("head_only")
    unreader = IterUnreader([data])
    try:
        req = Request(cfg, unreader, peer, req_number)
    except (NoMoreData, StopIteration):
        return Arrival("partial") if len(data) <= MAX_HEAD else Arrival("head_only")
    except Exception:  # a malformed head: gunicorn answers it in the thread from these bytes
        return Arrival("whole")
    reader = req.body.reader
    if not isinstance(reader, LengthReader) or reader.length > MAX_BODY:
        return Arrival("head_only")
    size = len(data) - len(unreader.take_buffered()) + int(reader.length)
    if len(data) >= size:
        return Arrival("whole", size)
    return Arrival("partial", size, bool(req._expected_100_continue))
