"""Distribution, end to end: ``python -m bot serve`` in OAuth mode, installed through the real
redirect flow in several workspaces and an Enterprise Grid organisation.

The bot runs as in production (gunicorn, two workers, its own SQLite file) with
``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_STATE_SECRET`` and no bot token. The
test plays the installer's browser (``/slack/install`` → Slack's authorize step in the stand-in →
``/slack/oauth_redirect`` with the state cookie) and then Slack, delivering events for each
installation. The stand-in records the token of every call, so "answered with its own token"
is a literal comparison. Team ids are fresh per test: the bot and its database are shared by
the module.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.standin import FakeSlackWebAPI, ids
from tests.standin import requests as rq
from tests.standin.installs import Install

from .harness import HttpBot, new_channel, posts, wait_posts
from .oauth_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    STATE_SECRET,
    delivered,
    finish_install,
    install_at,
    oauth_http_bot,
    rows_by,
    say,
    start_install,
)

EQL = "Glossary: Ecosystem Qualified Lead (EQL)"
VAR = (
    "Value-added reseller (VAR): VARs purchase products or services from a company and then "
    "customize them for specific customer needs. This might include installing or configuring "
    "the products, providing training or consulting services, or developing custom solutions "
    "that integrate with the products."
)


@pytest.fixture(scope="module")
def bot(stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    with oauth_http_bot(stand_in, tmp_path_factory.mktemp("oauth-install")) as started:
        yield started
        assert "Traceback" not in started.log()


@pytest.fixture
def slack(api: FakeSlackWebAPI) -> FakeSlackWebAPI:
    """The emptied stand-in, refusing any client credentials but the bot's, like Slack."""
    api.oauth_client(CLIENT_ID, CLIENT_SECRET)
    return api


def workspace(name: str) -> Install:
    return Install(team_id=ids.new_id("T"), team_name=name)


def organisation(name: str) -> Install:
    return Install(
        team_id=None,
        enterprise_id=ids.new_id("E"),
        enterprise_name=name,
        is_enterprise_install=True,
    )


def installed_rows(bot: HttpBot, column: str, value: str) -> tuple[int, int]:
    """(slack_installations, slack_bots) rows for a team or enterprise id."""
    rows = rows_by(bot.env["DATABASE_URL"], column, value)
    return rows["slack_installations"], rows["slack_bots"]


def test_two_workspaces_installed_through_the_redirect_are_each_answered_with_their_token(
    bot: HttpBot, slack: FakeSlackWebAPI
) -> None:
    alpha, beta = workspace("Alpha"), workspace("Beta & Co")
    pages = [install_at(bot.port, slack, w) for w in (alpha, beta)]
    assert [p.status for p in pages] == [200, 200]
    assert "<p>Partner Glossary is installed in Alpha.</p>" in pages[0].body
    assert "<p>Partner Glossary is installed in Beta &amp; Co.</p>" in pages[1].body
    assert len(slack.calls("oauth.v2.access")) == 2  # one code exchanged per install
    assert alpha.team_id and beta.team_id
    assert installed_rows(bot, "team_id", alpha.team_id) == (1, 1)
    assert installed_rows(bot, "team_id", beta.team_id) == (1, 1)

    in_alpha, in_beta = new_channel(), new_channel()
    # The same term in both, within the cooldown: each workspace (and channel) hears it.
    say(bot, alpha, alpha.team_id, "Any EQLs from the partner summit?", in_alpha)
    say(bot, beta, beta.team_id, "Which EQLs came from the summit?", in_beta)
    mention = rq.app_mention(f"<@{beta.bot_user_id}> what is a VAR?", channel=in_beta)
    assert bot.event(delivered(mention["event"], beta, beta.team_id)).status == 200

    (explained_a,) = wait_posts(slack, in_alpha)
    in_b = sorted(wait_posts(slack, in_beta, 2), key=lambda c: str(c.params["text"]))
    assert (explained_a.token, explained_a.params["text"]) == (alpha.token, EQL)
    assert [(c.token, c.params["text"]) for c in in_b] == [(beta.token, EQL), (beta.token, VAR)]
    # Every call the bot made for a workspace carried that workspace's token, and no other.
    assert {c.token for c in slack.calls() if c.method != "oauth.v2.access"} == {
        alpha.token,
        beta.token,
    }


