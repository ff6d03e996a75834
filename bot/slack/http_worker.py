"""A gunicorn worker that gives a request a thread only once the whole request has arrived.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as its first bytes arrive,
and the thread then blocks on the socket for the rest of the head and body. A client that sends
headers and part of a body and stops holds that thread for good: 16 such connections filled
2 workers x 8 threads and the bot stopped acknowledging Slack.

Here every connection waits in the worker's poller (non-blocking, no thread) while what it sends
is buffered (``BufferedConn``: bot/slack/http_conn.py). gunicorn's own parser decides when a
request is whole: the head, then Content-Length bytes of body. Only then does a thread run it,
from the buffer, so a thread never waits on a client for input. A connection must deliver its
whole request within ``request_timeout_s`` of being accepted (or of the first byte of its next
kept-alive request), or it is closed; an idle kept-alive connection is closed after gunicorn's
``keepalive``. Closing lingers in the poller too (gthread drains a closing socket for up to 2 s
on its main loop).

What a worker holds of requests, from the first byte until a thread has answered, is at most
``BUFFER_CAP`` in total, since none of it is signed yet. A read that would pass the cap first
refuses, with 503, the waiting requests that hold more than the reader would after it (largest
first); if that is not enough, the reader gets only the room left, and a 503 when there is none.
Whoever holds the most loses: while stalled requests fill the cap, a new one of up to
``BUFFER_CAP / WORKER_CONNECTIONS`` (64 KiB, most of Slack's) still gets in, as some stalled one
must hold more. Pausing the reader instead would leave every new Slack request waiting behind
the stalled ones, past Slack's 3-second ack limit. Requests already whole are never refused;
while they alone fill the cap (the threads are behind), new ones are answered 503.

Requests this worker does not buffer are handed to a thread once their head is complete and
their connection is closed after the answer: a body above ``MAX_BODY`` (the app refuses it
unread) or a chunked one (the app requires Content-Length). The thread's socket has a timeout
of ``request_timeout_s`` for anything it still reads or writes. With TLS or HTTP/2 configured
the worker is plain gthread: the bot sits behind a load balancer that terminates TLS. The
options gunicorn runs it with (threads, connections, keep-alive) are in bot/slack/http_options.py.

Slack's requests are answered by the poller itself (``inline_paths``: ``/slack/events`` in token
mode, bot/slack/http_options.py), not by a thread: handing a request to a thread and the
connection back cost two thread wake-ups per request, ~11 % of an HTTP worker's CPU on the
benchmark's virtual machine (bench/RESULTS-serve.md, ninth session). Their answers never wait on
I/O but for the jobs they store, and the poller does not wait for those either: the dispatcher
starts the enqueue and the answer is *held*, written to memory, until the jobs are stored or the
enqueue deadline has passed (bot/slack/ack_hold.py); then it is sent, without blocking (what the
socket does not take at once is finished by a thread). Every other route (probes, metrics,
OAuth pages, which may read the database or call Slack), a stopping worker's requests and
requests that are not buffered still go to threads.

Most of those requests do not go through gunicorn's request machinery at all: a plain Slack POST
(one Content-Length, HTTP/1.x, nothing unusual in its head) takes the *plain lane*
(bot/slack/http_plain.py): its head is parsed by httptools, the app's routes are called
directly (``direct``) and the answer's bytes are written here, with gunicorn's keep-alive and
``max_requests`` rules. At 1,000 requests/s the HTTP workers spent 0.12-0.20 ms less CPU per
request in interleaved pairs (SQLite and PostgreSQL), the server 6-11 % less, and the acks'
p99 fell 9-15 ms (bench/RESULTS-serve.md, twelfth session). Any other head is parsed and
answered by gunicorn, as before.

Acks first: the worker counts each request from its hand-over (to a thread or to the poller's
own answer) until its answer is written (``AckPriority``), and job threads in the same process
give way to them, bounded (see bot/slack/priority.py). ``SWITCH_INTERVAL_S`` shortens how long a
thread that wakes (an enqueue done, a new request in the poller) waits for the GIL behind one
that computes.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import selectors
import socket
import sys
import time
from functools import partial
from typing import Any, cast

from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

from bot.logs import Throttled
from bot.slack import ack_hold
from bot.slack.http_conn import BufferedConn
from bot.slack.http_held import HeldAnswer, WrittenAnswer, send_rest
from bot.slack.http_plain import Direct, PlainLane, proxy_protocol_off, response_bytes
from bot.slack.http_request import MAX_HEAD
from bot.slack.priority import AckPriority

logger = logging.getLogger(__name__)

BUFFER_CAP = 16 << 20
"""Bytes of requests one worker holds before a thread has answered them (see the module doc).
Unsigned, so a bound is needed: 256 connections x MAX_BODY would be 256 MiB a worker against the
pod's 768 MiB limit. 16 MiB is MAX_BODY 16 times over, and 64 KiB per connection."""
SWITCH_INTERVAL_S = 0.002
"""The GIL's switch interval in a worker (Python's default: 5 ms), set after the fork. 2 ms gave
acks a lower p99 than 1 ms in bench/bench_acks.py, for no more CPU than 5 ms."""
LINGER_S = 2.0
HEARTBEAT_EVERY_S = 1.0
"""How often a worker tells the master it is alive. gunicorn does it on every turn of the main
loop, which turns once per wake-up: thousands of times a second under load, each a write of a
file's metadata, and on a disk-backed folder (the pod's ``/tmp`` is an ``emptyDir``) a write
that can wait on the filesystem's journal (gunicorn's FAQ, "blocking os.fchmod"). The master
kills a worker silent for its ``timeout`` (30 s), so once a second is plenty."""


