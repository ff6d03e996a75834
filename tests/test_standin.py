"""Prove the Slack stand-in (tests/standin) behaves like Slack towards the REAL slack_sdk/Bolt.

If these pass, a bot test that fails against the stand-in points at the bot, not the fake.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers as handlers
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from bot.slack.web_client import KeepAliveWebClient, connection_pool
from tests.standin import BOT_ID, BOT_USER_ID, FakeSlackWebAPI, FakeSocketModeServer, SignedSender
from tests.standin import requests as rq

# The stand-in fixtures come from tests/conftest.py (pytest_plugins).

SECRET = "standin-signing-secret"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SLA*: service level"}}]


def client_for(api: FakeSlackWebAPI, **kw: Any) -> WebClient:
    return WebClient(token="xoxb-test", base_url=api.base_url, timeout=5, **kw)


# -- Web API (both servers: ``http.server`` for tests, ``lean`` for benchmarks) ---------------


@pytest.fixture(params=[False, True], ids=["http.server", "lean"])
def lean(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def web_api(lean: bool) -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI(lean=lean) as api:
        yield api


def test_web_client_calls_are_answered_and_recorded(web_api: FakeSlackWebAPI) -> None:
    client = client_for(web_api)
    assert client.auth_test()["user_id"] == BOT_USER_ID
    resp = client.chat_postMessage(channel="C1", text="SLA", blocks=BLOCKS, thread_ts="1.2")
    assert resp["ok"] and resp["channel"] == "C1" and resp["message"]["blocks"] == BLOCKS
    (call,) = web_api.wait_for("chat.postMessage")
    assert call.token == "xoxb-test"
    assert call.params == {"channel": "C1", "text": "SLA", "blocks": BLOCKS, "thread_ts": "1.2"}
    assert [c.method for c in web_api.calls()] == ["auth.test", "chat.postMessage"]
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(5)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 5


def test_form_encoded_methods_and_configurable_info(web_api: FakeSlackWebAPI) -> None:
    client = client_for(web_api)
    web_api.set_channel("C2", is_ext_shared=True)
    assert client.conversations_info(channel="C2")["channel"]["is_ext_shared"] is True
    default = {"id": "C3", "is_ext_shared": False, "is_member": True}
    assert client.conversations_info(channel="C3")["channel"] == default
    # slack_sdk POSTs even methods it declares as GET, form-encoded:
    assert web_api.calls("conversations.info")[0].http_method == "POST"
    view = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})["view"]
    assert view["id"].startswith("V") and view["hash"] and view["type"] == "home"
    assert web_api.calls("views.publish")[0].decoded("view")["blocks"] == BLOCKS
    assert client.api_call("reactions.add", params={"name": "eyes"})["ok"]
    with urllib.request.urlopen(f"{web_api.base_url}emoji.list?x=1", timeout=5) as resp:
        assert resp.status == 200
    assert web_api.calls("emoji.list")[0].http_method == "GET"


def test_scripted_error_raises_slack_api_error(web_api: FakeSlackWebAPI) -> None:
    client = client_for(web_api)
    web_api.fail("chat.postMessage", error="not_in_channel")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert (err.value.response.status_code, err.value.response["error"]) == (200, "not_in_channel")
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]  # only `times` calls fail


def test_rate_limit_is_retried_by_rate_limit_handler(web_api: FakeSlackWebAPI) -> None:
    web_api.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:  # default client: no retry on 429
        client_for(web_api).chat_postMessage(channel="C1", text="hi")
    assert (err.value.response.status_code, err.value.response.headers["Retry-After"]) == (429, "7")
    web_api.reset()
    web_api.rate_limit("chat.postMessage", retry_after=0)
    client = client_for(web_api, retry_handlers=[handlers.RateLimitErrorRetryHandler()])
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(web_api.calls("chat.postMessage")) == 2


def test_server_error_and_server_error_retry(web_api: FakeSlackWebAPI) -> None:
    web_api.server_error("chat.update", status=503)
    with pytest.raises(SlackApiError) as err:
        client_for(web_api).chat_update(channel="C1", ts="1.2", text="x")
    assert err.value.response.status_code == 503
    web_api.server_error("chat.update", status=500)
    handler = handlers.ServerErrorRetryHandler(1, FixedValueRetryIntervalCalculator(0.01))
    client = client_for(web_api, retry_handlers=[handler])
    assert client.chat_update(channel="C1", ts="1.2", text="x")["ts"] == "1.2"
    assert len(web_api.calls("chat.update")) == 3


def test_token_checks(lean: bool) -> None:
    with FakeSlackWebAPI(require_token=True, lean=lean) as api:
        with pytest.raises(SlackApiError, match="not_authed"):
            WebClient(base_url=api.base_url).auth_test()
        assert client_for(api).auth_test()["ok"]
        with pytest.raises(SlackApiError, match="not_allowed_token_type"):
            client_for(api).apps_connections_open(app_token="xoxb-not-an-app-token")
        with pytest.raises(SlackApiError, match="standin_no_socket_mode_server"):
            client_for(api).apps_connections_open(app_token="xapp-test")


def test_wait_for_times_out_with_recorded_methods(web_api: FakeSlackWebAPI) -> None:
    client_for(web_api).auth_test()
    with pytest.raises(AssertionError, match=r"chat.postMessage.*\['auth.test'\]"):
        web_api.wait_for("chat.postMessage", timeout=0.1)


def test_response_url_posts_are_recorded(web_api: FakeSlackWebAPI) -> None:
    url = web_api.response_url("r1")
    resp = WebhookClient(url, timeout=5).send(text="defined", response_type="ephemeral")
    assert resp.status_code == 200
    (posted,) = web_api.wait_for_response("r1")
    assert posted.body == {"text": "defined", "response_type": "ephemeral"}
    web_api.fail_response_url(status=404, body="expired_url")
    late = WebhookClient(url, timeout=5).send(text="late")
    assert (late.status_code, late.body) == (404, "expired_url")


def test_lean_server_keeps_connections_alive_and_refuses_what_it_cannot_parse() -> None:
    api = FakeSlackWebAPI(lean=True).start()
    pool = connection_pool()
    client = KeepAliveWebClient(token="xoxb-test", base_url=api.base_url, timeout=5, pool=pool)
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(3)]
    assert (len(set(stamps)), pool.opened) == (3, 1)  # three calls, one connection
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert sock.recv(4096) == b""  # and closed
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /api/auth.test HTTP/1.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):  # the server closes after one answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 200 OK"
    assert b"Connection: close" in head.split(b"\r\n")
    assert json.loads(body)["user_id"] == BOT_USER_ID
    assert [c.method for c in api.calls()] == ["chat.postMessage"] * 3 + ["auth.test"]
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /api/auth.test HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")  # kept alive ...
        api.stop()
        assert sock.recv(4096) == b""  # ... until the stand-in stops: a stopped Slack is gone


# -- signed HTTP requests -------------------------------------------------------------------


def test_signed_sender_headers_verify_like_slack() -> None:
    sender, verifier = SignedSender("http://127.0.0.1:1", SECRET), SignatureVerifier(SECRET)
    good = sender.prepare("command", rq.slash_command("sla"))
    assert verifier.is_valid_request(good.body, good.headers) and "text=sla" in good.body
    for bad in (
        sender.prepare("event", rq.message(), forge=True),
        sender.prepare("event", rq.message(), stale=True),
    ):
        assert not verifier.is_valid_request(bad.body, bad.headers)
    retry = sender.prepare("interactive", rq.message_action(), retry_num=2)
    assert retry.body.startswith("payload=") and retry.headers["X-Slack-Retry-Num"] == "2"
    assert verifier.is_valid_request(retry.body, retry.headers)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_http(slack_api: FakeSlackWebAPI) -> Iterator[tuple[App, SignedSender]]:
    """A Bolt app served over real HTTP (WSGI adapter), wired to the fake Web API."""
    app = App(client=client_for(slack_api), signing_secret=SECRET)
    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield app, SignedSender(f"http://127.0.0.1:{server.server_port}", SECRET)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_bolt_accepts_every_builder_over_http(
    bolt_http: tuple[App, SignedSender], slack_api: FakeSlackWebAPI
) -> None:
    app, sender = bolt_http
    seen: dict[str, Any] = {}
    done = threading.Condition()

    def mark(name: str, value: Any = True) -> None:
        with done:
            seen[name] = value
            done.notify_all()

    @app.command("/define")
    def define(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack(f"looking up {command['text']}")
        respond("SLA: service level agreement")

    app.event("app_mention")(lambda say: say("hi"))

    def kind_of(event: dict[str, Any]) -> str:
        return event.get("subtype") or ("thread" if "thread_ts" in event else event["channel_type"])

    app.event("message")(lambda event: mark(f"message:{kind_of(event)}", event))
    app.event("app_home_opened")(lambda event: mark("home", event["tab"]))

    def interaction(ack: Any, body: dict[str, Any]) -> None:
        ack()
        names = {"view_submission": "submitted", "message_action": "shortcut"}
        mark(names.get(body["type"]) or body["container"]["type"], body)

    for register in (
        app.action("msg_button"),
        app.action("home_button"),
        app.view("term_modal"),
        app.shortcut("explain"),
    ):
        register(interaction)

    challenge = sender.event(rq.url_verification("c-123"))
    assert (challenge.status, challenge.json()) == (200, {"challenge": "c-123"})
    assert sender.event(rq.message(), forge=True).status == 401
    assert sender.event(rq.message(), stale=True).status == 401
    reply = sender.command(rq.slash_command("SLA", response_url=slack_api.response_url("cmd")))
    assert (reply.status, reply.body) == (200, "looking up SLA")
    assert slack_api.wait_for_response("cmd")[0].body["text"].startswith("SLA:")
    assert sender.event(rq.app_mention(), retry_num=1).status == 200
    assert slack_api.wait_for("chat.postMessage")[0].params["text"] == "hi"

    own_echo = rq.bot_message("echo", bot_id=BOT_ID, bot_user=BOT_USER_ID, with_subtype=False)
    values = rq.plain_text_values({"term": {"term_input": "SLA"}})
    events = [
        own_echo,
        rq.bot_message(),
        rq.thread_reply(thread_ts="1.2"),
        rq.dm_message(),
        rq.message_changed("new", previous_text="old"),
        rq.message_deleted(deleted_ts="1.2"),
        rq.channel_join(),
        rq.thread_broadcast(thread_ts="1.2"),
        rq.file_share(),
        rq.app_home_opened(),
    ]
    interactions = [
        rq.block_actions_message("msg_button", "v", is_ephemeral=True),
        rq.block_actions_message("msg_button", "v"),
        rq.block_actions_home("home_button", "v"),
        rq.view_submission("term_modal", values),
        rq.message_action("explain", text="what is SLA?"),
    ]
    statuses = [sender.event(e).status for e in events]
    statuses += [sender.interactive(p).status for p in interactions]
    assert set(statuses) == {200}
    subtypes = (
        "bot_message",
        "thread",
        "im",
        "message_changed",
        "message_deleted",
        "channel_join",
        "thread_broadcast",
        "file_share",
    )
    expected = {f"message:{s}" for s in subtypes} | {
        "home",
        "message",
        "view",
        "submitted",
        "shortcut",
    }
    with done:
        assert done.wait_for(lambda: expected <= seen.keys(), timeout=5), sorted(seen)
    assert "message:channel" not in seen  # Bolt dropped the bot's own echo (auth.test ids)
    assert seen["message:message_changed"]["message"]["text"] == "new"
    assert seen["submitted"]["view"]["state"]["values"]["term"]["term_input"]["value"] == "SLA"
    assert (seen["home"], seen["shortcut"]["message"]["text"]) == ("home", "what is SLA?")


# -- Socket Mode ----------------------------------------------------------------------------


def test_socket_mode_round_trip_with_real_sdk_client(
    slack_api: FakeSlackWebAPI, socket_server: FakeSocketModeServer
) -> None:
    received: list[SocketModeRequest] = []

    def listener(client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        received.append(req)
        client.send_socket_mode_response(SocketModeResponse(req.envelope_id, {"seen": True}))

    web_client = WebClient(base_url=slack_api.base_url)  # no bot token needed here
    client = SocketModeClient(app_token="xapp-test", web_client=web_client)
    client.socket_mode_request_listeners.append(listener)
    try:
        client.connect()
        socket_server.wait_for_connection()
        eid = socket_server.send_envelope("events_api", rq.app_mention(), retry_attempt=1)
        assert socket_server.wait_for_ack(eid) == {"envelope_id": eid, "payload": {"seen": True}}
        assert received[0].payload["event"]["type"] == "app_mention"
        assert received[0].retry_attempt == 1
        socket_server.send_disconnect()  # Slack's periodic refresh: the client must reconnect
        socket_server.wait_for_connection(count=2)
        eid = socket_server.send_command(rq.slash_command("SLA"))
        assert socket_server.wait_for_ack(eid)["envelope_id"] == eid
    finally:
        client.close()
    opens = slack_api.calls("apps.connections.open")
    assert len(opens) == 2 and {c.token for c in opens} == {"xapp-test"}


def test_bolt_socket_mode_handler_acks_with_payload(
    slack_api: FakeSlackWebAPI, socket_server: FakeSocketModeServer
) -> None:
    app = App(client=client_for(slack_api), signing_secret=SECRET)
    retry_nums: queue.Queue[Any] = queue.Queue()

    @app.command("/define")
    def define(ack: Any) -> None:
        ack("Defined!")

    @app.event("message")
    def on_message(request: Any) -> None:
        retry_nums.put(request.headers.get("x-slack-retry-num"))

    handler = SocketModeHandler(app, "xapp-test")
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        cmd = socket_server.send_command(rq.slash_command("SLA"))
        assert socket_server.wait_for_ack(cmd)["payload"] == {"text": "Defined!"}
        for attempt in (0, 2):  # Bolt maps even a first delivery to x-slack-retry-num: "0"
            event = socket_server.send_event(rq.message(), retry_attempt=attempt)
            assert "payload" not in socket_server.wait_for_ack(event)
            assert retry_nums.get(timeout=5) == [str(attempt)]
    finally:
        handler.close()  # type: ignore[no-untyped-call]
