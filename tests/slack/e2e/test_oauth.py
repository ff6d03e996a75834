"""OAuth mode end to end: the Add to Slack page, the redirect flow, and who answers with what.

Against the Slack stand-in and a migrated SQLite database (``oauth_harness``). Covered: two
workspaces and an org-wide Grid install through the real redirect flow, each event answered
with its own installation's token and bot user (``auth.test`` once per token); a forged,
foreign-browser, reused or expired state installing nothing and exchanging no code; token
rotation through Bolt's installation store; Bolt's uninstall handling deleting exactly one
installation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.base import Workspace
from tests.fakes import Clock
from tests.standin import FakeSlackWebAPI
from tests.standin.installs import Install

from .oauth_harness import CLIENT_ID, CLIENT_SECRET, COOKIE, OAuthBot

T0 = 1_700_000_000.0
SCOPES = (
    "commands,chat:write,channels:history,groups:history,app_mentions:read,im:history,"
    "channels:read,groups:read,usergroups:read,users:read,users:read.email"
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(slack_api: FakeSlackWebAPI, tmp_path: Path, clock: Clock) -> Iterator[OAuthBot]:
    slack_api.oauth_client(CLIENT_ID, CLIENT_SECRET)
    with OAuthBot(slack_api, tmp_path, clock) as started:
        yield started


def alpha() -> Install:
    return Install(team_id="T0AAA", team_name="Alpha")


def beta() -> Install:
    return Install(team_id="T0BBB", team_name="Beta & Co")


def globex() -> Install:
    return Install(
        team_id=None, enterprise_id="E0GRID", enterprise_name="Globex", is_enterprise_install=True
    )


def test_the_install_page_links_to_slack_with_a_signed_state(bot: OAuthBot) -> None:
    page = bot.get("/slack/install")
    assert (page.status, page.header("Cache-Control")) == (200, ["no-store"])
    [cookie] = page.header("Set-Cookie")
    assert cookie.startswith(f"{COOKIE}=")
    state = cookie.split(";")[0].removeprefix(f"{COOKIE}=")
    assert state.split(".")[1] == "1700000000"
    link = f"https://slack.com/oauth/v2/authorize?state={state}&amp;client_id={CLIENT_ID}"
    link += f"&amp;scope={SCOPES}&amp;user_scope="
    assert f'<a href="{link}"><img alt="Add to Slack"' in page.body
    assert bot.states() == 1


def test_two_workspaces_and_a_grid_org_each_answered_with_their_own_token(
    bot: OAuthBot, slack_api: FakeSlackWebAPI
) -> None:
    a, b, g = alpha(), beta(), globex()
    pages = [bot.install(slack_api, i) for i in (a, b, g)]
    assert [p.status for p in pages] == [200, 200, 200]
    assert "Partner Glossary is installed in Alpha." in pages[0].body
    assert "Partner Glossary is installed in Beta &amp; Co." in pages[1].body
    assert "Partner Glossary is installed in the Globex organisation." in pages[2].body
    assert pages[0].header("Set-Cookie")[0].startswith(f"{COOKIE}=deleted;")
    assert bot.rows("slack_bots") == [
        (None, "T0AAA", a.token),
        (None, "T0BBB", b.token),
        ("E0GRID", None, g.token),
    ]
    assert bot.states() == 0  # each state was used up

    sent = [
        bot.mention(a, "T0AAA", "C0A"),
        bot.mention(b, "T0BBB", "C0B"),
        bot.mention(g, "T0G1", "C0G1"),
        bot.mention(g, "T0G2", "C0G2"),
    ]
    assert [r.status for r in sent] == [200, 200, 200, 200]
    posts = slack_api.calls("chat.postMessage")
    assert [(c.token, c.params["channel"], c.params["text"]) for c in posts] == [
        (a.token, "C0A", f"I am {a.bot_user_id}"),
        (b.token, "C0B", f"I am {b.bot_user_id}"),
        (g.token, "C0G1", f"I am {g.bot_user_id}"),
        (g.token, "C0G2", f"I am {g.bot_user_id}"),
    ]
    # one auth.test per token while installing, one per token for requests (then cached)
    assert [c.token for c in slack_api.calls("auth.test")] == [a.token, b.token, g.token] * 2

    workspaces = [Workspace(None, "T0AAA"), Workspace(None, "T0BBB"), Workspace("E0GRID", "T0G2")]
    assert [bot.mode.tokens.bot_token(w) for w in workspaces] == [a.token, b.token, g.token]


def test_a_forged_state_installs_nothing(bot: OAuthBot, slack_api: FakeSlackWebAPI) -> None:
    state, _ = bot.start_install()
    nonce, issued, _ = state.split(".")
    forged = f"{nonce}.{issued}.{'0' * 64}"
    page = bot.finish_install(slack_api.expect_install(alpha()), forged, f"{COOKIE}={forged}")
    assert page.status == 401
    assert "<p>This installation link was not issued by this app.</p>" in page.body
    assert "<p>Nothing was installed.</p>" in page.body
    assert '<a href="/slack/install">Start the installation again</a>' in page.body
    assert (bot.rows("slack_bots"), slack_api.calls("oauth.v2.access")) == ([], [])


def test_a_state_from_another_browser_installs_nothing(
    bot: OAuthBot, slack_api: FakeSlackWebAPI
) -> None:
    state, _ = bot.start_install()
    _, other_cookie = bot.start_install()
    for cookie in ("", other_cookie):
        page = bot.finish_install(slack_api.expect_install(alpha()), state, cookie)
        assert page.status == 400
        assert "opened in another browser than the one that started" in page.body
    assert (bot.rows("slack_bots"), slack_api.calls("oauth.v2.access")) == ([], [])


def test_an_expired_state_installs_nothing(
    bot: OAuthBot, slack_api: FakeSlackWebAPI, clock: Clock
) -> None:
    state, cookie = bot.start_install()
    clock.now += 601
    page = bot.finish_install(slack_api.expect_install(alpha()), state, cookie)
    assert (page.status, "<p>This installation link has expired.</p>" in page.body) == (401, True)
    assert (bot.rows("slack_bots"), slack_api.calls("oauth.v2.access")) == ([], [])


def test_a_state_expired_in_the_store_installs_nothing(
    bot: OAuthBot, slack_api: FakeSlackWebAPI
) -> None:
    state, cookie = bot.start_install()
    with bot.sql.engine.begin() as conn:  # the store's own expiry (another replica's clock)
        conn.execute(text("UPDATE slack_oauth_states SET expire_at = '2000-01-01 00:00:00'"))
    page = bot.finish_install(slack_api.expect_install(alpha()), state, cookie)
    assert (page.status, "already been used" in page.body) == (401, True)
    assert (bot.rows("slack_bots"), slack_api.calls("oauth.v2.access")) == ([], [])


def test_a_used_state_cannot_install_again(bot: OAuthBot, slack_api: FakeSlackWebAPI) -> None:
    a = alpha()
    state, cookie = bot.start_install()
    assert bot.finish_install(slack_api.expect_install(a), state, cookie).status == 200
    again = bot.finish_install(slack_api.expect_install(beta()), state, cookie)
    assert (again.status, "already been used" in again.body) == (401, True)
    assert bot.rows("slack_bots") == [(None, "T0AAA", a.token)]


def test_cancelling_in_slack_installs_nothing(bot: OAuthBot, slack_api: FakeSlackWebAPI) -> None:
    state, cookie = bot.start_install()
    page = bot.get("/slack/oauth_redirect", {"error": "access_denied", "state": state}, cookie)
    assert (page.status, "The installation was cancelled in Slack." in page.body) == (200, True)
    assert bot.rows("slack_bots") == []


def test_an_expiring_token_is_rotated_through_the_installation_store(
    bot: OAuthBot, slack_api: FakeSlackWebAPI
) -> None:
    r = Install(team_id="T0ROT", team_name="Rotating", expires_in=43_200)
    assert bot.install(slack_api, r).status == 200
    with bot.sql.engine.begin() as conn:  # eleven hours and fifty minutes later
        soon = "datetime('now', '+10 minutes')"
        conn.execute(text(f"UPDATE slack_bots SET bot_token_expires_at = {soon}"))
    assert bot.mention(r, "T0ROT", "C0R").status == 200
    [post] = slack_api.calls("chat.postMessage")
    assert (post.token, len(r.tokens)) == (r.tokens[1], 2)
    assert bot.rows("slack_bots") == [(None, "T0ROT", r.tokens[1])]
    assert bot.mode.tokens.bot_token(Workspace(None, "T0ROT")) == r.tokens[1]
    refreshes = [c for c in slack_api.calls("oauth.v2.access") if "grant_type" in c.params]
    assert [c.params["refresh_token"] for c in refreshes] == [r.refresh_tokens[0]]


def test_bolts_uninstall_handling_deletes_exactly_that_installation(
    bot: OAuthBot, slack_api: FakeSlackWebAPI
) -> None:
    a, b, g = alpha(), beta(), globex()
    for install in (a, b, g):
        assert bot.install(slack_api, install).status == 200
    uninstalled = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
    assert bot.event(uninstalled, a, "T0AAA").status == 200
    assert bot.rows("slack_bots") == [(None, "T0BBB", b.token), ("E0GRID", None, g.token)]
    assert [r[:2] for r in bot.rows("slack_installations")] == [(None, "T0BBB"), ("E0GRID", None)]
    revoked = {"type": "tokens_revoked", "tokens": {"bot": [g.bot_user_id]}}
    assert bot.event(revoked, g, "T0G1").status == 200
    assert bot.rows("slack_bots") == [(None, "T0BBB", b.token)]
