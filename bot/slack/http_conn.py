"""One connection of the slow-client worker while its poller buffers the next request.

Apart from the worker (bot/slack/http_worker.py) because this is the part that is the same for
every connection: what it holds of its request and when that request has fully arrived (the
head, then Content-Length bytes of body, as gunicorn's own parser decides:
bot/slack/http_request.py). The worker decides what to do with a connection: wait, refuse it,
hand it to a thread, close it.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import TConn

from bot.slack.http_plain import PlainHead, PlainLane
from bot.slack.http_request import MAX_HEAD, ParsedAhead, inspect_request

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class BufferedConn(TConn):  # type: ignore[misc]
    """A gthread connection plus what the poller buffered of its next request."""

    def __init__(
        self,
        cfg: Any,
        sock: socket.socket,
        client: Any,
        server: Any,
        timeout_s: float,
        lane: PlainLane | None = None,
    ):
        super().__init__(cfg, sock, client, server)
        self.timeout_s = timeout_s
        self.lane = lane
        """Which requests the plain lane takes (bot/slack/http_plain.py); None: gunicorn parses
        every request."""
        self.deadline = 0.0
        self.closing = False
        self.charged = 0
        """Bytes counted against BUFFER_CAP: what it buffered, until a thread has answered it."""
        self.next_request(b"")

    def next_request(self, read_ahead: bytes) -> None:
        self.buffered = bytearray(read_ahead)
        self.scanned = 0
        self.size: int | None = None
        self.whole = True
        self.ahead: ParsedAhead | None = None
        """The request, parsed in the poller when its first look found it whole."""
        self.plain: PlainHead | None = None
        """The request's head, when the plain lane takes it (then ``ahead`` stays None)."""
        self.rest: bytes | None = None
        """What followed a plain request in the buffer (pipelined), until its answer is sent."""
        self.continue_sent = False
        self.data_ready = True  # gthread must not wait for data in the thread: it is here

    def init(self) -> None:
        """Runs in the thread before each request: the request parsed ahead, or else the
        buffer handed to a gunicorn parser that reads the rest from the socket."""
        super().init()
        self.sock.settimeout(self.timeout_s)  # gthread left it blocking with no timeout
        ahead, self.ahead = self.ahead, None
        if ahead is not None:
            self.parser, self.buffered = ahead, bytearray()
            return
        if isinstance(self.parser, ParsedAhead):  # it held the last request only
            parser = RequestParser(self.cfg, self.sock, self.client)
            parser.req_count = self.parser.req_count
            self.parser = parser
        if self.buffered:
            self.parser.unreader.unread(bytes(self.buffered))
            self.buffered = bytearray()

    def arrived(self) -> bool:
        """Whether a thread may run the request now: it is whole (or will not be buffered)."""
        if self.size is None:
            # Parse only once the head's end is in sight, searching only what is new, so a
            # client that drips its head byte by byte costs no more than one that sends it whole.
            start, self.scanned = max(0, self.scanned - 3), len(self.buffered)
            end = self.buffered.find(b"\r\n\r\n", start)
            if end < 0 and self.scanned <= MAX_HEAD:
                return False
            if end >= 0 and self.lane is not None:
                self.plain = self.lane.head(bytes(self.buffered[: end + 4]))
                if self.plain is not None:
                    self.size = self.plain.size
                    if self.plain.expects_continue and len(self.buffered) < self.size:
                        self._continue()
                    return len(self.buffered) >= self.size
            arrival = inspect_request(self.cfg, bytes(self.buffered), self._number, self.client)
            if arrival.state == "partial":
                self.size = arrival.size
                if arrival.expects_continue:
                    self._continue()
                return False
            self.whole = arrival.state == "whole"
            self.ahead = arrival.parsed
            return True
        return len(self.buffered) >= self.size

    def _continue(self) -> None:
        """ "100 Continue", once: the client waits for it before it sends the body."""
        if not self.continue_sent:
            self.continue_sent = True
            # A few bytes into an idle socket's empty send buffer; if the client is gone, the
            # next recv says so.
            with contextlib.suppress(OSError):
                self.sock.send(_CONTINUE)

    def to_gunicorn(self) -> None:
        """A whole request the plain lane took, handed to gunicorn after all (the worker is
        stopping, and a thread serves it): gunicorn's parser reads it from the buffer."""
        self.plain = None
        self.ahead = inspect_request(
            self.cfg, bytes(self.buffered), self._number, self.client
        ).parsed

    @property
    def _number(self) -> int:
        """gunicorn's number for the next request it parses on this connection."""
        return self.parser.req_count + 1 if self.parser is not None else 1
