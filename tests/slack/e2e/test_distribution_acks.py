"""Every event Slack sends is acknowledged, whether or not the app handles it: over HTTP in
OAuth mode, and over Socket Mode (token mode), where an envelope nobody acks is redelivered and
counts against the app just like a non-200.

``app_rate_limited`` comes without any subscription, outside the ``event_callback`` envelope,
and must also leave a warning naming the minute it covers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.standin import APP_ID, FakeSlackWebAPI, FakeSocketModeServer, ids
from tests.standin import requests as rq
from tests.standin.ids import VERIFICATION_TOKEN
from tests.standin.installs import Install

from .harness import APP_TOKEN, BOT_TOKEN, BotProcess, HttpBot, bot_env, new_channel, wait_posts
from .oauth_harness import CLIENT_ID, CLIENT_SECRET, delivered, install_at, oauth_http_bot, rows_by

MINUTE = 1796070000
LIMITED_DURING = "during 2026-11-30 20:20 UTC"


def rate_limited(team_id: str) -> dict[str, Any]:
    """Slack's notice that it dropped this app's events for a minute (no ``event`` inside)."""
    return {
        "token": VERIFICATION_TOKEN,
        "type": "app_rate_limited",
        "team_id": team_id,
        "minute_rate_limited": MINUTE,
        "api_app_id": APP_ID,
    }


# -- HTTP, OAuth mode ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot(stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    with oauth_http_bot(stand_in, tmp_path_factory.mktemp("oauth-acks")) as started:
        yield started
        assert "Traceback" not in started.log()


@pytest.fixture
def alpha(bot: HttpBot, api: FakeSlackWebAPI) -> Install:
    """A workspace installed through the redirect flow."""
    api.oauth_client(CLIENT_ID, CLIENT_SECRET)
    install = Install(ids.new_id("T"), "Alpha")
    assert install_at(bot.port, api, install).status == 200
    return install


def test_app_rate_limited_is_acked_and_logged_with_its_minute(bot: HttpBot, alpha: Install) -> None:
    mark = bot.mark()
    assert bot.event(rate_limited(str(alpha.team_id))).status == 200
    bot.wait_for_log(f"Slack rate-limited events for team {alpha.team_id} {LIMITED_DURING}")
    assert "Traceback" not in bot.log(mark)


def test_an_unknown_event_is_acked_and_logged(bot: HttpBot, alpha: Install) -> None:
    kind = f"made_up_{ids.new_id('x').lower()}"
    event = {"type": kind, "channel": new_channel(), "event_ts": ids.next_ts()}
    assert bot.event(delivered(event, alpha, str(alpha.team_id))).status == 200
    bot.wait_for_log(f"acked a '{kind}' event, which this app does not handle")


def test_events_for_a_workspace_without_installation_are_acked(bot: HttpBot) -> None:
    stranger = Install(ids.new_id("T"), "Never installed")
    unknown = {"type": "made_up_event_type", "event_ts": ids.next_ts()}
    sent = [
        bot.event(rate_limited(str(stranger.team_id))),
        bot.event(delivered(unknown, stranger, str(stranger.team_id))),
    ]
    assert [r.status for r in sent] == [200, 200]


def test_revoking_only_user_tokens_keeps_the_workspace(
    bot: HttpBot, api: FakeSlackWebAPI, alpha: Install
) -> None:
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0ANA"], "bot": []}}
    assert bot.event(delivered(revoked, alpha, str(alpha.team_id))).status == 200
    bot.wait_idle()
    kept = rows_by(bot.env["DATABASE_URL"], "team_id", str(alpha.team_id))
    assert (kept["slack_installations"], kept["slack_bots"]) == (1, 1)
    channel = new_channel()
    message = rq.message("Any EQLs?", channel=channel)["event"]
    assert bot.event(delivered(message, alpha, str(alpha.team_id))).status == 200
    (answer,) = wait_posts(api, channel)
    assert answer.token == alpha.token


# -- Socket Mode, token mode ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def socket_bot(
    stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FakeSocketModeServer, BotProcess]]:
    workdir = tmp_path_factory.mktemp("socket-acks")
    env = bot_env(workdir, stand_in, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    with FakeSocketModeServer(api=stand_in) as server:
        process = BotProcess(["socket"], env, workdir, "socket").start()
        try:
            server.wait_for_connection(timeout=30)
            yield server, process
        finally:  # the bot stops before the server does: it would otherwise reconnect
            assert process.stop() == 0
        assert "Traceback" not in process.log()


@pytest.mark.parametrize(
    "body",
    [
        rate_limited("T0LIMIT"),
        rq.event_callback({"type": "made_up_event_type", "channel": "C0SOME"}),
        rq.event_callback({"type": "tokens_revoked", "tokens": {"oauth": ["U0ANA"], "bot": []}}),
    ],
    ids=["app_rate_limited", "unknown", "tokens_revoked_user_only"],
)
def test_socket_mode_acks_every_envelope(
    socket_bot: tuple[FakeSocketModeServer, BotProcess], api: FakeSlackWebAPI, body: dict[str, Any]
) -> None:
    server, _ = socket_bot
    envelope = server.send_event(body)
    assert server.wait_for_ack(envelope) == {"envelope_id": envelope}


def test_socket_mode_logs_app_rate_limited_with_its_minute(
    socket_bot: tuple[FakeSocketModeServer, BotProcess], api: FakeSlackWebAPI
) -> None:
    server, process = socket_bot
    team = ids.new_id("T")
    envelope = server.send_event(rate_limited(team))
    server.wait_for_ack(envelope)
    process.wait_for_log(f"Slack rate-limited events for team {team} {LIMITED_DURING}")