def _closing_answer(status: bytes, error: bytes) -> bytes:
    """A whole JSON refusal that closes the connection, written by the poller itself."""
    body = b'{"ok": false, "error": "%s"}' % error
    return (
        b"HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (status, len(body), body)
    )


_BUSY = _closing_answer(b"503 Service Unavailable", b"server busy")
_ERROR = _closing_answer(b"500 Internal Server Error", b"internal error")


class SlowClientWorker(ThreadWorker):  # type: ignore[misc]
    """gthread whose threads only ever run requests that have fully arrived (see module doc)."""

    alive: bool  # gunicorn's (untyped): False once the worker is stopping
    request_timeout_s = 10.0
    priority: AckPriority | None = None
    """Requests in flight, which this process's job threads give way to (``worker_class``)."""
    jobs_only = False
    """A job worker (bot/slack/job_process.py): it never accepts a connection."""
    inline_paths: frozenset[str] = frozenset()
    """Routes whose whole POSTs the poller answers itself, without a thread (see ``_answer_here``):
    only routes whose answer waits on nothing but the enqueues it holds (bot/slack/ack_hold.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.cfg
        plain_http1 = getattr(cfg, "protocol", "http") == "http" and "h2" not in cfg.http_protocols
        self._buffering = plain_http1 and not cfg.is_ssl
        self._waiting: set[BufferedConn] = set()
        self._next_expiry = math.inf
        self._throttled = Throttled(logger)
        self.buffered_bytes = 0
        """Sum of every connection's ``charged``: at most BUFFER_CAP."""
        self._heartbeat_due = 0.0
        self._held: set[HeldAnswer] = set()
        """Answers written on the poller, waiting for their jobs to be stored."""
        plain = self._buffering and proxy_protocol_off(cfg) and self.inline_paths
        self._plain_lane = PlainLane.of(cfg, self.inline_paths) if plain else None
        """Which requests of the inline routes the plain lane takes (bot/slack/http_plain.py)."""

    def init_process(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # this process only: after the fork
        super().init_process()

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # Wake for the next deadline (a held answer's is a second away), not only once a second.
        soonest = max(0.0, self._next_expiry - time.monotonic())
        super().wait_for_and_dispatch_events(min(timeout, soonest))

    def notify(self) -> None:
        now = time.monotonic()
        if now >= self._heartbeat_due:
            self._heartbeat_due = now + HEARTBEAT_EVERY_S
            super().notify()

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and not self.jobs_only)

    def enqueue_req(self, conn: TConn) -> None:
        if self.priority is None:
            super().enqueue_req(conn)
            return
        self.priority.begin()  # ended by ``handle`` on the thread, once it has answered
        try:
            super().enqueue_req(conn)
        except BaseException:
            self.priority.end()
            raise

    def handle(self, conn: TConn) -> Any:
        try:
            return super().handle(conn)
        finally:
            if self.priority is not None:
                self.priority.end()

    # -- main loop: accept, buffer, expire -------------------------------------------------

    def accept(self, listener: socket.socket) -> None:
        if not self._buffering:
            super().accept(listener)
            return
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(
            self.cfg,
            sock,
            client,
            listener.getsockname(),
            self.request_timeout_s,
            self._plain_lane,
        )
        self._wait(conn, time.monotonic() + self.request_timeout_s)

    def _wait(self, conn: BufferedConn, deadline: float) -> None:
        conn.deadline = deadline
        self._next_expiry = min(self._next_expiry, deadline)
        if conn not in self._waiting:
            self._waiting.add(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _charge(self, conn: BufferedConn, size: int) -> None:
        self.buffered_bytes += size - conn.charged
        conn.charged = size

    def _readable(self, conn: BufferedConn, _sock: object) -> None:
        if conn.closing:
            size = MAX_HEAD  # discarded: see _linger
        else:
            rest = MAX_HEAD if conn.size is None else conn.size - len(conn.buffered)
            size = self._room(conn, min(MAX_HEAD, rest))
            if not size:
                self._refuse(conn)
                return
        try:
            data = conn.sock.recv(size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client closed (or reset) its side
            self._close(conn)
            return
        if conn.closing:
            return
        if not conn.buffered and conn.parser is not None:
            # The first byte of a kept-alive connection's next request: the full bound again.
            conn.deadline = time.monotonic() + self.request_timeout_s
            self._next_expiry = min(self._next_expiry, conn.deadline)
        conn.buffered += data
        self._charge(conn, len(conn.buffered))
        self._advance(conn)

    def _room(self, conn: BufferedConn, want: int) -> int:
        """How many bytes ``conn`` may read now, after refusing bigger buffers to make room."""
        while BUFFER_CAP - self.buffered_bytes < want:
            others = (c for c in self._waiting if c is not conn and not c.closing)
            victim = max(others, key=lambda c: c.charged, default=None)
            if victim is None or victim.charged <= conn.charged + want:
                break
            self._refuse(victim)
        return max(0, min(want, BUFFER_CAP - self.buffered_bytes))

    def _refuse(self, conn: BufferedConn) -> None:
        self._throttled.warning(
            "busy", "answered 503: requests not yet answered fill BUFFER_CAP (%d bytes)", BUFFER_CAP
        )
        with contextlib.suppress(OSError):  # a short answer into an empty send buffer, if it fits
            conn.sock.send(_BUSY)
        self._linger(conn)

    def _advance(self, conn: BufferedConn) -> None:
        """Hand the connection to a thread if its request is whole (or will not be buffered)."""
        if not conn.arrived():
            return
        if conn in self._waiting:
            self._waiting.discard(conn)
            self.poller.unregister(conn.sock)
        if conn.plain is not None:
            # Our app's routes (``wsgi.HttpFace``); an app without them is served by gunicorn.
            direct: Direct | None = getattr(self.wsgi, "direct", None)
            if self.alive and direct is not None:
                self._answer_plain(conn, direct)
                return
            conn.to_gunicorn()  # a stopping worker's requests go to threads
        if self._inline(conn):
            self._answer_here(conn)
        else:
            self.enqueue_req(conn)

    def _advance_waiting(self, conn: BufferedConn) -> None:
        """``_advance`` on a later turn, if the connection is still waiting in the poller (a read
        meanwhile may have taken its request up already)."""
        if conn in self._waiting and not conn.closing:
            self._advance(conn)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        if not self.alive:  # stopping: idle kept-alive connections get a short linger only
            for conn in self._waiting:
                if not conn.buffered and not conn.closing:
                    conn.deadline = min(conn.deadline, now + STOP_KEEPALIVE_LINGER)
            self._next_expiry = min(self._next_expiry, now + STOP_KEEPALIVE_LINGER)
        if now < self._next_expiry:
            return
        for answer in [a for a in self._held if a.holds.deadline <= now]:
            answer.holds.expire(now)
            if not answer.holds.waiting:
                self._release(answer)
        for conn in [c for c in self._waiting if c.deadline <= now]:
            if conn.buffered and not conn.closing:
                self._throttled.warning(
                    "stalled",
                    "closed a connection that sent part of a request and stalled for %gs",
                    self.request_timeout_s,
                )
            self._close(conn)
        self._next_expiry = min(
            min((c.deadline for c in self._waiting), default=math.inf),
            min((a.holds.deadline for a in self._held), default=math.inf),
        )

    def _close(self, conn: BufferedConn) -> None:
        if conn in self._waiting:
            self._waiting.discard(conn)
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
        self._charge(conn, 0)
        self.nr_conns -= 1
        conn.close()

    # -- after a thread ran a request ----------------------------------------------------------

    def finish_request(self, conn: BufferedConn, fs: Any) -> None:
        if not self._buffering:
            super().finish_request(conn, fs)
            return
        try:
            keep = bool(not fs.cancelled() and fs.result())
        except Exception:
            keep = False
        try:
            conn.sock.setblocking(False)
        except OSError:  # gunicorn closed it in the thread (an answer that failed half-way)
            keep = False
        self._next(conn, keep)

    def _next(self, conn: BufferedConn, keep: bool, *, at_once: bool = True) -> None:
        """A request of ``conn`` is answered: wait for its next one, or close.

        Not ``at_once`` (an answer the poller itself just sent): a pipelined next request is
        taken up on the loop's next turn, not from inside this one's answer, or a client that
        pipelines hundreds of requests in one write would nest the poller's calls past Python's
        recursion limit and kill the worker.
        """
        if not keep:
            self._linger(conn)
            return
        # Bytes of a pipelined next request may already sit in gunicorn's parser, or after a
        # plain request: take them back.
        rest = conn.rest if conn.rest is not None else conn.parser.unreader.take_buffered()
        conn.next_request(rest)
        self._charge(conn, len(conn.buffered))
        now = time.monotonic()
        if conn.buffered:
            self._wait(conn, now + self.request_timeout_s)
            if at_once:
                self._advance(conn)
            else:
                self.method_queue.defer(self._advance_waiting, conn)
        else:
            idle = self.cfg.keepalive if self.alive else STOP_KEEPALIVE_LINGER
            self._wait(conn, now + idle)

    def _linger(self, conn: BufferedConn) -> None:
        """Close after the client has read our answer, without blocking the main loop.

        Closing with unread input makes the kernel send RST, which can destroy the answer in
        flight; so send FIN and discard what the client still sends, for LINGER_S at most.
        """
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.closing = True
        conn.buffered = bytearray()
        self._charge(conn, 0)
        self._wait(conn, time.monotonic() + LINGER_S)

    # -- answered on the poller ----------------------------------------------------------------

    def _inline(self, conn: BufferedConn) -> bool:
        """Does the poller answer this request itself? A whole POST to an ``inline_paths`` route,
        parsed ahead, while this worker runs (a stopping one leaves the rest to threads)."""
        ahead = conn.ahead
        if ahead is None or not self.alive or not self.inline_paths:
            return False
        request = ahead.request
        return bool(request.method == "POST" and request.path in self.inline_paths)

    def _answer_here(self, conn: BufferedConn) -> None:
        """Run the request on the poller, with its answer written to memory; send it when the
        jobs it stores are stored (bot/slack/ack_hold.py)."""
        if self.priority is not None:
            self.priority.begin()
        ahead, conn.ahead = conn.ahead, None
        assert ahead is not None
        conn.parser, conn.buffered, conn.initialized = ahead, bytearray(), True
        request = next(ahead)
        request._expected_100_continue = False  # the body is here: no "100 Continue" now
        sock, written = conn.sock, WrittenAnswer()
        conn.sock = written
        keep = False
        try:
            with ack_hold.collecting() as holds:
                try:
                    keep = bool(super().handle_request(request, conn))
                except StopIteration:  # gunicorn's own "close now" (a failure after the head)
                    pass
                except Exception as exc:  # what gthread's ``handle`` does on a thread
                    self.handle_error(request, written, conn.client, exc)
        finally:
            conn.sock = sock
        self._send_when_stored(
            HeldAnswer(conn, holds, bytes(written.data), keep and not written.closed)
        )

    def _answer_plain(self, conn: BufferedConn, direct: Direct) -> None:
        """``_answer_here`` for a request the plain lane took: the routes called directly, the
        answer written here (bot/slack/http_plain.py), gunicorn's keep-alive rules kept."""
        head, conn.plain = conn.plain, None
        assert head is not None
        data, conn.buffered = conn.buffered, bytearray()
        conn.rest = bytes(data[head.size :])
        self.nr += 1
        if self.nr >= self.max_requests and self.alive:
            self.log.info("Autorestarting worker after current request.")
            self.alive = False
        keep = head.keep_alive and self.alive and bool(self.cfg.keepalive)
        if self.priority is not None:
            self.priority.begin()
        with ack_hold.collecting() as holds:
            try:
                body = bytes(data[head.head_size : head.size])
                status, headers, out = direct("POST", head.path, head.query, head.headers, body)
                answer = response_bytes(head, status, headers, out, keep)
            except Exception:  # ours, not the client's: what gunicorn does on a thread
                self._throttled.exception("plain", "failed to answer %s", head.path)
                keep = False
                answer = _ERROR
        self._send_when_stored(HeldAnswer(conn, holds, answer, keep))

    def _send_when_stored(self, answer: HeldAnswer) -> None:
        """Send ``answer`` now, or once the enqueues it holds have ended (or timed out)."""
        holds = answer.holds
        if holds.waiting:
            self._held.add(answer)
            self._next_expiry = min(self._next_expiry, holds.deadline)
            for hold in holds.pending:
                hold.future.add_done_callback(
                    lambda _done: self.method_queue.defer(self._stored, answer)
                )
        else:
            self._release(answer)

    def _stored(self, answer: HeldAnswer) -> None:
        """An enqueue a held answer waits for has ended (run on the poller)."""
        if answer in self._held and not answer.holds.waiting:
            self._release(answer)

    def _release(self, answer: HeldAnswer) -> None:
        """Send a held answer (the poller's socket is non-blocking: what does not fit at once
        goes out from a thread, under the socket timeout) and serve the connection's next."""
        self._held.discard(answer)
        conn, data = answer.conn, answer.data
        try:
            sent = conn.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            sent = -1
        if self.priority is not None:
            self.priority.end()
        try:
            answer.holds.sent()  # its access line and metrics
        except Exception:  # on a thread gunicorn would catch it; here it must not stop the loop
            self._throttled.exception("after-answer", "recording an answer failed")
        if sent < 0:
            self._linger(conn)
        elif sent < len(data):
            future = self.tpool.submit(send_rest, conn, data[sent:], answer.keep)
            future.add_done_callback(
                lambda done: self.method_queue.defer(self.finish_request, conn, done)
            )
        else:
            self._next(conn, answer.keep, at_once=False)

    # -- in the thread ------------------------------------------------------------------------

    def handle_request(self, req: Any, conn: BufferedConn) -> bool:
        if self._buffering:
            if conn.continue_sent:
                req._expected_100_continue = False  # already sent from the poller
            if not conn.whole:
                req.force_close()  # its unread rest must not be taken for the next request
        try:
            return bool(super().handle_request(req, conn))
        except TimeoutError:
            # An unbuffered body that stopped, or a client that stopped reading the answer.
            self.log.debug("closing a connection that timed out in the thread")
            return False


def worker_class(
    request_timeout_s: float,
    priority: AckPriority | None = None,
    inline_paths: frozenset[str] = frozenset(),
) -> type[SlowClientWorker]:
    """SlowClientWorker bound to this deployment's timeout, the ``priority`` its job threads
    give way to (if any) and the routes its poller answers itself (gunicorn takes a class)."""
    attrs = {
        "request_timeout_s": request_timeout_s,
        "priority": priority,
        "inline_paths": inline_paths,
        "__module__": __name__,
    }
    return cast(type[SlowClientWorker], type("SlowClientWorker", (SlowClientWorker,), attrs))
