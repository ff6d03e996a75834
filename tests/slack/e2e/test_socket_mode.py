"""``python -m bot socket`` against the stand-in's Socket Mode server.

The bot asks the stand-in's ``apps.connections.open`` (with the xapp token) where to connect,
then gets every request as a WebSocket envelope that it must ack by ``envelope_id``; answers
that Slack shows at once (``/define``, modal errors) travel inside the ack as ``payload``.
Negative checks ("no second post") wait until the bot's job queue, in its own SQLite file,
is empty: jobs are stored before the ack and deleted once their Slack call returned.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.store import SqlStore
from tests.blockkit_limits import assert_block_kit_limits
from tests.standin import USER_ID, Call, FakeSlackWebAPI, FakeSocketModeServer
from tests.standin import requests as rq

from .harness import (
    APP_TOKEN,
    BOT_TOKEN,
    ROOT,
    BotProcess,
    bot_env,
    buttons,
    headers,
    line_of,
    new_channel,
    posts,
    wait_posts,
    wait_until,
)


@dataclass
class SocketBot:
    server: FakeSocketModeServer
    process: BotProcess
    workdir: Path
    startup: list[Call]
    """The Web API calls made while connecting (the ``api`` fixture resets the stand-in)."""


@pytest.fixture(scope="module")
def socket_bot(
    stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SocketBot]:
    workdir = tmp_path_factory.mktemp("socket-bot")
    env = bot_env(workdir, stand_in, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    # The bot stops before the server does: it would otherwise try to reconnect.
    before = len(stand_in.calls())
    with FakeSocketModeServer(api=stand_in) as server:
        process = BotProcess(["socket"], env, workdir, "socket").start()
        try:
            server.wait_for_connection(timeout=30)
            connecting = ("auth.test", "apps.connections.open")
            startup = [c for c in stand_in.calls()[before:] if c.method in connecting]
            yield SocketBot(server, process, workdir, startup)
        finally:
            code = process.stop()
        assert code == 0, "SIGTERM must end Socket Mode with exit code 0"
        assert "Traceback" not in process.log()


def wait_idle(workdir: Path, timeout: float = 10.0) -> None:
    """Wait until the bot's job queue has nothing queued or running (see the module doc)."""
    store = SqlStore(f"sqlite:///{workdir}/state.sqlite3")

    def idle() -> bool:
        stats = store.job_stats(time.time())
        return stats.queued == 0 and stats.running == 0

    try:
        wait_until(idle, timeout, "the job queue to drain")
    finally:
        store.close()


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
    socket_bot: SocketBot, server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    envelope = server.send_command(rq.slash_command("VAR"))
    ack = server.wait_for_ack(envelope)
    assert ack["envelope_id"] == envelope
    assert ack["payload"]["response_type"] == "ephemeral"
    assert headers(ack["payload"]["blocks"]) == ["Value-added reseller (VAR)"]
    assert_block_kit_limits(ack["payload"], "/define VAR ack")
    (share,) = [b for b in buttons(ack["payload"]["blocks"]) if b["action_id"] == "share_term"]
    assert share["value"] == "Value-added reseller"
    wait_idle(socket_bot.workdir)
    assert api.calls() == []


