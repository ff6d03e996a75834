"""An answer the HTTP worker's poller has written but not yet sent (bot/slack/http_worker.py).

The poller runs Slack's requests through gunicorn's own ``handle_request``, which writes the
answer to a socket. Here that socket is ``WrittenAnswer``, memory: the answer may have to wait
for the jobs it acknowledges to be stored (bot/slack/ack_hold.py), and the poller must never
block on a client. ``HeldAnswer`` is what the worker keeps until it sends it; ``send_rest``
finishes, on a thread, an answer the socket did not take at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack import ack_hold
from bot.slack.http_conn import BufferedConn


class WrittenAnswer:
    """The socket an answer written on the poller goes to: memory, sent later by the worker."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def sendall(self, data: bytes) -> None:
        self.data += data

    def send(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def gettimeout(self) -> float:
        return 0.0  # gunicorn's error answers ask, to write without blocking

    def setblocking(self, flag: bool) -> None:
        pass

    def shutdown(self, how: int) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True


@dataclass(eq=False, slots=True)
class HeldAnswer:
    """An answer written on the poller, not yet sent."""

    conn: BufferedConn
    holds: ack_hold.Holds
    data: bytes
    keep: bool
    """Keep the connection open after it (gunicorn's decision when it wrote the answer)."""


def send_rest(conn: BufferedConn, rest: bytes, keep: bool) -> bool:
    """On a thread: the part of an answer the socket did not take at once."""
    conn.sock.settimeout(conn.timeout_s)
    try:
        conn.sock.sendall(rest)
    except OSError:
        return False
    return keep
