"""A local fake of Slack's Web API (``/api/<method>``) and of ``response_url`` endpoints.

Why a real HTTP server rather than mocking ``WebClient``: the bot's behaviour under Slack's
failure modes (``ok: false`` errors, 429 + ``Retry-After``, 5xx) depends on slack_sdk's own
encoding, error raising and retry handlers.  Serving real HTTP on 127.0.0.1 exercises all of that
code unchanged; point the SDK here with ``WebClient(token=..., base_url=api.base_url)``.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from .ids import new_id
from .installs import Install
from .lean_http import LeanServer, shut_down_all
from .web_methods import Answer, Call, DefaultAnswers

log = logging.getLogger("tests.standin.web_api")
AUTH_PREFIXES = ("xoxb-", "xapp-", "xoxe.xoxb-")


@dataclass(frozen=True)
class ResponseCall:
    """One POST to a fake ``response_url`` (what Bolt's ``respond()`` sends)."""

    id: str
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class _Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """Decode a JSON or form body; repeated form keys become lists, like Slack tolerates."""
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(raw.decode("utf-8"))
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    if content_type.startswith("multipart/"):
        return {"_raw": raw.decode("utf-8", "replace")}
    return _flatten(parse_qs(raw.decode("utf-8"), keep_blank_values=True))


def _flatten(multi: dict[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in multi.items()}


def encode(reply: _Scripted) -> tuple[int, list[tuple[str, str]], bytes]:
    """An answer as it goes out: status, headers (Content-Length included) and body."""
    is_text = isinstance(reply.body, str)
    data = (reply.body if is_text else json.dumps(reply.body)).encode("utf-8")
    ctype = "text/plain" if is_text else "application/json"
    headers = [("Content-Type", f"{ctype}; charset=utf-8"), ("Content-Length", str(len(data)))]
    return reply.status, headers + list(reply.headers.items()), data


class _Handler(BaseHTTPRequestHandler):
    server_version = "StandinSlack/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, as Slack: a client may reuse its connection
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK
    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, http_method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        content_type = self.headers.get("Content-Type", "")
        reply = self.server.fake.handle(http_method, self.path, headers, content_type, raw)
        status, reply_headers, data = encode(reply)
        self.send_response(status)
        for name, value in reply_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlackWebAPI

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close kept-alive connections too: a stopped Slack answers nobody, as a dead one."""
        shut_down_all(self._open_lock, self._open)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that died mid-request (a bot killed with ``kill -9``) is not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeSlackWebAPI:
    """Threaded fake Slack Web API on 127.0.0.1:<random port>; records every call.

    ``lean=True`` serves the same answers with ``lean_http.LeanServer`` instead of
    ``http.server``, for benchmarks, where the stand-in's CPU is taken from the bot's.
    """

    def __init__(
        self, *, require_token: bool = False, host: str = "127.0.0.1", lean: bool = False
    ) -> None:
        self.require_token = require_token
        self.host = host
        self.lean = lean
        self.answers = DefaultAnswers()
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._responses: list[ResponseCall] = []
        self._scripts: dict[str, deque[_Scripted]] = {}
        self._response_scripts: deque[_Scripted] = deque()
        self._custom: dict[str, Callable[[Call], Answer]] = {}
        self._delays: dict[str, float] = {}
        self._server: _Server | LeanServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is None:
            server: _Server | LeanServer
            if self.lean:
                server = LeanServer((self.host, 0), lambda *request: encode(self.handle(*request)))
            else:
                server = _Server((self.host, 0), _Handler)
                server.fake = self
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="standin-web-api",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeSlackWebAPI is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """Pass as ``WebClient(base_url=...)``; the trailing slash matters to slack_sdk."""
        return f"{self.url}/api/"

    def response_url(self, id: str | None = None) -> str:
        """A ``response_url`` whose POSTs are recorded under ``id`` (random if omitted)."""
        return f"{self.url}/response/{id or new_id('R')}"

    # -- configuration --------------------------------------------------------------------

    def attach_socket_mode(self, url_provider: Callable[[], str | None] | None) -> None:
        """Make ``apps.connections.open`` hand out URLs from ``url_provider`` (None detaches)."""
        self.answers.socket_mode_url = url_provider or (lambda: None)

    def set_channel(self, channel: str, **info: Any) -> None:
        """Merge ``info`` into what ``conversations.info`` returns for ``channel``."""
        self.answers.channels.setdefault(channel, {}).update(info)

    def set_user(self, user: str, **info: Any) -> None:
        """Merge ``info`` into what ``users.info`` returns for ``user``."""
        self.answers.users.setdefault(user, {}).update(info)

    def expect_install(self, install: Install, code: str | None = None) -> str:
        """Script an OAuth install: returns the code ``oauth.v2.access`` exchanges (once) for a
        bot token of ``install``'s own (``install.token`` once exchanged)."""
        return self.answers.installs.expect(install, code)

    def oauth_client(self, client_id: str, client_secret: str) -> None:
        """Make ``oauth.v2.access`` refuse any other client credentials, like Slack."""
        self.answers.installs.client = (client_id, client_secret)

    def revoke(self, install: Install) -> None:
        """Every token of ``install`` now answers ``token_revoked`` (an admin removed the bot)."""
        self.answers.installs.revoke(install)

    def on(self, method: str, handler: Callable[[Call], Answer]) -> None:
        """Answer ``method`` with ``handler(call)`` (a dict, sent with HTTP 200)."""
        self._custom[method] = handler

    def delay(self, method: str, seconds: float) -> None:
        """Answer calls to ``method`` ``seconds`` late (0: on time), to build a backlog. A call
        is recorded on arrival, like a slow Slack that has posted but not yet answered."""
        with self._cond:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def fail(self, method: str, error: str = "not_in_channel", times: int = 1) -> None:
        """The next ``times`` calls to ``method`` get HTTP 200 ``{"ok": false, "error": ...}``."""
        self._script(method, times, _Scripted(200, {"ok": False, "error": error}))

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls get HTTP 429 with ``Retry-After`` and ``ratelimited``."""
        body = {"ok": False, "error": "ratelimited"}
        self._script(method, times, _Scripted(429, body, {"Retry-After": str(retry_after)}))

    def server_error(self, method: str, status: int = 503, times: int = 1) -> None:
        """The next ``times`` calls get an HTTP ``status`` (5xx) response."""
        self._script(method, times, _Scripted(status, {"ok": False, "error": "fatal_error"}))

    def fail_response_url(
        self, status: int = 404, body: str = "expired_url", times: int = 1
    ) -> None:
        """The next ``times`` response_url POSTs fail like an expired/used response_url."""
        with self._cond:
            self._response_scripts.extend([_Scripted(status, body)] * times)

    def _script(self, method: str, times: int, reply: _Scripted) -> None:
        with self._cond:
            self._scripts.setdefault(method, deque()).extend([reply] * times)

    # -- inspection -----------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def responses(self, id: str | None = None) -> list[ResponseCall]:
        with self._cond:
            return [r for r in self._responses if id is None or r.id == id]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls to ``method`` arrived; return all calls to it."""
        with self._cond:
            if self._cond.wait_for(lambda: len(self.calls(method)) >= count, timeout):
                return self.calls(method)
            seen = [c.method for c in self._calls]
        raise AssertionError(
            f"expected {count} call(s) to {method} within {timeout}s; recorded methods: {seen}"
        )

    def wait_for_response(
        self, id: str | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[ResponseCall]:
        """Block until ``count`` response_url POSTs (to ``id``, or any) arrived."""
        with self._cond:
            if self._cond.wait_for(lambda: len(self.responses(id)) >= count, timeout):
                return self.responses(id)
            seen = [r.id for r in self._responses]
        raise AssertionError(
            f"expected {count} response_url post(s) to {id or 'any id'} within {timeout}s; "
            f"recorded ids: {seen}"
        )

    def reset(self) -> None:
        """Forget calls, responses, scripted answers, delays, handlers and OAuth installs (keeps
        the server)."""
        self.answers.installs.reset()
        with self._cond:
            self._delays.clear()
            self._calls.clear()
            self._responses.clear()
            self._scripts.clear()
            self._response_scripts.clear()
            self._custom.clear()

    # -- request handling (called from server threads) ------------------------------------

    def handle(
        self, http_method: str, target: str, headers: dict[str, str], content_type: str, raw: bytes
    ) -> _Scripted:
        """The answer to one request, whichever server read it (``lean``: see the class doc)."""
        url = urlsplit(target)
        try:
            params = _flatten(parse_qs(url.query, keep_blank_values=True))
            params.update(_parse_body(raw, content_type))
            if url.path.startswith("/api/"):
                return self._handle_api(http_method, url.path[5:], params, headers)
            if url.path.startswith("/response/"):
                return self._handle_response(url.path[len("/response/") :], params, headers)
            return _Scripted(404, {"ok": False, "error": "standin_unknown_path"})
        except Exception as exc:  # a bug in the fake must not hang the client
            log.exception("stand-in failed to handle %s %s", http_method, target)
            return _Scripted(500, {"ok": False, "error": f"standin_error: {exc!r}"})

    def _handle_api(
        self, http_method: str, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> _Scripted:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth[7:].strip() if auth.startswith("Bearer ") else params.get("token")
        call = Call(method, params, token, headers, http_method)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            scripted = self._scripts.get(method)
            if self.require_token and not (token or "").startswith(AUTH_PREFIXES):
                return _Scripted(200, {"ok": False, "error": "not_authed"})
            pause = self._delays.get(method, 0.0)
            reply = scripted.popleft() if scripted else None
            custom = self._custom.get(method)
        if pause:
            time.sleep(pause)
        if reply is not None:
            return reply
        refused = self.answers.installs.refusal(token)
        if refused is not None:
            return _Scripted(200, refused)
        return _Scripted(200, custom(call) if custom else self.answers.answer(call))

    def _handle_response(self, id: str, body: dict[str, Any], headers: dict[str, str]) -> _Scripted:
        with self._cond:
            self._responses.append(ResponseCall(id, body, headers))
            self._cond.notify_all()
            if self._response_scripts:
                return self._response_scripts.popleft()
        return _Scripted(200, {"ok": True})
