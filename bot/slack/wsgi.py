"""The HTTP face of the bot: Slack's requests, the probes, the metrics, one access line each.

Routes: ``POST /slack/events`` (Slack), ``GET /healthz`` (liveness: the process answers, no
I/O), ``GET /readyz`` (readiness: the runtime's own report, 503 when not ready) and
``GET /metrics`` (Prometheus). Anything else is a 404 or 405 in JSON. In OAuth mode, also
``GET /slack/install`` and ``GET /slack/oauth_redirect``: Bolt's OAuth flow. A browser, not
Slack, makes those, so they carry no signature; the flow's signed ``state`` (``bot.slack.oauth``)
protects them, and their pages are never cached, framed or sent on as a referrer.

``/slack/events`` trusts nothing before the signature: the body is read with a bound
(Content-Length required, at most ``MAX_BODY``), the signature is checked on those raw bytes,
and only a signed body is parsed, by Bolt (whose own verification is off in HTTP mode: it would
parse first). An unsigned request is a 401, a signed one Bolt cannot digest (JSON nested
thousands deep, ``authorizations`` that is not a list…) a 400; either writes at most one short
line per kind and minute, never a traceback. The request kind that the access line and the
metrics carry (event type, command, interactive type and action) is read only from signed
bodies; the access line never carries a body, a header or a query string (both:
bot/slack/http_answer.py).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Protocol

from slack_bolt import BoltResponse
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.logs import Throttled
from bot.slack import ack_hold
from bot.slack.http_answer import Answer, access, json_answer, log_access, refusal, request_kind
from bot.slack.http_request import MAX_BODY

__all__ = [
    "EVENTS_PATH",
    "MAX_BODY",
    "BoltApp",
    "HttpFace",
    "HttpRequest",
    "OAuthPages",
    "WSGIApp",
    "create_wsgi_app",
]

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Ready = Callable[[], tuple[bool, dict[str, Any]]]
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class BoltApp(Protocol):
    """What the routes need of Bolt's ``App`` (a fake in tests)."""

    def dispatch(self, req: BoltRequest, /) -> BoltResponse: ...


class OAuthPages(Protocol):
    """What the OAuth routes need of Bolt's ``OAuthFlow`` (``App.oauth_flow``)."""

    install_path: str
    redirect_uri_path: str

    def handle_installation(self, request: BoltRequest, /) -> BoltResponse: ...

    def handle_callback(self, request: BoltRequest, /) -> BoltResponse: ...


