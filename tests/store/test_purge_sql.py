"""``purge`` on the SQL backends, counted row by row: a workspace's (or organisation's) rows go
from every table, its installation store rows included, and not one other row changes."""

from __future__ import annotations

from collections import Counter

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, text

from bot.store import NO_WORKSPACE, NewJob, SqlStore, Workspace
from bot.store.base import Pruned
from tests.store.helpers import ACME, ACME_EU, SOLO

HOUR = 3600.0
WORKSPACE_TABLES = [
    "jobs",
    "explanations",
    "explanation_cooldowns",
    "lookups",
    "slack_installations",
    "slack_bots",
]
OTHER_TABLES = ["once_keys", "slack_oauth_states"]


def rows(engine: Engine) -> dict[str, Counter[str]]:
    """Rows per table, by workspace ("E1:T1"; "-:-" for none, in our tables or slack_sdk's)."""
    counts: dict[str, Counter[str]] = {}
    with engine.connect() as conn:
        for table in WORKSPACE_TABLES:
            found = conn.execute(text(f"SELECT enterprise_id, team_id FROM {table}"))
            counts[table] = Counter(Workspace(e, t).key for e, t in found)
        for table in OTHER_TABLES:
            total = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            counts[table] = Counter({"*": total})
    return counts


def populate(store: SqlStore) -> None:
    installations = SQLAlchemyInstallationStore("111.222", store.engine)
    installations.save(
        Installation(
            app_id="A1",
            enterprise_id="E1",
            team_id=None,
            bot_token="xoxb-org",
            user_id="UINSTALLER",
            is_enterprise_install=True,
        )
    )
    SQLAlchemyOAuthStateStore(600, store.engine).issue()
    for workspace, channel in [(ACME, "CA"), (ACME_EU, "CB"), (SOLO, "CC"), (NO_WORKSPACE, "CD")]:
        if workspace.team_id:
            installations.save(
                Installation(
                    app_id="A1",
                    enterprise_id=workspace.enterprise_id,
                    team_id=workspace.team_id,
                    bot_token=f"xoxb-{workspace.team_id}",
                    user_id="UINSTALLER",
                )
            )
        store.claim_once(f"event:{workspace.key}", 100.0)
        store.enqueue([NewJob("explain", {}, f"event:{workspace.key}", workspace)], 100.0)
        store.claim_explanations(workspace, channel, "1", ["EQL", "MDF"], 100.0, HOUR)
        store.record_lookup(workspace, "eql", "EQL", 100.0, user="U1")
        store.record_lookup(workspace, "qbr", None, 100.0, user="U1")


def without(before: dict[str, Counter[str]], *keys: str) -> dict[str, Counter[str]]:
    return {
        table: Counter({key: n for key, n in counts.items() if key not in keys})
        for table, counts in before.items()
    }


def test_the_sample_has_rows_of_every_workspace_in_every_table(sql_store: SqlStore) -> None:
    populate(sql_store)
    assert rows(sql_store.engine) == {
        "jobs": Counter({"E1:T1": 1, "E1:T2": 1, "-:T3": 1, "-:-": 1}),
        "explanations": Counter({"E1:T1": 2, "E1:T2": 2, "-:T3": 2, "-:-": 2}),
        "explanation_cooldowns": Counter({"E1:T1": 2, "E1:T2": 2, "-:T3": 2, "-:-": 2}),
        "lookups": Counter({"E1:T1": 2, "E1:T2": 2, "-:T3": 2, "-:-": 2}),
        "slack_installations": Counter({"E1:-": 1, "E1:T1": 1, "E1:T2": 1, "-:T3": 1}),
        "slack_bots": Counter({"E1:-": 1, "E1:T1": 1, "E1:T2": 1, "-:T3": 1}),
        "once_keys": Counter({"*": 8}),  # 4 events + 4 job dedupe keys
        "slack_oauth_states": Counter({"*": 1}),
    }


def test_purge_by_team_deletes_exactly_that_workspaces_rows(sql_store: SqlStore) -> None:
    populate(sql_store)
    before = rows(sql_store.engine)

    pruned = sql_store.purge(team_id="T1")

    assert pruned == Pruned(jobs=1, explanations=2, cooldowns=2, lookups=2, installations=1, bots=1)
    assert rows(sql_store.engine) == without(before, "E1:T1")


def test_purge_by_enterprise_deletes_the_organisation_and_all_its_workspaces(
    sql_store: SqlStore,
) -> None:
    populate(sql_store)
    before = rows(sql_store.engine)

    pruned = sql_store.purge(enterprise_id="E1")

    assert pruned == Pruned(jobs=2, explanations=4, cooldowns=4, lookups=4, installations=3, bots=3)
    assert rows(sql_store.engine) == without(before, "E1:T1", "E1:T2", "E1:-")


def test_purge_by_user_deletes_only_that_persons_lookups(sql_store: SqlStore) -> None:
    populate(sql_store)
    before = rows(sql_store.engine)

    assert sql_store.purge(user_id="U1") == Pruned(lookups=4)

    after = rows(sql_store.engine)
    assert after == {**before, "lookups": Counter({"E1:T1": 1, "E1:T2": 1, "-:T3": 1, "-:-": 1})}
    with sql_store.engine.connect() as conn:
        left = conn.execute(text("SELECT query, term, user_id FROM lookups")).all()
    assert sorted(tuple(row) for row in left) == [("qbr", None, "")] * 4  # misses, no ids
