"""Socket Mode: serve the Bolt app over Slack's WebSocket, ack every envelope, stop cleanly.

The connection itself (client choice, ping timeout, reconnect backoff) is ``socket_client``;
this module decides what the process does (figures: bench/RESULTS-socket.md):

- **A refused app token** is a ``StartupError`` naming SLACK_APP_TOKEN at start; later it is
  one log line and exit code 3, so a supervisor restarts the bot and shows why.
- **Every envelope is acked.** Bolt's adapter sends no ack when Bolt answers non-200 (no
  listener matched, a listener raised), so Slack would redeliver the envelope; we ack it.
- **Stop** (SIGTERM/SIGINT): take no new envelopes (Slack redelivers unacked ones to a live
  connection), let those in hand ack, close the socket, then ``on_stop()`` drains the jobs.
  Closing before the drain lets Slack send new envelopes to other connections meanwhile.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from websocket import WebSocketException

from bot.errors import StartupError
from bot.logs import Throttled
from bot.slack.socket_client import Backoff, SocketClient, TokenRefused, websocket_defaults

__all__ = ["EXIT_TOKEN_REFUSED", "Backoff", "run_socket_mode"]

logger = logging.getLogger(__name__)
EXIT_TOKEN_REFUSED = 3
ACK_GRACE_S = 5.0
"""How long a stop waits for envelopes in hand to be acked (Bolt acks in milliseconds)."""


class _Acker:
    """Runs Bolt on each envelope and always acks; on stop, takes no new envelopes."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._cond = threading.Condition()
        self._in_hand = 0
        self._stopping = False
        self._log = Throttled(logger)

    def __call__(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        with self._cond:
            if self._stopping:
                return  # not acked: Slack redelivers it to a live connection
            self._in_hand += 1
        try:
            self._handle(client, req)
        finally:
            with self._cond:
                self._in_hand -= 1
                self._cond.notify_all()

    def _handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        try:
            response = run_bolt_app(self.app, req)
        except Exception:
            self._log.exception(("bolt", req.type), "Bolt failed on a %s envelope", req.type)
            response = BoltResponse(status=200, body="")
        if response.status != 200:
            kind = (req.type, response.status, _payload_kind(req.payload))
            self._log.warning(
                kind,
                "Bolt answered %s to a %s envelope (%s); acked it anyway",
                response.status,
                req.type,
                kind[2],
            )
            response = BoltResponse(status=200, body="")
        try:
            send_response(client, req, response, start)
        except (WebSocketException, OSError) as exc:
            self._log.warning("ack", "could not ack an envelope (%s); Slack will resend it", exc)

    def drain(self, timeout: float) -> bool:
        """Stop taking envelopes; True once every one in hand was acked (or failed to)."""
        with self._cond:
            self._stopping = True
            return self._cond.wait_for(lambda: self._in_hand == 0, timeout)


def _payload_kind(payload: dict[str, object]) -> str:
    event = payload.get("event")
    if isinstance(event, dict):
        return str(event.get("type"))
    return str(payload.get("type") or payload.get("command") or "?")


def run_socket_mode(
    app: App,
    app_token: str,
    *,
    ping_interval_s: float,
    on_stop: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
    backoff: Backoff | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT or ``stop`` (returns 0), or Slack refusing the token (3).

    Raises ``StartupError`` when Slack refuses SLACK_APP_TOKEN before the first connection.
    ``on_stop`` runs once on every way out, after the socket is closed. Signal handlers are
    only installed on the main thread; other callers (tests, bench) pass ``stop``.
    """
    stop = stop or threading.Event()
    refused: list[str] = []

    def on_refused(error: str) -> None:
        refused.append(error)
        stop.set()

    acker = _Acker(app)
    client = SocketClient(
        app_token,
        app.client,
        ping_interval_s=ping_interval_s,
        backoff=backoff or Backoff(),
        on_refused=on_refused,
    )
    client.socket_mode_request_listeners.append(acker)
    try:
        with _stopped_by_signals(stop), websocket_defaults():
            try:
                client.connect_first(stop)
                stop.wait()
            except TokenRefused as exc:
                raise StartupError(
                    f"Slack refused SLACK_APP_TOKEN: {exc.args[0]} (apps.connections.open needs "
                    "an app-level token, xapp-…, with the connections:write scope)"
                ) from None
            finally:
                acker.drain(ACK_GRACE_S)
                client.close()
    finally:
        if on_stop is not None:
            on_stop()  # after our signal handlers are gone: a second Ctrl-C is the caller's
    if refused:
        logger.error(
            "Slack refused SLACK_APP_TOKEN (%s) while reconnecting; exiting with code %d",
            refused[0],
            EXIT_TOKEN_REFUSED,
        )
        return EXIT_TOKEN_REFUSED
    return 0


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (no KeyboardInterrupt, so no traceback on Ctrl-C)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
