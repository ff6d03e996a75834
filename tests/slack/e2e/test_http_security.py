"""HTTP mode at the edge: signatures, the URL handshake, probes, and hostile or odd bodies.

Runs ``python -m bot serve`` (gunicorn, two workers) against the Slack stand-in. Pinned down:
nothing unsigned gets past a 401, whatever its timestamp or body; a signed body Bolt cannot
read is a 400; neither writes a traceback, and a flood of them writes one line per kind and
worker; the server keeps answering genuine traffic afterwards.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.signature import SignatureVerifier

from tests.standin import FakeSlackWebAPI, Prepared
from tests.standin import requests as rq

from .harness import ACK_DEADLINE, SECRET, HttpBot, new_channel, posts, wait_posts

UNSIGNED = (401, {"ok": False, "error": "invalid signature"})
MALFORMED = (400, {"ok": False, "error": "malformed request"})


def signed_raw(body: str, content_type: str = "application/json", ts: str = "") -> Prepared:
    """A correctly signed request with a body no builder would produce."""
    ts = ts or str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature or "",
    }
    return Prepared(body, headers)


def test_healthz_is_liveness_and_readyz_is_readiness(http: HttpBot) -> None:
    assert http.health() == (200, {"ok": True})
    status, body = http.get("/readyz")
    assert (status, json.loads(body)["ok"]) == (200, True)


def refused_count(http: HttpBot) -> float:
    """``glossary_requests_total{kind="unknown",outcome="unsigned"}``, summed over workers."""
    status, body = http.get("/metrics")
    assert status == 200
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = {"kind": "unknown", "outcome": "unsigned"}
            if sample.name == "glossary_requests_total" and sample.labels == labels:
                return sample.value
    return 0.0


def test_metrics_count_requests_across_workers(http: HttpBot) -> None:
    before = refused_count(http)
    for _ in range(6):  # new connections: both workers take some
        assert http.sender.command(rq.slash_command("eql"), forge=True).status == 401
    assert refused_count(http) - before == 6.0


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
    assert [(r.status, r.json()) for r in refused] == [UNSIGNED] * 3
    http.wait_idle()
    assert (api.calls(), api.responses()) == ([], [])
    # Nothing was stored either: the genuine delivery of the same event is still answered, once.
    assert http.event(event).status == 200
    (post,) = wait_posts(api, channel)
    assert post.params["thread_ts"] == event["event"]["ts"]
    http.wait_idle()
    assert len(posts(api, channel)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": "v0=00"},
    ],
    ids=["no-signature", "timestamp-abc", "timestamp-5000-digits"],
)
def test_unsigned_requests_are_refused_without_traceback(
    http: HttpBot, headers: dict[str, str]
) -> None:
    mark = http.mark()
    body = '{"type": "url_verification", "challenge": "abc"}'
    response = http.sender.post(Prepared(body, {"Content-Type": "application/json", **headers}))
    assert (response.status, response.json()) == UNSIGNED
    assert "Traceback" not in http.log(mark)


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
    http.wait_idle()
    assert len(posts(api, channel)) == 1


def test_body_over_one_mebibyte_is_refused_with_413(http: HttpBot, api: FakeSlackWebAPI) -> None:
    response = http.event(rq.message("EQL " * 270_000, channel=new_channel()))
    assert (response.status, response.json()) == (413, {"ok": False, "error": "body too large"})
    http.wait_idle()
    assert api.calls() == []
    assert http.health()[0] == 200


EVENT = rq.message("We need more EQLs")
ODD_BODIES = {
    "nested-1000-deep": "[" * 1000 + "]" * 1000,
    "nested-100000-deep": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "authorizations-dict": json.dumps({**EVENT, "authorizations": {"team_id": "T1"}}),
    "response_urls-dict": json.dumps(
        rq.view_submission("define_modal", {}) | {"response_urls": {"url": "x"}}
    ),
    "truncated": '{"type": "event_callback", "event": ',
    "null": "null",
}


@pytest.mark.parametrize("body", ODD_BODIES.values(), ids=ODD_BODIES.keys())
def test_a_signed_body_bolt_cannot_read_is_a_400_without_traceback(
    http: HttpBot, api: FakeSlackWebAPI, body: str
) -> None:
    mark = http.mark()
    response = http.sender.post(signed_raw(body))
    assert (response.status, response.json()) == MALFORMED
    assert "Traceback" not in http.log(mark)
    channel = new_channel()
    assert http.event(rq.message("EQL", channel=channel)).status == 200
    wait_posts(api, channel)


def test_a_flood_of_bad_requests_writes_one_line_per_kind_and_worker(http: HttpBot) -> None:
    """At most: earlier tests may already have used this minute's line for a kind."""
    mark = http.mark()
    for _ in range(40):
        assert http.sender.command(rq.slash_command("eql"), forge=True).status == 401
        assert http.sender.post(signed_raw("null")).status == 400
    lines = http.log(mark).splitlines()
    refused = [line for line in lines if "bot.slack.wsgi" in line]
    assert len(refused) <= 2 * http.workers
    assert [line for line in lines if "Traceback" in line] == []


INSIDE_DISPATCH = {
    "action-without-action_id": (
        urlencode({"payload": json.dumps(rq.block_actions_message() | {"actions": [{}]})}),
        "application/x-www-form-urlencoded",
    ),
    "event-a-list": (json.dumps({**EVENT, "event": [1]}), "application/json"),
}


@pytest.mark.parametrize(("body", "content_type"), INSIDE_DISPATCH.values(), ids=INSIDE_DISPATCH)
def test_a_signed_body_bolt_chokes_on_inside_dispatch_is_a_400_without_traceback(
    http: HttpBot, body: str, content_type: str
) -> None:
    mark = http.mark()
    response = http.sender.post(signed_raw(body, content_type))
    assert (response.status, "Traceback" in http.log(mark)) == (400, False)