def test_retried_envelope_is_not_answered_twice(
    socket_bot: SocketBot, server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    body = rq.message("VARs and ISVs", channel=channel)
    first = server.send_event(body)
    retry = server.send_event(body, retry_attempt=1, retry_reason="timeout")
    assert first != retry
    server.wait_for_ack(first)
    server.wait_for_ack(retry)  # a retry must be acked too, or Slack keeps retrying
    wait_posts(api, channel)
    wait_idle(socket_bot.workdir)
    assert len(posts(api, channel)) == 1


def test_modal_error_travels_in_the_ack(
    socket_bot: SocketBot, server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    """A share with no channel picked is refused in the ack, next to the field."""
    payload = rq.view_submission(
        "term_modal", {}, private_metadata=json.dumps({"term": "Reseller"})
    )
    ack = server.wait_for_ack(server.send_interactive(payload))
    assert ack["payload"] == {
        "response_action": "errors",
        "errors": {"share_channel": "Pick a channel."},
    }
    wait_idle(socket_bot.workdir)
    assert api.calls("chat.postMessage") == []


def test_refused_modal_share_is_acked_at_once_and_told_in_a_dm(
    socket_bot: SocketBot, server: FakeSocketModeServer, api: FakeSlackWebAPI
) -> None:
    api.fail("chat.postMessage", "not_in_channel")
    channel = new_channel()
    selected = {"type": "conversations_select", "selected_conversation": channel}
    payload = rq.view_submission(
        "term_modal",
        {"share_channel": {"channel": selected}},
        private_metadata=json.dumps({"term": "Reseller"}),
    )
    envelope = server.send_interactive(payload)
    assert server.wait_for_ack(envelope) == {"envelope_id": envelope}  # the modal closes
    (told,) = wait_posts(api, USER_ID)
    assert told.params["text"] == (
        "I couldn't share “Reseller”: Slack said `not_in_channel`. "
        "Invite me to the channel (/invite @glossary) and try again."
    )


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


# -- start, stop and a revoked token, each in a bot process of its own -----------------------


@contextmanager
def lone_socket_bot(
    workdir: Path,
) -> Iterator[tuple[FakeSlackWebAPI, FakeSocketModeServer, BotProcess]]:
    """A bot with a stand-in of its own: these tests script ``apps.connections.open`` failures
    and cut connections, which must not reach the module's shared bot."""
    with FakeSlackWebAPI() as api, FakeSocketModeServer(api=api, relay=True) as server:
        env = bot_env(workdir, api, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
        process = BotProcess(["socket"], env, workdir, "socket")
        try:
            yield api, server, process
        finally:
            process.stop()


def exit_code(process: BotProcess, timeout: float = 30.0) -> int:
    assert process.proc is not None
    return process.proc.wait(timeout)


@pytest.mark.parametrize("error", ["invalid_auth", "not_allowed_token_type"])
def test_refused_app_token_is_one_line_and_exit_2(tmp_path: Path, error: str) -> None:
    with lone_socket_bot(tmp_path) as (api, server, process):
        api.fail("apps.connections.open", error)
        process.start()
        assert exit_code(process) == 2
        log = process.log()
    mentions = [line for line in log.splitlines() if "SLACK_APP_TOKEN" in line]
    assert mentions == [
        f"Cannot start: Slack refused SLACK_APP_TOKEN: {error} (apps.connections.open needs "
        "an app-level token, xapp-…, with the connections:write scope)"
    ]
    assert "Traceback" not in log
    assert server.wait_for_connection(count=0) == 0


def test_ctrl_c_stops_quietly(tmp_path: Path) -> None:
    with lone_socket_bot(tmp_path) as (_, server, process):
        process.start()
        server.wait_for_connection(timeout=30)
        envelope = server.send_event(rq.message("Any EQLs?", channel=new_channel()))
        server.wait_for_ack(envelope, timeout=10)
        assert process.proc is not None
        process.proc.send_signal(signal.SIGINT)
        assert exit_code(process) == 0
        log = process.log()
    assert "Traceback" not in log and "KeyboardInterrupt" not in log


def test_token_revoked_later_exits_3_with_one_line(tmp_path: Path) -> None:
    with lone_socket_bot(tmp_path) as (api, server, process):
        process.start()
        server.wait_for_connection(timeout=30)
        api.fail("apps.connections.open", "token_revoked")
        server.cut(silently=False)  # the reconnect is refused
        assert exit_code(process) == 3
        log = process.log()
    mentions = [line for line in log.splitlines() if "SLACK_APP_TOKEN" in line]
    assert len(mentions) == 1
    assert mentions[0].endswith(
        "Slack refused SLACK_APP_TOKEN (token_revoked) while reconnecting; exiting with code 3"
    )
    assert "Traceback" not in log


def test_a_glossary_edit_is_served_in_socket_mode(
    stand_in: FakeSlackWebAPI, tmp_path: Path
) -> None:
    """Hot reload under ``socket``: an edit is answered within the interval, and a broken
    edit keeps the last good glossary and names its file and line once."""
    folder = tmp_path / "glossary"
    shutil.copytree(ROOT / "glossary", folder)
    extra = folder / "beyond-seed.yaml"
    original = extra.read_text()
    env = bot_env(
        tmp_path,
        stand_in,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        GLOSSARY_PATH=str(folder),
        GLOSSARY_RELOAD_S="1",
    )
    with FakeSocketModeServer(api=stand_in) as server:
        process = BotProcess(["socket"], env, tmp_path, "reload").start()
        try:
            server.wait_for_connection(timeout=30)

            def mdf_answer() -> str:
                ack = server.wait_for_ack(server.send_command(rq.slash_command("MDF")))
                return json.dumps(ack["payload"])

            assert "(edited)" not in mdf_answer()
            extra.write_text(original.replace("are marketing money", "are (edited) money"))
            wait_until(lambda: "(edited)" in mdf_answer(), 15, "the edited definition")
            extra.write_text(original.replace("category:", "colour:", 1))
            process.wait_for_log("unknown field 'colour'", timeout=15)
            assert "(edited)" in mdf_answer()  # still the last good glossary
        finally:
            assert process.stop() == 0
    problem = f"{extra}:{line_of(original, 'category:')}: unknown field 'colour'"
    assert process.log().count(problem) == 1
