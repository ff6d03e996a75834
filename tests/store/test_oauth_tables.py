"""slack_sdk's SQLAlchemy installation and state stores work on the tables migration 0002 makes,
through ``SqlStore.engine``; ``purge`` deletes a workspace's installation and ``prune`` expired
states.

Migration 0002 writes those tables out rather than asking slack_sdk to build them, so a
slack_sdk upgrade cannot change an old migration. When an upgrade changes slack_sdk's tables,
``test_the_tables_are_the_ones_slack_sdk_defines`` fails: write a migration that follows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from bot.store import SqlStore
from bot.store.base import Pruned

CLIENT_ID = "111.222"
INSTALLED_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()


def installation(
    enterprise_id: str | None, team_id: str | None, token: str, *, org_wide: bool = False
) -> Installation:
    """An installation as Bolt's OAuth flow saves it after ``oauth.v2.access``."""
    return Installation(
        app_id="A1",
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes=["commands", "chat:write"],
        user_id="UINSTALLER",
        is_enterprise_install=org_wide,
        installed_at=INSTALLED_AT,
    )


def test_the_tables_are_the_ones_slack_sdk_defines(sql_store: SqlStore) -> None:
    expected = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(expected, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(expected, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(expected, "slack_oauth_states")
    with sql_store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parents: (
                    kind != "table" or name in expected.tables
                ),
            },
        )
        assert compare_metadata(context, expected) == []


def test_installations_are_saved_found_and_deleted(sql_store: SqlStore) -> None:
    installations = SQLAlchemyInstallationStore(CLIENT_ID, sql_store.engine)
    installations.save(installation("E1", "T1", "xoxb-acme"))
    installations.save(installation(None, "T3", "xoxb-solo"))

    found = installations.find_installation(enterprise_id="E1", team_id="T1")
    assert found is not None
    assert (found.bot_token, found.bot_scopes, found.user_id) == (
        "xoxb-acme",
        ["commands", "chat:write"],
        "UINSTALLER",
    )
    assert found.installed_at == INSTALLED_AT
    bot = installations.find_bot(enterprise_id=None, team_id="T3")
    assert bot is not None
    assert bot.bot_token == "xoxb-solo"

    installations.delete_installation(enterprise_id="E1", team_id="T1")
    installations.delete_bot(enterprise_id="E1", team_id="T1")
    assert installations.find_installation(enterprise_id="E1", team_id="T1") is None
    assert installations.find_bot(enterprise_id="E1", team_id="T1") is None
    assert installations.find_bot(enterprise_id=None, team_id="T3") is not None


def test_an_org_wide_installation_is_found_for_any_workspace_of_the_organisation(
    sql_store: SqlStore,
) -> None:
    installations = SQLAlchemyInstallationStore(CLIENT_ID, sql_store.engine)
    installations.save(installation("E1", None, "xoxb-org", org_wide=True))

    found = installations.find_installation(
        enterprise_id="E1", team_id="T2", is_enterprise_install=True
    )
    assert found is not None
    assert (found.bot_token, found.is_enterprise_install) == ("xoxb-org", True)


def test_an_oauth_state_is_consumed_once(sql_store: SqlStore) -> None:
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=sql_store.engine)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("forged-state") is False


def test_prune_deletes_expired_oauth_states_only(sql_store: SqlStore) -> None:
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=sql_store.engine)
    expiring = states.issue()
    states.expiration_seconds = 3600
    lasting = states.issue()

    pruned = sql_store.prune(time.time() + 1200, cooldown_s=3600.0, retention_s=86400.0)

    assert pruned == Pruned(oauth_states=1)
    assert states.consume(expiring) is False
    assert states.consume(lasting) is True


def test_purge_deletes_the_installation_and_its_bot(sql_store: SqlStore) -> None:
    installations = SQLAlchemyInstallationStore(CLIENT_ID, sql_store.engine)
    installations.save(installation("E1", None, "xoxb-org", org_wide=True))
    installations.save(installation("E1", "T1", "xoxb-acme"))
    installations.save(installation("E1", "T2", "xoxb-acme-eu"))
    installations.save(installation(None, "T3", "xoxb-solo"))

    # A workspace uninstalled: its own installation goes, the org-wide one stays.
    assert sql_store.purge(enterprise_id="E1", team_id="T1") == Pruned(installations=1, bots=1)
    assert installations.find_bot(enterprise_id="E1", team_id="T1") is None
    assert installations.find_bot(enterprise_id="E1", team_id="T2") is not None

    # The organisation uninstalled: everything under E1 goes, nothing else.
    assert sql_store.purge(enterprise_id="E1") == Pruned(installations=2, bots=2)
    assert installations.find_bot(enterprise_id="E1", team_id=None) is None
    assert installations.find_bot(enterprise_id=None, team_id="T3") is not None

    # An erasure request for a person never deletes an installation (it holds the installer).
    assert sql_store.purge(user_id="UINSTALLER") == Pruned()
    assert installations.find_installation(enterprise_id=None, team_id="T3") is not None
