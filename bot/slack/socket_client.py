"""The Socket Mode connection: slack_sdk's websocket-client adapter, kept alive our way.

Why not the SDK as it is: it passes websocket-client no ping timeout, so a silently dropped
TCP connection went unnoticed until TCP keepalive gave up (about a minute); and it reconnects
every half second, forever, even when Slack has revoked the token. ``SocketClient`` keeps the
SDK's wire handling, message queue and listener dispatch, and replaces two things:

- the session loop: ping every ``ping_interval_s``, drop a connection whose pong is later than
  0.4 of that, then reconnect at once and back off 1, 2, 4 … 30 s while Slack stays away;
- ``apps.connections.open`` errors: a refused app token (``TOKEN_REFUSED``) is reported to the
  owner, which stops; anything else is retried.

websocket-client sets ``TCP_NODELAY`` (and TCP keepalive) on every socket it opens, so acks
leave at once instead of waiting for the next event.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import websocket
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from websocket import WebSocketApp, WebSocketTimeoutException

from bot.logs import SOCKET_MODE_SDK_LOGGER, Throttled

logger = logging.getLogger("bot.slack.socket_mode")
TOKEN_REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "not_allowed_token_type",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "no_permission",
    }
)
"""``apps.connections.open`` errors no retry can fix: only a new SLACK_APP_TOKEN does."""
PONG_TIMEOUT_SHARE = 0.4
"""A pong later than this share of the ping interval means the connection is dead. A silent
drop is then noticed within 1.8 intervals (the last ping, then the timeout checked every
timeout): 9 s at SOCKET_PING_S=5. websocket-client needs the timeout below the interval."""
CONNECT_TIMEOUT_S = 10.0
"""Bounds the WebSocket connect and handshake; the OS default lets a black-holed address
hold a reconnect for about two minutes."""


@dataclass
class Backoff:
    """Delays between connection attempts: at once after a loss, then 1, 2, 4 … ``cap_s``.

    slack_sdk's calculator adds 0–1 s of jitter, which spreads replicas that lost Slack at the
    same moment. ``reset()`` once a connection got Slack's ``hello``.
    """

    cap_s: float = 30.0
    intervals: RetryIntervalCalculator = field(
        default_factory=lambda: BackoffRetryIntervalCalculator(backoff_factor=1.0)
    )
    attempts: int = 0

    def next_delay(self) -> float:
        attempt, self.attempts = self.attempts, self.attempts + 1
        if attempt == 0:
            return 0.0
        # the exponent stops growing well past the cap: 2**1100 no longer fits in a float
        return min(self.cap_s, self.intervals.calculate_sleep_duration(min(attempt - 1, 16)))

    def reset(self) -> None:
        self.attempts = 0


class TokenRefused(Exception):
    """``apps.connections.open`` refused the app token; ``args[0]`` is Slack's error code."""


