"""What a token Slack rejects does to the process, as ``build_runtime`` wires it.

Pinned down: in token mode the one bot token is the process's, so a rejection
(``token_revoked``) fails readiness through the Identity; in OAuth mode a rejection is one
installation's, so readiness stays and that workspace's cached token is forgotten: its next
job reads the installation again (here, a reinstall's new token) at once, not after the cache's
few seconds. (That other workspaces keep theirs cached is not asserted: it would depend on how
fast the test runs.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Bot

from bot.config import load_settings
from bot.service import GlossaryService
from bot.slack import work
from bot.slack.app import BotIdentity
from bot.slack.bootstrap import build_runtime
from bot.slack.failures import Failed
from bot.slack.oauth import Installations
from bot.slack.render.cards import Message
from bot.slack.runtime import Runtime
from bot.store import MemoryStore, SqlStore, migrate
from bot.store.base import Workspace
from bot.terms import Glossary
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import BOT_ID, BOT_USER_ID, CHANNEL_ID, TEAM_ID

from .conftest import T0, WORKSPACE, fast_client

CLIENT_ID = "111.222"
MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
GRID = Workspace("E0ORG", "T0GRID")


def post(runtime: Runtime, workspace: Workspace) -> None:
    """One post job for ``workspace``, performed the way the job runner does."""
    job = work.post(workspace, CHANNEL_ID, MESSAGE)
    runtime.dispatcher.performer.perform(job.kind, job.payload, job.workspace)


def test_token_mode_a_rejected_token_fails_readiness(
    glossary: Glossary, api: FakeSlackWebAPI
) -> None:
    settings = load_settings({"SLACK_API_URL": api.base_url}, dotenv_path=None)
    service = GlossaryService(glossary, MemoryStore())
    known = BotIdentity(BOT_USER_ID, BOT_ID, TEAM_ID)
    runtime = build_runtime(
        settings, service, "xoxb-test", known, client=fast_client(api), background=False
    )
    assert runtime.identity.rejected is None
    api.fail("chat.postMessage", "token_revoked")
    with pytest.raises(Failed, match=r"^token_revoked$"):
        post(runtime, WORKSPACE)
    assert runtime.identity.rejected == "token_revoked"


@pytest.fixture
def sql(tmp_path: Path) -> Iterator[SqlStore]:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    migrate.upgrade(url)
    store = SqlStore(url)
    yield store
    store.close()


def install(store: SqlStore, workspace: Workspace, token: str, at: float) -> None:
    """An installation's bot as Bolt's OAuth flow saves it (the newest install wins)."""
    Installations(CLIENT_ID, store.engine).save_bot(
        Bot(
            app_id="A0APP",
            enterprise_id=workspace.enterprise_id,
            team_id=workspace.team_id,
            bot_token=token,
            bot_id="B0" + token[-2:].upper(),
            bot_user_id="U0" + token[-2:].upper(),
            is_enterprise_install=False,
            installed_at=at,
        )
    )


def test_oauth_mode_a_rejected_token_forgets_that_installation_only(
    glossary: Glossary, api: FakeSlackWebAPI, sql: SqlStore
) -> None:
    settings = load_settings(
        {
            "SLACK_API_URL": api.base_url,
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_STATE_SECRET": "state-secret",
        },
        dotenv_path=None,
    )
    assert settings.oauth
    runtime = build_runtime(
        settings, GlossaryService(glossary, sql), "", None, background=False, engine=sql.engine
    )
    install(sql, WORKSPACE, "xoxb-team-a1", T0)
    install(sql, GRID, "xoxb-grid-g1", T0)
    post(runtime, WORKSPACE)
    post(runtime, GRID)
    install(sql, WORKSPACE, "xoxb-team-a2", T0 + 60)  # reinstalled: within the cache's life
    api.fail("chat.postMessage", "token_revoked")
    with pytest.raises(Failed, match=r"^token_revoked$"):
        post(runtime, WORKSPACE)  # still the cached, revoked token
    post(runtime, WORKSPACE)
    assert [call.token for call in api.calls("chat.postMessage")] == [
        "xoxb-team-a1",
        "xoxb-grid-g1",
        "xoxb-team-a1",
        "xoxb-team-a2",
    ]
    assert runtime.identity.rejected is None  # the other installations still work
