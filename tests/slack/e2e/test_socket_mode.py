"""``python -m bot socket`` against the stand-in's Socket Mode server.

The bot asks the stand-in's ``apps.connections.open`` (with the xapp token) where to connect,
then gets every request as a WebSocket envelope that it must ack by ``envelope_id``; answers
that Slack shows at once (``/define``, modal errors) travel inside the ack as ``payload``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.standin import Call, FakeSlackWebAPI, FakeSocketModeServer
from tests.standin import requests as rq

from .harness import (
    APP_TOKEN,
    BOT_TOKEN,
    BotProcess,
    bot_env,
    buttons,
    headers,
    new_channel,
    posts,
    settle,
    wait_posts,
)
from .limits import assert_block_kit_limits


@dataclass
class SocketBot:
    server: FakeSocketModeServer
    process: BotProcess
    startup: list[Call]
    """The Web API calls made while connecting (the ``api`` fixture resets the stand-in)."""


@pytest.fixture(scope="module")
def socket_bot(
    stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SocketBot]:
    workdir = tmp_path_factory.mktemp("socket-bot")
    env = bot_env(workdir, stand_in, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    # The bot stops before the server does: slack_sdk would otherwise try to reconnect.
    before = len(stand_in.calls())
    with (
        FakeSocketModeServer(api=stand_in) as server,
        BotProcess(["socket"], env, workdir, "socket") as process,
    ):
        server.wait_for_connection(timeout=30)
        connecting = ("auth.test", "apps.connections.open")
        startup = [c for c in stand_in.calls()[before:] if c.method in connecting]
        yield SocketBot(server, process, startup)


@pytest.fixture
def server(socket_bot: SocketBot, api: FakeSlackWebAPI) -> FakeSocketModeServer:
    socket_bot.server.reset()
    return socket_bot.server


def test_connects_with_the_app_token(socket_bot: SocketBot) -> None:
    assert [(c.method, c.token) for c in socket_bot.startup] == [
        ("auth.test", BOT_TOKEN),  # Bolt checks the bot token when the app is built
        ("apps.connections.open", APP_TOKEN),
    ]
    assert "connecting to Slack with Socket Mode" in socket_bot.process.log()


def test_channel_message_is_acked_and_explained(
    server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    body = rq.message("Any EQLs from the partner summit?", channel=channel)
    envelope = server.send_event(body)
    assert server.wait_for_ack(envelope) == {"envelope_id": envelope}
    (post,) = wait_posts(api, channel)
    assert post.params["thread_ts"] == body["event"]["ts"]
    assert post.token == BOT_TOKEN
    assert post.params["text"] == "Glossary: Ecosystem Qualified Lead (EQL)"


def test_define_answer_travels_in_the_ack(
    server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    envelope = server.send_command(rq.slash_command("VAR"))
    ack = server.wait_for_ack(envelope)
    assert ack["envelope_id"] == envelope
    assert ack["payload"]["response_type"] == "ephemeral"
    assert headers(ack["payload"]["blocks"]) == ["Value-added reseller (VAR)"]
    assert_block_kit_limits(ack["payload"], "/define VAR ack")
    (share,) = [b for b in buttons(ack["payload"]["blocks"]) if b["action_id"] == "share_term"]
    assert share["value"] == "Value-added reseller"
    settle()
    assert api.calls() == []


def test_retried_envelope_is_not_answered_twice(
    server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    body = rq.message("VARs and ISVs", channel=channel)
    first = server.send_event(body)
    retry = server.send_event(body, retry_attempt=1, retry_reason="timeout")
    assert first != retry
    server.wait_for_ack(first)
    server.wait_for_ack(retry)  # a retry must be acked too, or Slack keeps retrying
    wait_posts(api, channel)
    settle()
    assert len(posts(api, channel)) == 1


def test_modal_error_travels_in_the_ack(server: FakeSocketModeServer, api: FakeSlackWebAPI) -> None:
    api.fail("chat.postMessage", "not_in_channel")
    selected = {"type": "conversations_select", "selected_conversation": new_channel()}
    payload = rq.view_submission(
        "term_modal",
        {"share_channel": {"channel": selected}},
        private_metadata=json.dumps({"term": "Reseller"}),
    )
    ack = server.wait_for_ack(server.send_interactive(payload))
    assert ack["payload"]["response_action"] == "errors"
    assert list(ack["payload"]["errors"]) == ["share_channel"]


def test_reconnects_after_a_disconnect_and_keeps_working(
    socket_bot: SocketBot, server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    before = server.wait_for_connection()
    server.send_disconnect("refresh_requested")
    assert server.wait_for_connection(timeout=15, count=before + 1) == before + 1
    assert api.calls("apps.connections.open")[0].token == APP_TOKEN
    channel = new_channel()
    envelope = server.send_event(rq.message("ISV onboarding", channel=channel))
    server.wait_for_ack(envelope)
    (post,) = wait_posts(api, channel)
    assert post.params["text"] == "Glossary: Independent software vendor (ISV)"
    assert socket_bot.process.alive()
    assert "Traceback" not in socket_bot.process.log()