class SocketClient(SocketModeClient):
    """slack_sdk's websocket-client adapter with a ping timeout and our reconnect policy."""

    def __init__(
        self,
        app_token: str,
        web_client: WebClient,
        *,
        ping_interval_s: float,
        backoff: Backoff,
        on_refused: Callable[[str], None],
    ) -> None:
        # set before super().__init__, which already starts the session thread
        self._closing = threading.Event()
        self._ping_timeout_s = ping_interval_s * PONG_TIMEOUT_SHARE
        self._on_refused = on_refused
        self.backoff = backoff
        self.last_failure = "not connected yet"
        self.log = Throttled(logger)
        super().__init__(
            app_token,
            logger=logging.getLogger(SOCKET_MODE_SDK_LOGGER),
            web_client=web_client,
            auto_reconnect_enabled=False,
            ping_interval=ping_interval_s,
            on_message_listeners=[self._on_message],
            on_error_listeners=[self._on_error],
        )

    def open_url(self) -> str | None:
        """A fresh ``wss://`` URL, or None (``last_failure`` says why); raises ``TokenRefused``."""
        try:
            return self.issue_new_wss_url()
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in TOKEN_REFUSED:
                raise TokenRefused(error) from None
            self.last_failure = f"apps.connections.open answered {error}"
        except (SlackClientError, OSError) as exc:
            self.last_failure = f"apps.connections.open failed: {exc}"
        return None

    def connect_first(self, stop: threading.Event) -> None:
        """Connect, retrying with backoff until ``stop``; raises ``TokenRefused``."""
        while not stop.is_set():
            url = self.open_url()
            if url is not None:
                self.wss_uri = url
                self.connect()
                return
            delay = self.backoff.next_delay()
            self.log.warning(
                "connect",
                "cannot connect to Slack (%s); retrying in %.1f s",
                self.last_failure,
                delay,
            )
            stop.wait(delay)

    def issue_new_wss_url(self) -> str:
        """Without the SDK's blocking sleep-and-recurse on ``ratelimited``: we back off."""
        return str(self.web_client.apps_connections_open(app_token=self.app_token)["url"])

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        """Replace the session (also on Slack's ``disconnect`` message); on failure keep it."""
        with self.connect_operation_lock:
            if self._closing.is_set():
                return
            try:
                url = self.open_url()
            except TokenRefused as exc:
                self._closing.set()
                self._on_refused(str(exc.args[0]))
                return
            if url is not None:
                self.wss_uri = url
                self.connect()

    def _run_current_session(self) -> None:
        """The SDK's session thread calls this: run the session, reconnect when it is lost."""
        while not self._closing.is_set():
            session = self.current_session
            if session is None:
                return  # connect() not called yet; the SDK calls again in half a second
            session.run_forever(
                ping_interval=self.ping_interval,
                ping_timeout=self._ping_timeout_s,
                reconnect=0,
                http_proxy_host=self.http_proxy_host,
                http_proxy_port=self.http_proxy_port,
                http_proxy_auth=self.http_proxy_auth,
                proxy_type=self.proxy_type,
            )
            if not self._closing.is_set() and self.current_session is session:
                self._reconnect()  # lost, not replaced after a `disconnect` message

    def _reconnect(self) -> None:
        """Try until a new session exists, the client closes, or the token is refused."""
        if self.backoff.attempts == 0:
            logger.warning("Socket Mode connection lost (%s); reconnecting", self.last_failure)
        while not self._closing.is_set():
            delay = self.backoff.next_delay()
            if delay:
                self.log.warning(
                    "reconnect",
                    "Socket Mode still disconnected (%s); attempt %d in %.1f s",
                    self.last_failure,
                    self.backoff.attempts,
                    delay,
                )
            if self._closing.wait(delay):
                return
            before = self.current_session
            self.connect_to_new_endpoint(force=True)
            if self.current_session is not before:
                return

    def _on_message(self, ws: WebSocketApp, message: str) -> None:
        if "hello" not in message[:40]:
            return  # cheap test first: this runs for every envelope
        hello = json.loads(message)
        if hello.get("type") == "hello":
            self.backoff.reset()
            logger.info("Socket Mode connected (%s open)", hello.get("num_connections"))

    def _on_error(self, ws: WebSocketApp, error: Exception) -> None:
        self.last_failure = str(error) or type(error).__name__
        raw = ws.sock.sock if ws.sock is not None else None
        if isinstance(error, WebSocketTimeoutException) and raw is not None:
            with contextlib.suppress(OSError):  # the peer is gone: do not wait 3 s for its
                raw.shutdown(socket.SHUT_RDWR)  # close frame, as websocket-client would

    def close(self) -> None:
        self._closing.set()
        self.closed = True
        self.message_queue.put(None)  # wakes the SDK's processor now, not after its 1 s poll
        super().close()


class _LossReported(logging.Filter):
    """Drop the libraries' own lines about a lost connection: ``_reconnect`` logs it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.endswith(" - goodbye")
            or message.startswith("on_error invoked")
            or message in ("A new session has been established", "Websocket connected")
        )


@contextmanager
def websocket_defaults() -> Iterator[None]:
    """While serving: connects bounded by ``CONNECT_TIMEOUT_S``, one log line per lost
    connection (websocket-client's settings are process-wide; both are put back after)."""
    quiet = _LossReported()
    sdk, ws = logging.getLogger(SOCKET_MODE_SDK_LOGGER), logging.getLogger("websocket")
    sdk.addFilter(quiet)
    ws.addFilter(quiet)
    previous_timeout = websocket.getdefaulttimeout()
    websocket.setdefaulttimeout(CONNECT_TIMEOUT_S)
    try:
        yield
    finally:
        websocket.setdefaulttimeout(previous_timeout)
        sdk.removeFilter(quiet)
        ws.removeFilter(quiet)
