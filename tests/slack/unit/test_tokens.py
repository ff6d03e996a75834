"""bot.slack.tokens: which bot token a job uses for a workspace, and keeping rotating ones fresh.

Pinned down: token mode has one token for everything; in OAuth mode an org-wide install serves
every workspace of its organisation and wins over a workspace's own, a workspace outside Grid
has its own, an unknown one has none; answers are cached for a few seconds; with rotation on a
token about to expire is refreshed through ``oauth.v2.access`` and the new bot saved, and a
refresh Slack refuses leaves the current token in use with one error line.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.web import WebClient
from sqlalchemy import text

from bot.slack.oauth import Installations
from bot.slack.tokens import InstalledTokens, SingleToken
from bot.store import SqlStore, StoreError, migrate
from bot.store.base import NO_WORKSPACE, Workspace
from tests.fakes import Clock
from tests.standin import FakeSlackWebAPI
from tests.standin.installs import Install

CLIENT_ID, CLIENT_SECRET = "111.222", "client-secret"


@pytest.fixture
def sql(tmp_path: Path) -> Iterator[SqlStore]:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    migrate.upgrade(url)
    store = SqlStore(url)
    yield store
    store.close()


@pytest.fixture
def store(sql: SqlStore) -> SQLAlchemyInstallationStore:
    return Installations(CLIENT_ID, sql.engine)


def bot(
    token: str,
    enterprise_id: str | None = None,
    team_id: str | None = None,
    *,
    org_wide: bool = False,
    refresh_token: str | None = None,
    expires_at: int | None = None,
) -> Bot:
    return Bot(
        app_id="A0APP",
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token=token,
        bot_id="B0" + token[-3:].upper(),
        bot_user_id="U0" + token[-3:].upper(),
        bot_refresh_token=refresh_token,
        bot_token_expires_at=expires_at,
        is_enterprise_install=org_wide,
        installed_at=time.time(),
    )


def test_token_mode_has_one_token_for_every_workspace() -> None:
    tokens = SingleToken("xoxb-one")
    assert [tokens.bot_token(w) for w in (NO_WORKSPACE, Workspace("E1", "T1"))] == [
        "xoxb-one",
        "xoxb-one",
    ]


def test_the_organisations_install_first_then_the_workspaces_own(
    store: SQLAlchemyInstallationStore,
) -> None:
    store.save_bot(bot("xoxb-g1-own", "E0GRID", "T0G1"))  # before the org-wide install
    store.save_bot(bot("xoxb-org", "E0GRID", org_wide=True))
    store.save_bot(bot("xoxb-aaa", None, "T0AAA"))
    store.save_bot(bot("xoxb-own", "E0OTHER", "T0OWN"))
    tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=False)
    asked = [
        Workspace(None, "T0AAA"),
        Workspace("E0GRID", "T0G1"),
        Workspace("E0GRID", "T0G2"),
        Workspace("E0GRID", None),
        Workspace("E0OTHER", "T0OWN"),
        Workspace("E0OTHER", "T0ELSE"),
        Workspace(None, "T0OWN"),
        Workspace(None, "T0BBB"),
        NO_WORKSPACE,
    ]
    assert [tokens.bot_token(w) for w in asked] == [
        "xoxb-aaa",
        "xoxb-org",
        "xoxb-org",
        "xoxb-org",
        "xoxb-own",
        None,
        None,
        None,
        None,
    ]


def test_answers_are_cached_for_a_few_seconds(store: SQLAlchemyInstallationStore) -> None:
    store.save_bot(bot("xoxb-aaa", None, "T0AAA"))
    clock = Clock(100.0)
    tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=False, clock=clock)
    workspace = Workspace(None, "T0AAA")
    assert tokens.bot_token(workspace) == "xoxb-aaa"
    store.delete_bot(enterprise_id=None, team_id="T0AAA")  # e.g. another process's uninstall
    clock.now += 4.9
    assert tokens.bot_token(workspace) == "xoxb-aaa"
    clock.now += 0.2
    assert tokens.bot_token(workspace) is None
    store.save_bot(bot("xoxb-new", None, "T0AAA"))
    assert tokens.bot_token(workspace) is None  # "not installed" is cached too
    tokens.forget(workspace)
    assert tokens.bot_token(workspace) == "xoxb-new"


def rotating_bot(api: FakeSlackWebAPI, expires_in_s: int) -> tuple[Install, Bot]:
    """An install whose token (issued for 12 hours) has ``expires_in_s`` left."""
    install = Install(team_id="T0ROT", team_name="Rotating", expires_in=43_200)
    code = api.expect_install(install)
    answer = WebClient(base_url=api.base_url).oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code
    )
    expires_at = int(time.time()) + expires_in_s
    return install, bot(
        answer["access_token"], None, "T0ROT", refresh_token=answer["refresh_token"],
        expires_at=expires_at,
    )  # fmt: skip


def test_a_token_about_to_expire_is_refreshed_and_saved(
    slack_api: FakeSlackWebAPI, store: SQLAlchemyInstallationStore
) -> None:
    slack_api.oauth_client(CLIENT_ID, CLIENT_SECRET)  # a refresh with other credentials fails
    install, old = rotating_bot(slack_api, expires_in_s=600)
    store.save_bot(old)
    client = WebClient(base_url=slack_api.base_url)
    tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=True, client=client)
    workspace = Workspace(None, "T0ROT")
    assert tokens.bot_token(workspace) == install.tokens[1]
    assert install.tokens[1].startswith("xoxe.xoxb-1-")
    saved = store.find_bot(enterprise_id=None, team_id="T0ROT")
    assert saved is not None
    assert (saved.bot_token, saved.bot_refresh_token, saved.bot_user_id) == (
        install.tokens[1],
        install.refresh_tokens[1],
        old.bot_user_id,
    )
    assert saved.bot_token_expires_at is not None
    assert saved.bot_token_expires_at > time.time() + 43_000
    [refresh] = [c for c in slack_api.calls("oauth.v2.access") if "grant_type" in c.params]
    assert refresh.params == {
        "grant_type": "refresh_token",
        "refresh_token": install.refresh_tokens[0],
    }
    tokens.forget(workspace)
    assert tokens.bot_token(workspace) == install.tokens[1]  # fresh for 12 hours: kept
    assert len(slack_api.calls("oauth.v2.access")) == 2


def test_a_token_far_from_expiry_is_not_refreshed(
    slack_api: FakeSlackWebAPI, store: SQLAlchemyInstallationStore
) -> None:
    install, old = rotating_bot(slack_api, expires_in_s=3 * 3600)
    store.save_bot(old)
    client = WebClient(base_url=slack_api.base_url)
    tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=True, client=client)
    assert tokens.bot_token(Workspace(None, "T0ROT")) == install.tokens[0]
    assert len(slack_api.calls("oauth.v2.access")) == 1  # the install's exchange only


def test_with_rotation_off_an_expiring_token_is_used_as_is_with_a_warning(
    slack_api: FakeSlackWebAPI, store: SQLAlchemyInstallationStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.slack.tokens")
    install, old = rotating_bot(slack_api, expires_in_s=600)
    store.save_bot(old)
    client = WebClient(base_url=slack_api.base_url)
    tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=False, client=client)
    assert tokens.bot_token(Workspace(None, "T0ROT")) == install.tokens[0]
    assert len(slack_api.calls("oauth.v2.access")) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "the bot token of -:T0ROT expires (Slack rotates it) but SLACK_TOKEN_ROTATION is off: "
        "set SLACK_TOKEN_ROTATION=true"
    ]


def test_a_refused_refresh_keeps_the_current_token_and_logs_once(
    slack_api: FakeSlackWebAPI, store: SQLAlchemyInstallationStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.slack.tokens")
    slack_api.fail("oauth.v2.access", "invalid_refresh_token", times=2)
    store.save_bot(bot("xoxe.xoxb-1-old", None, "T0ROT", refresh_token="xoxe-1-r", expires_at=1))
    client = WebClient(base_url=slack_api.base_url)
    clock = Clock(100.0)
    tokens = InstalledTokens(
        store, CLIENT_ID, CLIENT_SECRET, rotation=True, client=client, clock=clock
    )
    assert tokens.bot_token(Workspace(None, "T0ROT")) == "xoxe.xoxb-1-old"
    clock.now += 10
    assert tokens.bot_token(Workspace(None, "T0ROT")) == "xoxe.xoxb-1-old"
    assert len(slack_api.calls("oauth.v2.access")) == 2
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("cannot refresh the bot token of -:T0ROT: ")
    assert "invalid_refresh_token" in line


def test_a_database_failure_is_a_store_error(
    sql: SqlStore, store: SQLAlchemyInstallationStore
) -> None:
    with sql.engine.begin() as conn:
        conn.execute(text("DROP TABLE slack_bots"))
    tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=False)
    with pytest.raises(StoreError, match=r"^cannot read the installation of E1:T1: no such table"):
        tokens.bot_token(Workspace("E1", "T1"))


def test_a_lookup_reads_while_another_connection_holds_the_write_lock(
    tmp_path: Path, store: SQLAlchemyInstallationStore
) -> None:
    store.save_bot(bot("xoxb-aaa", None, "T0AAA"))
    writer = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a job's write in progress (a lookup would wait 15 s)
    try:
        tokens = InstalledTokens(store, CLIENT_ID, CLIENT_SECRET, rotation=False)
        assert tokens.bot_token(Workspace(None, "T0AAA")) == "xoxb-aaa"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
