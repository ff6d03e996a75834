"""wsgi.create_wsgi_app: routes, the signature gate, hostile bodies, probes and the access log.

Pinned down: nothing reaches Bolt unless its Content-Length is present and at most 1 MiB and
its signature verifies (401 otherwise, whatever the timestamp looks like); a signed body Bolt
cannot read is a 400, never a 500; probes answer without touching Bolt; every request writes
one access line with its kind and never its body; repeated refusals are logged once.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.slack.wsgi import MAX_BODY, create_wsgi_app
from tests.standin import requests as rq
from tests.standin.signing import encode

SECRET = "signing-secret-for-tests"
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
Answer = tuple[str, dict[str, str], Any]


class FakeBolt:
    """Stands in for the Bolt app: records what it was given, answers a fixed response."""

    def __init__(self, response: BoltResponse | None = None, error: Exception | None = None):
        self.requests: list[BoltRequest] = []
        self.response = response or BoltResponse(status=200, body="pong")
        self.error = error

    def dispatch(self, request: BoltRequest) -> BoltResponse:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return self.response


class Unreadable(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read")


def call(wsgi: Any, method: str, path: str, body: bytes = b"", **environ: Any) -> Answer:
    """Call the WSGI app once; (status line, lower-cased headers, JSON or raw body)."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "wsgi.input": io.BytesIO(body),
    }
    env.update(environ)
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started.append((status, headers))

    chunks: Iterable[bytes] = wsgi(env, start_response)
    raw = b"".join(chunks)
    ((status, headers),) = started
    header_map = {k.lower(): v for k, v in headers}
    assert header_map["content-length"] == str(len(raw))
    is_json = header_map.get("content-type") == "application/json"
    return status, header_map, json.loads(raw) if is_json else raw


def signed(
    body: str | bytes,
    *,
    secret: str = SECRET,
    age_s: int = 0,
    ts: str | None = None,
    content_type: str = JSON,
) -> dict[str, Any]:
    """The environ of a POST /slack/events signed as Slack signs it."""
    data = body.encode() if isinstance(body, str) else body
    timestamp = ts if ts is not None else str(int(time.time()) - age_s)
    signature = SignatureVerifier(secret).generate_signature(
        timestamp=timestamp, body=data.decode("utf-8", "replace")
    )
    return {
        "body": data,
        "CONTENT_TYPE": content_type,
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": signature,
    }


def post(wsgi: Any, env: dict[str, Any]) -> Answer:
    env = dict(env)
    return call(wsgi, "POST", "/slack/events", env.pop("body"), **env)


@pytest.fixture
def bolt() -> FakeBolt:
    return FakeBolt()


@pytest.fixture
def wsgi(bolt: FakeBolt) -> Any:
    return create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: (True, {"ok": True}))


COMMAND = "command=%2Fdefine&text=eql&token=legacy-verification-token&user_id=U1"


def test_a_signed_request_reaches_bolt_with_its_body_and_headers(wsgi: Any, bolt: FakeBolt) -> None:
    env = signed(COMMAND, content_type=FORM)
    env["HTTP_X_SLACK_RETRY_NUM"] = "1"
    assert post(wsgi, env) == (
        "200 OK",
        {"content-type": "text/plain;charset=utf-8", "content-length": "4"},
        b"pong",
    )
    (request,) = bolt.requests
    assert request.raw_body == COMMAND
    assert request.body["command"] == "/define"
    assert request.headers["x-slack-retry-num"] == ["1"]
    assert request.headers["content-type"] == ["application/x-www-form-urlencoded"]


UNSIGNED = {"ok": False, "error": "invalid signature"}


@pytest.mark.parametrize(
    "env",
    [
        signed(COMMAND, secret="forged-secret"),
        signed(COMMAND, age_s=301),
        signed(COMMAND, ts="abc"),
        signed(COMMAND, ts="9" * 5000),
        signed(COMMAND, ts="-1"),
        signed(COMMAND, ts="١٧٠٠٠٠٠٠٠٠"),
        signed(b"\xff\xfe not UTF-8"),
        {"body": COMMAND.encode()},
        signed(COMMAND) | {"HTTP_X_SLACK_SIGNATURE": ""},
    ],
    ids=[
        "forged", "stale", "abc", "huge", "negative", "arabic-digits", "not-utf8", "missing",
        "empty-signature",
    ],
)  # fmt: skip
def test_unsigned_requests_get_401_and_never_reach_bolt(
    wsgi: Any, bolt: FakeBolt, env: dict[str, Any]
) -> None:
    status, _, body = post(wsgi, env)
    assert (status, body) == ("401 Unauthorized", UNSIGNED)
    assert bolt.requests == []


def test_a_signature_just_inside_five_minutes_is_accepted(wsgi: Any) -> None:
    assert post(wsgi, signed(COMMAND, age_s=290, content_type=FORM))[0] == "200 OK"