PAGE_HEADERS = [
    ("Cache-Control", "no-store"),  # each visit gets its own state: never share a cached one
    ("Referrer-Policy", "no-referrer"),  # the redirect's URL holds the code and the state
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; "
        "img-src https://platform.slack-edge.com; frame-ancestors 'none'",
    ),
]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the routes read of a request, whether it came through WSGI or the HTTP worker's
    plain lane (bot/slack/http_plain.py)."""

    query: str | None
    """None when there is none (Bolt skips parsing it then)."""
    headers: Mapping[str, str]
    """Lower-case names."""
    read: Callable[[int], bytes]
    """Reads the body, at most that many bytes."""

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> HttpRequest:
        headers = {
            key[5:].lower().replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
            if environ.get(key):
                headers[name] = environ[key]
        stream = environ.get("wsgi.input")
        read = stream.read if stream is not None else _nothing
        return cls(environ.get("QUERY_STRING") or None, headers, read)

    def bolt_headers(self) -> dict[str, Sequence[str]]:
        """The headers as Bolt keeps them (lists of values): Bolt takes them as they are rather
        than building them again."""
        return {name: [value] for name, value in self.headers.items()}


def _nothing(size: int) -> bytes:
    return b""


class _Routes:
    """The route handlers, sharing the verifier, the Bolt app and one log throttle."""

    def __init__(
        self, bolt_app: BoltApp, signing_secret: str, ready: Ready, oauth: OAuthPages | None
    ) -> None:
        self.bolt_app = bolt_app
        self.oauth = oauth
        self.verifier = SignatureVerifier(signing_secret)
        self.ready = ready
        self.refused = Throttled(logger)

    def events(self, request: HttpRequest) -> Answer:
        raw = request.headers.get("content-length", "")
        if not raw:
            return refusal("411 Length Required", "length required")
        if not raw.isascii() or not raw.isdigit():
            return refusal("400 Bad Request", "invalid content length")
        if len(raw) > 9 or int(raw) > MAX_BODY:  # (int() refuses over 4,300 digits)
            return refusal("413 Payload Too Large", "body too large")
        length = int(raw)
        try:
            # Under our gunicorn worker the body is already in memory; under any other server
            # the socket timeout bounds this read.
            body = request.read(length)
        except OSError:
            return refusal("408 Request Timeout", "body not received")
        if len(body) != length:
            return refusal("400 Bad Request", "body shorter than its length")
        text = self._verified(request, body)
        if text is None:
            return refusal("401 Unauthorized", "invalid signature", outcome="unsigned")
        return self._dispatch(request, text)

    def _verified(self, request: HttpRequest, body: bytes) -> str | None:
        """The body as text if Slack signed it, else None (with one throttled line)."""
        timestamp = request.headers.get("x-slack-request-timestamp")
        signature = request.headers.get("x-slack-signature")
        if not timestamp or not signature:
            reason = "no signature"
        elif not _TIMESTAMP.fullmatch(timestamp):
            reason = "a malformed timestamp"
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                reason = "a body that is not UTF-8"
            else:
                if self.verifier.is_valid(text, timestamp, signature):
                    return text
                reason = "a wrong or expired signature"
        self.refused.warning(
            ("unsigned", reason), "refused a request to %s with %s", EVENTS_PATH, reason
        )
        return None

    def _dispatch(self, request: HttpRequest, text: str) -> Answer:
        kind, category = "-", "unknown"
        try:
            bolt = BoltRequest(body=text, query=request.query, headers=request.bolt_headers())
            kind, category = request_kind(bolt.body)
            response = self.bolt_app.dispatch(bolt)
            wsgi_response = WsgiHttpResponse(response.status, response.headers, response.body)
        except Exception as exc:  # Bolt choked on a signed body: the client's fault, not ours
            name = type(exc).__name__
            self.refused.warning(
                ("malformed", name), "refused a signed request Bolt could not read (%s)", name
            )
            answer = refusal("400 Bad Request", "malformed request", outcome="malformed")
            answer.kind, answer.category = kind, category
            return answer
        code = response.status
        outcome = "ok" if code < 400 else ("error" if code >= 500 else "refused")
        # Bolt's headers, minus the Content-Length that every answer gets in one place.
        headers = [h for h in wsgi_response.get_headers() if h[0].lower() != "content-length"]
        body = b"".join(wsgi_response.get_body())
        return Answer(wsgi_response.status, body, headers, kind, category, outcome)

    def install(self, request: HttpRequest) -> Answer:
        assert self.oauth is not None
        return self._page(request, self.oauth.handle_installation, "oauth install")

    def oauth_redirect(self, request: HttpRequest) -> Answer:
        assert self.oauth is not None
        return self._page(request, self.oauth.handle_callback, "oauth redirect")

    def _page(
        self, request: HttpRequest, handle: Callable[[BoltRequest], BoltResponse], kind: str
    ) -> Answer:
        """An OAuth page from Bolt's flow (a GET: no body to read)."""
        bolt = BoltRequest(body="", query=request.query, headers=request.bolt_headers())
        response = handle(bolt)
        page = WsgiHttpResponse(response.status, response.headers, response.body)
        headers = [h for h in page.get_headers() if h[0].lower() != "content-length"]
        outcome = "ok" if response.status < 400 else "refused"
        return Answer(
            page.status, b"".join(page.get_body()), headers + PAGE_HEADERS, kind, "oauth", outcome
        )

    def healthz(self, request: HttpRequest) -> Answer:
        return json_answer("200 OK", {"ok": True}, kind="probe")

    def readyz(self, request: HttpRequest) -> Answer:
        try:
            ok, report = self.ready()
        except Exception as exc:
            self.refused.exception("readyz", "the readiness check failed: %s", exc)
            return refusal("503 Service Unavailable", "readiness check failed", kind="probe")
        return json_answer("200 OK" if ok else "503 Service Unavailable", report, kind="probe")

    def metrics(self, request: HttpRequest) -> Answer:
        body, content_type = metrics.render()
        return Answer("200 OK", body, [("Content-Type", content_type)], kind="probe")


