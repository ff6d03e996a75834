"""A local fake of Slack's Socket Mode WebSocket endpoint (``wss://wss-primary.slack.com/link``).

Why: Socket Mode bugs live in the wire protocol -- acks that never go out (Bolt sends none when
no listener matches), ack payloads for slash commands, reconnects after a ``disconnect``
message.  Serving the real protocol on 127.0.0.1 lets slack_sdk's own built-in client (the one
Bolt's ``SocketModeHandler`` uses) connect unchanged.  That client speaks plain TCP to any port
other than 443, whatever the URL scheme, so ``ws://127.0.0.1:<port>`` works without TLS.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from .ids import APP_ID, new_id
from .ids import envelope_id as new_envelope_id
from .relay import TcpRelay

if TYPE_CHECKING:
    from .web_api import FakeSlackWebAPI

log = logging.getLogger("tests.standin.socket_mode")
# Interactive payload types whose ack may carry a response (validation errors, options).
_RESPONSE_PAYLOAD_TYPES = {"view_submission", "block_suggestion"}


class FakeSocketModeServer:
    """Socket Mode server: says hello, pushes envelopes, records the client's acks.

    ``ping_interval`` makes the server ping the client regularly.  slack_sdk's client holds a
    lock across a blocking ``recv`` (3 s timeout) that ``close()`` also needs; steady pings wake
    that ``recv`` so closing the client in tests takes well under a second.

    ``relay=True`` routes clients through a ``TcpRelay`` so tests can ``cut`` connections the
    way a network does. Send and ack times are kept per envelope (``ack_latencies``) for bench/.
    """

    def __init__(
        self,
        api: FakeSlackWebAPI | None = None,
        *,
        app_id: str = APP_ID,
        host: str = "127.0.0.1",
        ping_interval: float | None = 0.2,
        relay: bool = False,
    ) -> None:
        self.api = api
        self.app_id = app_id
        self.host = host
        self.ping_interval = ping_interval
        self._cond = threading.Condition()
        self._open: list[ServerConnection] = []
        self._connections = 0
        self._acks: list[dict[str, Any]] = []
        self._received: list[Any] = []
        self._sent: list[dict[str, Any]] = []
        self._sent_at: dict[str, float] = {}
        self._acked_at: dict[str, float] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._relay: TcpRelay | None = None
        self._use_relay = relay

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is None:
            self._server = serve(
                self._handle,
                self.host,
                0,
                compression=None,
                ping_interval=self.ping_interval,
                ping_timeout=10,
                close_timeout=2,
                logger=logging.getLogger("tests.standin.socket_mode.ws"),
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="standin-socket-mode", daemon=True
            )
            self._thread.start()
            if self._use_relay:
                self._relay = TcpRelay((self.host, self._server.socket.getsockname()[1])).start()
            if self.api is not None:
                self.api.attach_socket_mode(self.connect_url)
        return self

    def stop(self) -> None:
        """Detach from the fake API, close open connections (code 1001) and the listener."""
        if self.api is not None:
            self.api.attach_socket_mode(None)
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.stop()
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>/link/`` -- where ``apps.connections.open`` points."""
        if self._server is None:
            raise RuntimeError("FakeSocketModeServer is not started")
        port = self._relay.port if self._relay else self._server.socket.getsockname()[1]
        return f"ws://{self.host}:{port}/link/"

    def connect_url(self) -> str:
        """A fresh ticketed URL, shaped like the one ``apps.connections.open`` returns."""
        return f"{self.url}?ticket={new_id('t', 16).lower()}&app_id={self.app_id}"

    # -- pushing to the client ------------------------------------------------------------

    def send_envelope(
        self,
        payload_type: str,
        payload: dict[str, Any],
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Push an ``events_api`` | ``slash_commands`` | ``interactive`` envelope; return its id.

        Goes to the newest open connection (Slack delivers each envelope to one connection),
        waiting up to ``timeout`` for a client to connect.
        """
        if accepts_response_payload is None:
            accepts_response_payload = payload_type == "slash_commands" or (
                payload_type == "interactive" and payload.get("type") in _RESPONSE_PAYLOAD_TYPES
            )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or new_envelope_id(),
            "payload": payload,
            "type": payload_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if payload_type == "events_api":  # Slack only adds retry info to Events API envelopes
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self._send(envelope, timeout)
        return str(envelope["envelope_id"])

    def send_event(self, body: dict[str, Any], **kw: Any) -> str:
        return self.send_envelope("events_api", body, **kw)

    def send_command(self, form: dict[str, Any], **kw: Any) -> str:
        return self.send_envelope("slash_commands", form, **kw)

    def send_interactive(self, payload: dict[str, Any], **kw: Any) -> str:
        return self.send_envelope("interactive", payload, **kw)

    def send_many(self, payload_type: str, payloads: list[dict[str, Any]]) -> list[str]:
        """Push envelopes back to back, as Slack delivers a backlog; returns their ids."""
        envelopes = [
            {"envelope_id": new_envelope_id(), "payload": payload, "type": payload_type}
            for payload in payloads
        ]
        texts = [json.dumps(envelope) for envelope in envelopes]
        with self._cond:
            if not self._cond.wait_for(lambda: self._open, 5.0):
                raise AssertionError("no Socket Mode client connected within 5s")
            conn = self._open[-1]
            self._sent.extend(envelopes)
            now = time.perf_counter()
            self._sent_at.update((str(e["envelope_id"]), now) for e in envelopes)
        for text in texts:
            conn.send(text)
        return [str(e["envelope_id"]) for e in envelopes]

    def send_disconnect(self, reason: str = "refresh_requested", timeout: float = 5.0) -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        debug_info = {"host": "applink-standin"}
        self._send({"type": "disconnect", "reason": reason, "debug_info": debug_info}, timeout)

    def cut(self, *, silently: bool) -> int:
        """Cut every open connection (needs ``relay=True``); returns how many were cut.

        ``silently``: nothing arrives any more and nothing is closed, as when a NAT forgets
        the flow -- only the client's ping can tell. Otherwise both ends see it closed.
        """
        if self._relay is None:
            raise RuntimeError("cut() needs FakeSocketModeServer(relay=True)")
        return self._relay.cut(silently=silently)

    def _send(self, message: dict[str, Any], timeout: float) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._open, timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout}s")
            conn = self._open[-1]
            self._sent.append(message)
            if "envelope_id" in message:
                self._sent_at[message["envelope_id"]] = time.perf_counter()
        conn.send(json.dumps(message))

    # -- inspection -----------------------------------------------------------------------

    def wait_for_connection(self, timeout: float = 5.0, count: int = 1) -> int:
        """Block until ``count`` connections were ever established (hello sent); return total."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._connections >= count, timeout):
                raise AssertionError(
                    f"expected {count} Socket Mode connection(s) within {timeout}s, "
                    f"got {self._connections}"
                )
            return self._connections

    @property
    def open_connections(self) -> int:
        with self._cond:
            return len(self._open)

    def acks(self) -> list[dict[str, Any]]:
        """Every message the client sent that carries an ``envelope_id`` (parsed JSON)."""
        with self._cond:
            return list(self._acks)

    def received(self) -> list[Any]:
        """Every text message the client sent (parsed JSON where possible)."""
        with self._cond:
            return list(self._received)

    def sent(self) -> list[dict[str, Any]]:
        """Every envelope / disconnect message pushed to clients."""
        with self._cond:
            return list(self._sent)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Return the client's ack for ``envelope_id`` (with any ``payload``) or fail."""

        def find() -> dict[str, Any] | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._cond:
            if self._cond.wait_for(lambda: find() is not None, timeout):
                return find() or {}
            acked = [a.get("envelope_id") for a in self._acks]
        raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s; acked: {acked}")

    def ack_latencies(self) -> dict[str, float]:
        """Seconds from sending each acked envelope to receiving its first ack."""
        with self._cond:
            return {
                e: t - self._sent_at[e] for e, t in self._acked_at.items() if e in self._sent_at
            }

    def reset(self) -> None:
        with self._cond:
            self._acks.clear()
            self._received.clear()
            self._sent.clear()
            self._sent_at.clear()
            self._acked_at.clear()

    # -- connection handler (one thread per connection, run by websockets) ----------------

    def _handle(self, conn: ServerConnection) -> None:
        try:
            with self._cond:
                num = len(self._open) + 1
            conn.send(json.dumps(self._hello(num)))
            with self._cond:
                self._open.append(conn)
                self._connections += 1
                self._cond.notify_all()
            for raw in conn:
                self._record(raw)
        except ConnectionClosed:
            pass  # slack_sdk drops the TCP socket without a close frame; that is normal
        finally:
            with self._cond:
                if conn in self._open:
                    self._open.remove(conn)
                self._cond.notify_all()

    def _hello(self, num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _record(self, raw: str | bytes) -> None:
        now = time.perf_counter()
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            message: Any = json.loads(text)
        except ValueError:
            message = text
        with self._cond:
            self._received.append(message)
            if isinstance(message, dict) and "envelope_id" in message:
                self._acks.append(message)
                self._acked_at.setdefault(str(message["envelope_id"]), now)
            self._cond.notify_all()