MALFORMED = {"ok": False, "error": "malformed request"}
EVENT = rq.message("We need more EQLs")


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps({**EVENT, "authorizations": {"team_id": "T1"}}),
        json.dumps(rq.view_submission("define_modal", {}) | {"response_urls": {"url": "x"}}),
        "null",
        '{"type": "event_callback", "event": ',
    ],
    ids=["nested-100000-deep", "authorizations-dict", "response_urls-dict", "null", "truncated"],
)
def test_signed_bodies_bolt_cannot_read_get_400(
    wsgi: Any, bolt: FakeBolt, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    status, _, answer = post(wsgi, signed(body))
    assert (status, answer) == ("400 Bad Request", MALFORMED)
    assert bolt.requests == []
    assert [(r.name, r.levelname, r.exc_info) for r in caplog.records] == [
        ("bot.slack.wsgi", "WARNING", None)
    ]


def test_an_exception_inside_bolts_dispatch_is_a_400(caplog: pytest.LogCaptureFixture) -> None:
    bolt = FakeBolt(error=RecursionError("maximum recursion depth exceeded"))
    wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: (True, {}))
    status, _, answer = post(wsgi, signed(json.dumps(EVENT)))
    assert (status, answer) == ("400 Bad Request", MALFORMED)
    assert [(r.name, r.getMessage()) for r in caplog.records if r.name == "bot.slack.wsgi"] == [
        ("bot.slack.wsgi", "refused a signed request Bolt could not read (RecursionError)")
    ]


def test_refusals_of_one_kind_are_logged_once_a_minute(
    wsgi: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(5):
        post(wsgi, signed(COMMAND, secret="forged"))
    post(wsgi, signed(COMMAND, ts="abc"))
    assert [r.getMessage() for r in caplog.records if r.name == "bot.slack.wsgi"] == [
        "refused a request to /slack/events with a wrong or expired signature",
        "refused a request to /slack/events with a malformed timestamp",
    ]


@pytest.mark.parametrize(
    ("length", "status", "error"),
    [
        (str(MAX_BODY + 1), "413 Payload Too Large", "body too large"),
        (str(2 * MAX_BODY), "413 Payload Too Large", "body too large"),
        ("9" * 5000, "413 Payload Too Large", "body too large"),
        ("", "411 Length Required", "length required"),
        ("12abc", "400 Bad Request", "invalid content length"),
        ("-1", "400 Bad Request", "invalid content length"),
        ("1.5", "400 Bad Request", "invalid content length"),
    ],
)
def test_a_body_without_a_usable_length_is_refused_unread(
    wsgi: Any, bolt: FakeBolt, length: str, status: str, error: str
) -> None:
    env = signed(COMMAND) | {"CONTENT_LENGTH": length, "wsgi.input": Unreadable()}
    answer = post(wsgi, env)
    assert (answer[0], answer[2]) == (status, {"ok": False, "error": error})
    assert bolt.requests == []


def test_a_body_shorter_than_its_length_is_refused(wsgi: Any, bolt: FakeBolt) -> None:
    env = signed(COMMAND) | {"CONTENT_LENGTH": str(len(COMMAND) + 10)}
    answer = post(wsgi, env)
    assert (answer[0], answer[2]) == (
        "400 Bad Request",
        {"ok": False, "error": "body shorter than its length"},
    )
    assert bolt.requests == []


def test_a_body_of_exactly_one_mib_is_read_and_checked(wsgi: Any, bolt: FakeBolt) -> None:
    status, _, body = post(wsgi, signed(b" " * MAX_BODY, secret="forged"))
    assert (status, body) == ("401 Unauthorized", UNSIGNED)


def test_url_verification_through_a_real_bolt_app() -> None:
    app = App(
        token="xoxb-test", token_verification_enabled=False, request_verification_enabled=False
    )
    wsgi = create_wsgi_app(app, signing_secret=SECRET, ready=lambda: (True, {}))
    body = json.dumps(rq.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
    status, headers, answer = post(wsgi, signed(body))
    assert (status, headers["content-type"], answer) == (
        "200 OK",
        "application/json;charset=utf-8",
        b'{"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}',
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/slack/events", "405 Method Not Allowed", "POST"),
        ("PUT", "/slack/events", "405 Method Not Allowed", "POST"),
        ("POST", "/healthz", "405 Method Not Allowed", "GET, HEAD"),
        ("DELETE", "/metrics", "405 Method Not Allowed", "GET"),
        ("GET", "/slack/install", "404 Not Found", None),
        ("GET", "/", "404 Not Found", None),
    ],
)
def test_unknown_paths_and_wrong_methods(
    wsgi: Any, bolt: FakeBolt, method: str, path: str, status: str, allow: str | None
) -> None:
    got_status, headers, body = call(wsgi, method, path)
    error = "method not allowed" if allow else "not found"
    assert (got_status, headers.get("allow"), body) == (
        status,
        allow,
        {"ok": False, "error": error},
    )
    assert bolt.requests == []


def test_healthz_is_constant_and_asks_nothing(bolt: FakeBolt) -> None:
    def ready() -> tuple[bool, dict[str, Any]]:
        raise AssertionError("liveness must not run the readiness check")

    wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=ready)
    assert call(wsgi, "GET", "/healthz") == (
        "200 OK",
        {"content-type": "application/json", "content-length": "12"},
        {"ok": True},
    )