Route = Callable[[HttpRequest], Answer]


class HttpFace:
    """The routes, as a WSGI app (``__call__``) and as the HTTP worker's plain lane calls them
    (``direct``, bot/slack/http_plain.py): one routing, one accounting, either way in."""

    def __init__(
        self, routes: _Routes, table: dict[str, dict[str, Route]], access_log: bool
    ) -> None:
        self._routes = routes
        self._table = table
        self._access_log = access_log

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        answer = self._answer(method, path, lambda: HttpRequest.from_environ(environ))
        start_response(answer.status, answer.headers)
        return [answer.body]

    def direct(
        self, method: str, path: str, query: str | None, headers: Mapping[str, str], body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        """A request the plain lane parsed: (status, headers with Content-Length, body)."""
        read = BytesIO(body).read
        answer = self._answer(method, path, lambda: HttpRequest(query, headers, read))
        return answer.status, answer.headers, answer.body

    def _answer(self, method: str, path: str, request: Callable[[], HttpRequest]) -> Answer:
        started = time.perf_counter()
        methods = self._table.get(path)
        if methods is None:
            answer = refusal("404 Not Found", "not found")
        elif method not in methods:
            answer = refusal("405 Method Not Allowed", "method not allowed")
            answer.headers.append(("Allow", ", ".join(methods)))
        else:
            try:
                answer = methods[method](request())
            except Exception:  # a bug of ours: one traceback per minute, a 500 for the client
                self._routes.refused.exception(
                    ("error", path), "failed to answer %s %s", method, path
                )
                answer = refusal("500 Internal Server Error", "internal error", outcome="error")
        answer.headers.append(("Content-Length", str(len(answer.body))))
        access_log = self._access_log

        def answered() -> None:
            seconds = time.perf_counter() - started
            if path == EVENTS_PATH:
                metrics.observe_request(answer.category, answer.outcome, seconds)
            if access_log and access.isEnabledFor(logging.INFO):  # cheap at a higher LOG_LEVEL
                log_access(method, path, answer, seconds)

        holds = ack_hold.current()
        if holds is None:
            answered()
        else:  # the poller sends the answer once its jobs are stored (bot/slack/ack_hold.py)
            holds.on_send(answered)
        return answer


def create_wsgi_app(
    bolt_app: BoltApp,
    *,
    signing_secret: str,
    ready: Ready,
    access_log: bool = True,
    oauth: OAuthPages | None = None,
) -> HttpFace:
    """The WSGI callable; ``ready()`` returns (ready?, the report ``/readyz`` shows).

    ``oauth`` (OAuth mode: the App's ``oauth_flow``) adds the install and redirect pages."""
    routes = _Routes(bolt_app, signing_secret, ready, oauth)
    table: dict[str, dict[str, Route]] = {
        EVENTS_PATH: {"POST": routes.events},
        "/healthz": {"GET": routes.healthz, "HEAD": routes.healthz},
        "/readyz": {"GET": routes.readyz, "HEAD": routes.readyz},
        "/metrics": {"GET": routes.metrics},
    }
    if oauth is not None:
        table[oauth.install_path] = {"GET": routes.install}
        table[oauth.redirect_uri_path] = {"GET": routes.oauth_redirect}
    return HttpFace(routes, table, access_log)