def test_an_org_wide_install_serves_every_workspace_of_the_organisation(
    bot: HttpBot, slack: FakeSlackWebAPI
) -> None:
    globex = organisation("Globex")
    page = install_at(bot.port, slack, globex)
    assert page.status == 200
    assert "<p>Partner Glossary is installed in the Globex organisation.</p>" in page.body
    assert globex.enterprise_id
    assert installed_rows(bot, "enterprise_id", globex.enterprise_id) == (1, 1)

    teams = [ids.new_id("T"), ids.new_id("T")]  # two workspaces the org admin added it to
    channels = [new_channel(), new_channel()]
    for team, channel in zip(teams, channels, strict=True):
        say(bot, globex, team, "Is this EQL ready?", channel)
    answers = [wait_posts(slack, channel)[0] for channel in channels]
    assert [(a.token, a.params["text"]) for a in answers] == [(globex.token, EQL)] * 2
    # State is kept per workspace of the organisation, not per installation.
    per_team = [rows_by(bot.env["DATABASE_URL"], "team_id", team) for team in teams]
    assert [(r["explanations"], r["explanation_cooldowns"]) for r in per_team] == [(1, 1)] * 2


# -- refused installs ---------------------------------------------------------------------------


def signed(nonce: str, issued: int) -> str:
    """A state signed with the bot's secret: ``<nonce>.<issued>.<HMAC-SHA256>`` (see
    bot/slack/oauth.py), so only its age can be wrong."""
    message = f"slack-oauth-state:{nonce}.{issued}".encode()
    mac = hmac.new(STATE_SECRET.encode(), message, hashlib.sha256).hexdigest()
    return f"{nonce}.{issued}.{mac}"


def forged(state: str) -> str:
    nonce, issued, _ = state.split(".")
    return f"{nonce}.{issued}.{'0' * 64}"


def expired(state: str) -> str:
    """The same nonce (still unused in the store), signed as issued 601 s ago (the limit: 600)."""
    return signed(state.split(".")[0], int(time.time()) - 601)


@pytest.mark.parametrize(
    ("spoil", "status", "says"),
    [
        (forged, 401, "This installation link was not issued by this app."),
        (expired, 401, "This installation link has expired."),
    ],
    ids=["forged", "expired"],
)
def test_a_forged_or_expired_state_installs_nothing(
    bot: HttpBot, slack: FakeSlackWebAPI, spoil: Callable[[str], str], status: int, says: str
) -> None:
    alpha = workspace("Alpha")
    state, _ = start_install(bot.port)
    bad = spoil(state)
    page = finish_install(
        bot.port, slack.expect_install(alpha), bad, f"slack-app-oauth-state={bad}"
    )
    assert page.status == status
    assert f"<p>{says}</p><p>Nothing was installed.</p>" in page.body
    assert '<a href="/slack/install">Start the installation again</a>' in page.body
    assert slack.calls("oauth.v2.access") == []  # the code was never exchanged
    assert alpha.team_id and installed_rows(bot, "team_id", alpha.team_id) == (0, 0)


def test_a_state_expired_in_the_store_installs_nothing(
    bot: HttpBot, slack: FakeSlackWebAPI
) -> None:
    """Signed recently, but the state store's own row has expired (another replica's clock)."""
    alpha = workspace("Alpha")
    state, cookie = start_install(bot.port)
    engine = create_engine(bot.env["DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.begin() as conn:
            moved = conn.execute(
                text("UPDATE slack_oauth_states SET expire_at = '2000-01-01 00:00:00' "),
            ).rowcount
    finally:
        engine.dispose()
    assert moved >= 1
    page = finish_install(bot.port, slack.expect_install(alpha), state, cookie)
    assert page.status == 401
    assert "<p>This installation link has already been used.</p>" in page.body
    assert slack.calls("oauth.v2.access") == []
    assert alpha.team_id and installed_rows(bot, "team_id", alpha.team_id) == (0, 0)
    # And nothing answers for a workspace that never finished installing.
    channel = new_channel()
    say(bot, alpha, alpha.team_id, "Any EQLs?", channel)
    bot.wait_idle()
    assert posts(slack, channel) == []
