"""wsgi.create_wsgi_app: /healthz, the request-size guard, and the hand-off to Bolt.

Pinned down: /healthz answers the health report as JSON, 200 when ``ok`` and 503 otherwise;
a body over 1 MiB or an unreadable Content-Length is refused with 413 before Bolt reads it;
everything else reaches Bolt, which checks the signature (401) and answers a signed /define
with the private card — over the local Slack stand-in, never the network.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any
from unittest.mock import Mock
from wsgiref.util import setup_testing_defaults

import pytest
from slack_bolt import App
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack.app import build_app
from bot.slack.wsgi import MAX_BODY, create_wsgi_app
from tests.standin import requests
from tests.standin.web_api import FakeSlackWebAPI

SECRET = "signing-secret-for-tests"


def run(wsgi: Any, path: str, body: bytes = b"", **environ: str) -> tuple[str, dict[str, str], Any]:
    """Call the WSGI app once; (status line, headers, decoded JSON or text body)."""
    env: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "POST" if body else "GET"}
    env.update(environ)
    env.setdefault("CONTENT_LENGTH", str(len(body)))
    env["wsgi.input"] = io.BytesIO(body)
    setup_testing_defaults(env)
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started.append((status, headers))

    chunks: Iterable[bytes] = wsgi(env, start_response)
    raw = b"".join(chunks).decode()
    ((status, headers),) = started
    header_map = {k.lower(): v for k, v in headers}
    is_json = header_map.get("content-type", "").startswith("application/json")
    return status, header_map, json.loads(raw) if is_json and raw else raw


@pytest.fixture
def stub_app() -> Mock:
    return Mock(spec=App)


@pytest.mark.parametrize(
    ("report", "status"),
    [
        ({"ok": True, "terms": 98, "store": True}, "200 OK"),
        ({"ok": False, "terms": 98, "store": False}, "503 Service Unavailable"),
    ],
)
def test_healthz(stub_app: Mock, report: dict[str, Any], status: str) -> None:
    answer = run(create_wsgi_app(stub_app, lambda: report), "/healthz")
    assert answer == (
        status,
        {"content-type": "application/json", "content-length": str(len(json.dumps(report)))},
        report,
    )
    stub_app.dispatch.assert_not_called()


@pytest.mark.parametrize("length", [str(MAX_BODY + 1), str(50 * MAX_BODY), "-1", "12abc", "1.5"])
def test_oversized_or_unreadable_length_is_refused(stub_app: Mock, length: str) -> None:
    wsgi = create_wsgi_app(stub_app, lambda: {"ok": True})
    status, _, body = run(wsgi, "/slack/events", b"{}", CONTENT_LENGTH=length)
    assert (status, body) == ("413 Payload Too Large", {"ok": False})
    stub_app.dispatch.assert_not_called()


@pytest.fixture
def real_app(service: GlossaryService, slack_api: FakeSlackWebAPI) -> App:
    client = WebClient(token="xoxb-test", base_url=slack_api.base_url)
    return build_app(service, client, signing_secret=SECRET, background_posts=False)


def signed(data: dict[str, Any]) -> dict[str, Any]:
    """WSGI environ entries for a slash command signed as Slack signs it."""
    prepared = requests.SignedSender("http://unused", SECRET).prepare("command", data)
    env = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in prepared.headers.items()}
    env["CONTENT_TYPE"] = env.pop("HTTP_CONTENT_TYPE")
    return {"body": prepared.body.encode(), **env}


def test_a_signed_define_reaches_bolt(real_app: App) -> None:
    wsgi = create_wsgi_app(real_app, lambda: {"ok": True})
    status, _, reply = run(wsgi, "/slack/events", **signed(requests.slash_command("eql")))
    assert status == "200 OK"
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Ecosystem Qualified Lead (EQL): ")


def test_a_body_of_exactly_one_mib_reaches_bolt(real_app: App) -> None:
    wsgi = create_wsgi_app(real_app, lambda: {"ok": True})
    status, _, _ = run(wsgi, "/slack/events", b"x" * MAX_BODY)
    assert status == "401 Unauthorized"  # Bolt read it and found no signature


def test_unknown_paths_are_bolts_404(real_app: App) -> None:
    status, _, body = run(create_wsgi_app(real_app, dict), "/elsewhere", b"{}")
    assert (status, body) == ("404 Not Found", "Not Found")
