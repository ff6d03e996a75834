"""HTTP mode at the edge: signatures, the URL handshake, health, and hostile or odd bodies.

Runs ``python -m bot serve`` (gunicorn, two workers) against the Slack stand-in.
"""

from __future__ import annotations

import time

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.standin import FakeSlackWebAPI, Prepared
from tests.standin import requests as rq

from .harness import ACK_DEADLINE, SECRET, HttpBot, new_channel, posts, settle, wait_posts


def signed_raw(body: str, content_type: str = "application/json") -> Prepared:
    """A correctly signed request with a body no builder would produce."""
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature or "",
    }
    return Prepared(body, headers)


def test_healthz_reports_the_glossary_and_store(http: HttpBot) -> None:
    assert http.health() == (200, {"ok": True, "terms": 98, "store": True})


def test_url_verification_is_answered_with_the_challenge(http: HttpBot) -> None:
    response = http.event(
        rq.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    )
    assert response.status == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize("tamper", [{"forge": True}, {"stale": True}], ids=["forged", "stale"])
def test_bad_signatures_get_401_and_leave_no_trace(
    http: HttpBot, api: FakeSlackWebAPI, tamper: dict[str, bool]
) -> None:
    channel = new_channel()
    event = rq.message("We need more EQLs from our VARs", channel=channel)
    share = rq.block_actions_message(
        "share_term",
        "Ecosystem Qualified Lead",
        is_ephemeral=True,
        response_url=api.response_url("forged"),
    )
    refused = [
        http.event(event, **tamper),
        http.sender.command(rq.slash_command("eql"), **tamper),
        http.interactive(share, **tamper),
    ]
    assert [(r.status, r.json()) for r in refused] == [(401, {"error": "invalid request"})] * 3
    settle()
    assert (api.calls(), api.responses()) == ([], [])
    # Nothing was stored either: the genuine delivery of the same event is still answered, once.
    assert http.event(event).status == 200
    (post,) = wait_posts(api, channel)
    assert post.params["thread_ts"] == event["event"]["ts"]
    settle()
    assert len(posts(api, channel)) == 1


def test_unsigned_request_is_refused(http: HttpBot) -> None:
    body = '{"type": "url_verification", "challenge": "abc"}'
    response = http.sender.post(Prepared(body, {"Content-Type": "application/json"}))
    assert (response.status, response.json()) == (401, {"error": "invalid request"})


def test_a_40000_character_message_is_answered_once(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    text = ("We need more EQLs from our VARs. " * 1300)[:40_000]
    started = time.monotonic()
    response = http.event(rq.message(text, channel=channel))
    assert (response.status, time.monotonic() - started < ACK_DEADLINE) == (200, True)
    (post,) = wait_posts(api, channel)
    assert post.params["text"] == (
        "Glossary: Ecosystem Qualified Lead (EQL), Value-added reseller (VAR)"
    )
    settle()
    assert len(posts(api, channel)) == 1
    assert http.health()[0] == 200


def test_body_over_one_mebibyte_is_refused_with_413(http: HttpBot, api: FakeSlackWebAPI) -> None:
    response = http.event(rq.message("EQL " * 270_000, channel=new_channel()))
    assert (response.status, response.json()) == (413, {"ok": False})
    settle()
    assert api.calls() == []
    assert http.health()[0] == 200


@pytest.mark.parametrize("body", ['{"type": "event_callback", "event": ', "null", "[1, 2]"])
def test_server_survives_a_malformed_signed_body(
    http: HttpBot, api: FakeSlackWebAPI, body: str
) -> None:
    response = http.sender.post(signed_raw(body))
    assert response.status in (200, 400, 401)
    assert http.health() == (200, {"ok": True, "terms": 98, "store": True})
    channel = new_channel()
    assert http.event(rq.message("EQL", channel=channel)).status == 200
    wait_posts(api, channel)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_malformed_body_is_a_client_error_without_traceback(http: HttpBot, signed: bool) -> None:
    before = http.log().count("Traceback")
    request = signed_raw("null")
    if not signed:
        request = Prepared(request.body, {"Content-Type": "application/json"})
    response = http.sender.post(request)
    assert 400 <= response.status < 500
    assert http.log().count("Traceback") == before
