"""http_plain: which heads the plain lane takes, the bytes it answers, and the routes it calls.

Pinned down: ``PlainLane.head`` takes exactly a POST to a given path with one Content-Length of at
most 1 MiB, HTTP 1.0 or 1.1, each header once and within gunicorn's limits, and leaves
everything else to gunicorn (None); ``response_bytes`` writes the status line, Date, Connection,
headers and body as gunicorn would; ``HttpFace.direct`` answers what the WSGI app answers for
the same request. The lane inside the worker is tested in test_http_worker.py.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from gunicorn.config import Config
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltResponse

from bot.slack.http_plain import HttpDate, PlainHead, PlainLane, response_bytes
from bot.slack.http_request import inspect_request
from bot.slack.wsgi import create_wsgi_app

from .test_wsgi import COMMAND, FORM, SECRET, FakeBolt, signed

PATHS = frozenset({"/slack/events"})
LINE = b"POST /slack/events HTTP/1.1\r\n"
OLD = b"POST /slack/events HTTP/1.0\r\n"
CL5 = b"Content-Length: 5"


def head(*lines: bytes, start: bytes = LINE) -> bytes:
    return start + b"".join(line + b"\r\n" for line in lines) + b"\r\n"


def take(data: bytes, cfg: Config | None = None) -> PlainHead | None:
    return PlainLane.of(cfg or Config(), PATHS).head(data)


def test_a_slack_request_is_taken_with_its_headers_as_slack_sent_them() -> None:
    data = head(
        b"Host: bot",
        b"Content-Type: application/json",
        b"X-Slack-Signature:  v0=abc  ",
        b"Content-Length: 42",
    )
    assert take(data) == PlainHead(
        method="POST",
        path="/slack/events",
        query=None,
        version="1.1",
        headers={
            "host": "bot",
            "content-type": "application/json",
            "x-slack-signature": "v0=abc",
            "content-length": "42",
        },
        head_size=len(data),
        body_size=42,
        keep_alive=True,
        expects_continue=False,
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (head(CL5, start=b"POST /slack/events?a=1 HTTP/1.1\r\n"), ("a=1", True, False)),
        (head(CL5, b"Connection: close"), (None, False, False)),
        (head(CL5, start=OLD), (None, False, False)),
        (head(CL5, b"Connection: keep-alive", start=OLD), (None, True, False)),
        (head(CL5, b"Expect: 100-Continue"), (None, True, True)),
        (head(CL5, b"Expect: 100-continue", start=OLD), (None, False, False)),
    ],
    ids=["query", "close", "http-1.0", "http-1.0-keep-alive", "continue", "continue-1.0"],
)
def test_query_keep_alive_and_continue(
    data: bytes, expected: tuple[str | None, bool, bool]
) -> None:
    taken = take(data)
    assert taken is not None
    assert (taken.query, taken.keep_alive, taken.expects_continue) == expected


@pytest.mark.parametrize(
    "data",
    [
        head(start=b"GET /slack/events HTTP/1.1\r\n"),
        head(b"Content-Length: 5", start=b"POST /healthz HTTP/1.1\r\n"),
        head(b"Content-Length: 5", start=b"POST /slack/events/ HTTP/1.1\r\n"),
        head(b"Content-Length: 5", start=b"POST /slack/%65vents HTTP/1.1\r\n"),
        head(b"Content-Length: 5", start=b"post /slack/events HTTP/1.1\r\n"),
        head(b"Content-Length: 5", start=b"POST /slack/events HTTP/2.0\r\n"),
        head(b"Content-Length: 5", start=b"POST /slack/events HTTP/1.2\r\n"),
        head(b"Host: bot"),
        head(b"Content-Length: 5x"),
        head(b"Content-Length: -5"),
        head(b"Content-Length: %d" % (1024 * 1024 + 1)),
        head(b"Content-Length: 0000000005"),
        head(b"Transfer-Encoding: chunked"),
        head(b"Content-Length: 5", b"Transfer-Encoding: chunked"),
        head(b"Content-Length: 5", b"Content-Length: 5"),
        head(b"Content-Length: 5", b"X-Slack-Signature: a", b"x-slack-signature: b"),
        head(b"Content-Length: 5", b"X_Slack_Signature: v0=forged"),
        head(b"Content-Length: 5", b"X-Bad\x01: a"),
        head(b"Content-Length: 5", b"X-Bad: a\x7fb"),
        head(b"Content-Length: 5", b"X-Folded: a", b" b"),
        head(b"Content-Length: 5", b"Upgrade: websocket", b"Connection: upgrade"),
        b"POST /slack/events HTTP/1.1\nContent-Length: 5\n\n",
        head(CL5, start=b"POST /slack/events?" + b"a" * 4100 + b" HTTP/1.1\r\n"),
        head(b"Content-Length: 5", *[b"X-H%d: v" % n for n in range(100)]),
        head(b"Content-Length: 5", b"X-Big: " + b"a" * 8190),
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n" + head(b"Content-Length: 5"),
        head(b"Host: a") + head(CL5, start=b""),
    ],
    ids=[
        "get", "other-path", "trailing-slash", "percent-encoded", "lower-case-method", "http-2",
        "http-1.2", "no-length", "bad-length", "negative-length", "over-one-mib",
        "ten-digit-length", "chunked", "length-and-chunked", "two-lengths", "repeated-header",
        "underscore", "control-in-name", "control-in-value", "folded", "upgrade", "bare-lf",
        "long-line", "over-100-headers", "field-over-8190", "proxy-line", "two-heads",
    ],
)  # fmt: skip
def test_everything_else_is_left_to_gunicorn(data: bytes) -> None:
    assert take(data) is None


def test_gunicorns_limits_as_configured_decide_too() -> None:
    data = head(b"Content-Length: 5", b"X-A: 1", b"X-B: 2")
    assert take(data) is not None
    cfg = Config()
    cfg.set("limit_request_fields", 2)
    assert take(data, cfg) is None
    cfg = Config()
    cfg.set("limit_request_field_size", 10)
    assert take(data, cfg) is None
    cfg = Config()
    cfg.set("limit_request_line", 20)
    assert take(data, cfg) is None


DAY = HttpDate(lambda: 1_800_000_000.7)


def test_the_answer_bytes() -> None:
    taken = take(head(b"Content-Length: 0"))
    assert taken is not None
    headers = [("Content-Type", "application/json"), ("Content-Length", "2")]
    assert response_bytes(taken, "200 OK", headers, b"{}", True, DAY) == (
        b"HTTP/1.1 200 OK\r\nDate: Fri, 15 Jan 2027 08:00:00 GMT\r\nConnection: keep-alive\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    old = take(head(b"Content-Length: 0", start=b"POST /slack/events HTTP/1.0\r\n"))
    assert old is not None
    assert response_bytes(old, "401 Unauthorized", [], b"", False, DAY) == (
        b"HTTP/1.0 401 Unauthorized\r\nDate: Fri, 15 Jan 2027 08:00:00 GMT\r\n"
        b"Connection: close\r\n\r\n"
    )
    with pytest.raises(ValueError, match="line break"):
        response_bytes(taken, "200 OK", [("X-Split", "a\r\nSet-Cookie: x")], b"", True, DAY)


def test_the_date_is_formatted_once_a_second() -> None:
    now = [100.0]
    date = HttpDate(lambda: now[0])
    first = date()
    now[0] = 100.9
    assert date() is first
    now[0] = 101.0
    assert date() == b"Thu, 01 Jan 1970 00:01:41 GMT"


def through_wsgi(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    started: list[Any] = []
    out = b"".join(app(environ, lambda s, h, *_: started.append((s, h))))
    ((status, headers),) = started
    return status, headers, out


def environ_headers(env: dict[str, Any]) -> dict[str, str]:
    """The headers of a test environ, as the plain lane parses them."""
    headers = {k[5:].lower().replace("_", "-"): v for k, v in env.items() if k.startswith("HTTP_")}
    if env.get("CONTENT_TYPE"):
        headers["content-type"] = env["CONTENT_TYPE"]
    return headers


@pytest.mark.parametrize(
    ("path", "env"),
    [
        ("/slack/events", signed(COMMAND, content_type=FORM)),
        ("/slack/events", signed(COMMAND, secret="forged")),
        ("/slack/events", signed(b"[" * 2000 + b"]" * 2000)),
        ("/slack/events", {"body": b"x" * 10, "CONTENT_LENGTH": str(2 * 1024 * 1024)}),
        ("/slack/events", {"body": b"", "CONTENT_LENGTH": ""}),
        ("/slack/events", {"body": b"abc", "CONTENT_LENGTH": "12abc"}),
        ("/slack/other", signed(COMMAND)),
    ],
    ids=["signed", "forged", "deep-json", "too-large", "no-length", "bad-length", "not-found"],
)
def test_direct_answers_what_wsgi_answers(path: str, env: dict[str, Any]) -> None:
    body = env["body"]
    length = env.get("CONTENT_LENGTH", str(len(body)))
    results = []
    for way in ("wsgi", "direct"):
        bolt = FakeBolt(BoltResponse(status=200, body="pong"))
        app = create_wsgi_app(bolt, signing_secret=SECRET, ready=lambda: (True, {}))
        headers = environ_headers(env) | ({"content-length": length} if length else {})
        if way == "direct":
            status, answer_headers, out = app.direct("POST", path, None, headers, body)
        else:
            environ = {k: v for k, v in env.items() if k != "body"}
            environ |= {"REQUEST_METHOD": "POST", "PATH_INFO": path, "CONTENT_LENGTH": length}
            environ["wsgi.input"] = io.BytesIO(body)
            status, answer_headers, out = through_wsgi(app, environ)
        seen = [(r.raw_body, r.headers) for r in bolt.requests]
        results.append((status, answer_headers, out, seen))
    assert results[0] == results[1]


GOOD_NAMES = [b"Host", b"Content-Type", b"X-Slack-Signature", b"X-Slack-Retry-Num", b"X-A"]
NAMES = st.sampled_from(
    GOOD_NAMES * 4
    + [b"Connection", b"Expect", b"Transfer-Encoding", b"Content-Length", b"X_Under", b"x-a",
       b"Bad Name", b"X-\x00", b""]
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from([b"5", b"close", b"keep-alive", b"100-continue", b"chunked", b" 7\t", b"\xa0"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12).map(str.encode),
    st.binary(max_size=12),
)
GOOD_LINES = [LINE, b"POST /slack/events?x=1 HTTP/1.1\r\n", b"POST /slack/events HTTP/1.0\r\n"]
LINES = st.sampled_from(
    GOOD_LINES * 3
    + [b"GET /slack/events HTTP/1.1\r\n", b"POST /slack/events HTTP/2.0\r\n",
       b"POST /x HTTP/1.1\r\n", b"POST  /slack/events HTTP/1.1\r\n",
       b"POST /slack/events HTTP/1.1\n"]
)  # fmt: skip
LENGTHS = st.sampled_from([b"0", b"5", b"12"] * 3 + [b" 3 ", b"05", b"x", b"1048577", b"\xb2"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    LINES,
    st.lists(st.tuples(NAMES, VALUES), max_size=4),
    st.integers(0, 4),
    LENGTHS,
    st.binary(max_size=8),
)
def test_what_the_plain_lane_takes_gunicorn_reads_the_same(
    line: bytes, fields: list[tuple[bytes, bytes]], at: int, length: bytes, body: bytes
) -> None:
    """Differential: any head the plain lane takes, gunicorn's parser takes too, with the same
    method, path, query, body size and header values; and no head makes it raise."""
    fields.insert(at, (b"Content-Length", length))
    data = line + b"".join(name + b": " + value + b"\r\n" for name, value in fields) + b"\r\n"
    data = data[: data.find(b"\r\n\r\n") + 4]  # where the worker's head ends
    taken = take(data)
    event("taken" if taken is not None else "left to gunicorn")
    if taken is None:
        return
    arrival = inspect_request(Config(), data + body + b"\0" * taken.body_size)
    assert arrival.state == "whole" and arrival.size == taken.size
    assert arrival.parsed is not None
    request = arrival.parsed.request
    assert (request.method, request.path, request.query or None) == (
        "POST",
        taken.path,
        taken.query,
    )
    assert {name.lower(): value for name, value in request.headers} == taken.headers
    assert request.should_close() is not taken.keep_alive