@pytest.mark.parametrize(
    ("ready", "status"),
    [
        ((True, {"ok": True, "glossary": "3f2a", "store": "sqlite (one host only)"}), "200 OK"),
        ((False, {"ok": False, "store": "unreachable"}), "503 Service Unavailable"),
    ],
)
def test_readyz_answers_the_runtimes_report(
    bolt: FakeBolt, ready: tuple[bool, dict[str, Any]], status: str
) -> None:
    wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: ready)
    got_status, _, body = call(wsgi, "GET", "/readyz")
    assert (got_status, body) == (status, ready[1])


def test_readyz_is_503_when_the_check_itself_fails(
    bolt: FakeBolt, caplog: pytest.LogCaptureFixture
) -> None:
    def ready() -> tuple[bool, dict[str, Any]]:
        raise OSError("disk gone")

    wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=ready)
    for _ in range(3):
        got_status, _, body = call(wsgi, "GET", "/readyz")
    assert (got_status, body) == (
        "503 Service Unavailable",
        {"ok": False, "error": "readiness check failed"},
    )
    failures = [r for r in caplog.records if r.name == "bot.slack.wsgi"]
    assert [r.getMessage() for r in failures] == ["the readiness check failed: disk gone"]


def test_metrics_are_prometheus_text(wsgi: Any) -> None:
    status, headers, body = call(wsgi, "GET", "/metrics")
    assert (status, headers["content-type"]) == (
        "200 OK",
        "text/plain; version=1.0.0; charset=utf-8",
    )
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert "glossary_requests" in names


def requests_counted(kind: str, outcome: str) -> float:
    text = metrics.render()[0].decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "glossary_requests_total" and sample.labels == {
                "kind": kind,
                "outcome": outcome,
            }:
                return sample.value
    return 0.0


def test_each_slack_request_is_counted_by_kind_and_outcome(wsgi: Any) -> None:
    before = [requests_counted("command", "ok"), requests_counted("unknown", "unsigned")]
    post(wsgi, signed(COMMAND, content_type=FORM))
    post(wsgi, signed(COMMAND, secret="forged"))
    post(wsgi, signed(COMMAND, secret="forged"))
    call(wsgi, "GET", "/healthz")
    after = [requests_counted("command", "ok"), requests_counted("unknown", "unsigned")]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1.0, 2.0]


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.access"]


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (COMMAND, FORM, "command /define"),
        (json.dumps(EVENT), JSON, "event message"),
        (
            encode("interactive", rq.block_actions_message("share_term", "EQL")),
            FORM,
            "block_actions share_term",
        ),
        (
            encode("interactive", rq.view_submission("define_modal", {})),
            FORM,
            "view_submission define_modal",
        ),
        (json.dumps(rq.url_verification("c")), JSON, "url_verification"),
    ],
    ids=["command", "event", "block_actions", "view_submission", "url_verification"],
)
def test_one_access_line_per_request_with_its_kind(
    wsgi: Any, caplog: pytest.LogCaptureFixture, body: str, content_type: str, kind: str
) -> None:
    caplog.set_level(logging.INFO, "bot.access")
    post(wsgi, signed(body, content_type=content_type))
    (line,) = access_lines(caplog)
    fields = [getattr(line, name) for name in ("method", "path", "status", "kind")]
    assert fields == ["POST", "/slack/events", 200, kind]
    duration_ms = getattr(line, "duration_ms")  # noqa: B009 (an ``extra`` field)
    assert line.getMessage() == f"POST /slack/events 200 {duration_ms:.1f}ms {kind}"


def test_the_access_line_carries_no_body_secret_or_query(
    wsgi: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.access")
    body = "command=%2Fdefine&text=xoxb-1234-secret+words&token=verification-token"
    env = signed(body, content_type=FORM) | {"QUERY_STRING": "code=oauth-code"}
    post(wsgi, env)
    post(wsgi, signed(body, secret="forged") | {"QUERY_STRING": "code=oauth-code"})
    call(wsgi, "GET", "/readyz\nfake line", QUERY_STRING="x=1")
    lines = [r.getMessage() for r in access_lines(caplog)]
    assert [line.split()[:3] + line.split()[4:] for line in lines] == [
        ["POST", "/slack/events", "200", "command", "/define"],
        ["POST", "/slack/events", "401", "-"],
        ["GET", "/readyz?fake?line", "404", "-"],
    ]
    text = "\n".join(lines)
    for secret in ("xoxb", "secret", "verification-token", "oauth-code", "v0=", SECRET):
        assert secret not in text


def test_access_log_can_be_turned_off(bolt: FakeBolt, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "bot.access")
    wsgi = create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: (True, {}), access_log=False)
    call(wsgi, "GET", "/healthz")
    assert access_lines(caplog) == []
