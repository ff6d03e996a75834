"""Whose request it is, and forgetting a workspace when Slack says the app is gone.

Pinned down: ``team_of`` finds the workspace in every payload shape (events, slash commands,
interactivity, an org-wide Grid install whose Bolt context has no team); the ``uninstalled``
listener turns ``app_uninstalled``, and ``tokens_revoked`` naming bot tokens, into one durable
purge job keyed ``<event_id>:purge`` for the workspace (Grid: its organisation and team; an
org-wide install: the organisation, ``Workspace(E, None)``), and revoked user tokens into
NOTHING; the Performer answers each workspace with that workspace's token; its purge deletes
the workspace's state through ``service.forget`` and leaves every other workspace's alone; a
purge job run by the JobRunner settles quietly.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack import work
from bot.slack.app import make_client
from bot.slack.dispatch import team_of
from bot.slack.failures import Failed
from bot.slack.jobs import JobRunner
from bot.slack.listeners import events
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.slack.work import NOTHING, Incoming, Outcome
from bot.store import MemoryStore
from bot.store.base import NO_WORKSPACE, JobStats, NewJob, Pruned, Workspace
from tests.standin import FakeSlackWebAPI, requests
from tests.standin.ids import BOT_USER_ID, TEAM_ID, USER_ID

from .conftest import EQL, MQL, T0, WORKSPACE, call

GRID = Workspace("E0ORG", "T0TEAM")
"""A workspace of an Enterprise Grid organisation, installed on its own."""
NEIGHBOUR = Workspace("E0ORG", "T0OTHER")
"""Another workspace of the same organisation: what ``GRID``'s purge must leave alone."""
ORG = Workspace("E0ORG", None)
"""The organisation's own, org-wide installation."""


def org_wide(body: dict[str, Any], team: str | None = None) -> dict[str, Any]:
    """An interactivity payload as an org-wide install receives it: no ``team``, the person's
    workspace only in ``user.team_id``."""
    user = {**body["user"], "team_id": team} if team else body["user"]
    return {**body, "team": None, "user": user, "is_enterprise_install": True}


def grid_authorization(*, org_wide_install: bool) -> list[dict[str, Any]]:
    """``authorizations[]`` of an event for a Grid install (an org-wide one has no team)."""
    return [
        {
            "enterprise_id": "E0ORG",
            "team_id": None if org_wide_install else "T0TEAM",
            "user_id": BOT_USER_ID,
            "is_bot": True,
            "is_enterprise_install": org_wide_install,
        }
    ]


# --- which workspace a request is for ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "team"),
    [
        (requests.message("our EQL pipeline"), TEAM_ID),
        (requests.event_callback({"type": "app_home_opened"}, team_id="T0EVENT"), "T0EVENT"),
        (requests.slash_command("eql", team_id="T0CMD"), "T0CMD"),
        (requests.block_actions_message("define_term_0", EQL), TEAM_ID),
        (requests.view_submission("term_modal"), TEAM_ID),
        (requests.message_action("explain_message_terms"), TEAM_ID),
        (org_wide(requests.block_actions_home("home_page_next", "1"), "T0GRID"), "T0GRID"),
        (org_wide(requests.message_action("explain_message_terms"), "T0GRID"), "T0GRID"),
        (
            requests.event_callback(
                {"type": "app_mention"},
                team_id="T0TEAM",
                authorizations=grid_authorization(org_wide_install=True),
            ),
            "T0TEAM",
        ),
        ({"team_id": "", "team": {"id": ""}, "user": {"team_id": "T0USER"}}, "T0USER"),
        (org_wide(requests.block_actions_home("home_page_next", "1")), TEAM_ID),
        ({"team_id": None, "team": None, "user": None}, None),
        ({"team": "T0", "user": "U0"}, None),
        ({}, None),
    ],
    ids=[
        "event",
        "event-team",
        "command",
        "block_actions",
        "view_submission",
        "shortcut",
        "org-wide-action",
        "org-wide-shortcut",
        "org-wide-event",
        "empty-ids",
        "org-wide-user-team",
        "nulls",
        "not-objects",
        "nothing",
    ],
)
def test_team_of(body: dict[str, Any], team: str | None) -> None:
    assert team_of(body) == team


# --- uninstalled -----------------------------------------------------------------------------


def uninstalled(body: dict[str, Any], workspace: Workspace) -> Outcome:
    """The listener on ``body`` as Bolt hands it over (uninstall events carry no bot user)."""
    return events.uninstalled(Incoming(body, None, workspace))


def purge(workspace: Workspace, event_id: str = "Ev0GONE") -> Outcome:
    return Outcome(jobs=(NewJob("purge", {}, f"{event_id}:purge", workspace),))


APP_UNINSTALLED = {"type": "app_uninstalled"}
BOT_REVOKED = {"type": "tokens_revoked", "tokens": {"oauth": [USER_ID], "bot": [BOT_USER_ID]}}


@pytest.mark.parametrize("event", [APP_UNINSTALLED, BOT_REVOKED], ids=lambda e: e["type"])
def test_a_workspace_uninstall_is_one_purge_job_for_it(event: dict[str, Any]) -> None:
    body = requests.event_callback(event, event_id="Ev0GONE")
    assert call(events.uninstalled, body) == purge(WORKSPACE)


def test_a_grid_workspace_install_purges_that_workspace_only() -> None:
    authorizations = grid_authorization(org_wide_install=False)
    body = requests.event_callback(
        APP_UNINSTALLED, event_id="Ev0GONE", team_id="T0TEAM", authorizations=authorizations
    )
    assert uninstalled(body, GRID) == purge(GRID)


@pytest.mark.parametrize("event", [APP_UNINSTALLED, BOT_REVOKED], ids=lambda e: e["type"])
def test_an_org_wide_uninstall_purges_the_organisation(event: dict[str, Any]) -> None:
    authorizations = grid_authorization(org_wide_install=True)
    body = requests.event_callback(
        event, event_id="Ev0GONE", team_id="T0TEAM", authorizations=authorizations
    )
    assert uninstalled(body, GRID) == purge(ORG)
    assert uninstalled({**body, "authorizations": []}, GRID) == purge(GRID)  # a workspace's


@pytest.mark.parametrize(
    "tokens",
    [{"oauth": [USER_ID], "bot": []}, {"oauth": [USER_ID]}, None],
    ids=["bot-empty", "no-bot", "no-tokens"],
)
def test_revoked_user_tokens_leave_everything(tokens: dict[str, Any] | None) -> None:
    body = requests.event_callback({"type": "tokens_revoked", "tokens": tokens})
    assert call(events.uninstalled, body) == NOTHING


def test_an_uninstall_from_no_known_workspace_does_nothing() -> None:
    body = requests.event_callback(APP_UNINSTALLED, event_id="Ev0GONE")
    assert uninstalled(body, NO_WORKSPACE) == NOTHING


# --- performing ------------------------------------------------------------------------------


def test_each_workspace_is_answered_with_its_own_token(
    service: GlossaryService, slack_api: FakeSlackWebAPI
) -> None:
    tokens = {GRID: "xoxb-grid", NEIGHBOUR: "xoxb-neighbour"}
    clients = {w: make_client(token, slack_api.base_url) for w, token in tokens.items()}
    performer = Performer(service, clients.__getitem__)
    slack_api.fail("chat.postMessage", "not_in_channel")
    failing = work.post(
        GRID, "C0GRID", Message("hi", []), tell_on_failure={"user": USER_ID, "text": "{error}"}
    )
    with pytest.raises(Failed):
        performer.perform(failing.kind, failing.payload, failing.workspace)
    home = work.view(NEIGHBOUR, "views.publish", user_id=USER_ID, view={"type": "home"})
    performer.perform(home.kind, home.payload, home.workspace)
    assert [(c.method, c.params.get("channel"), c.token) for c in slack_api.calls()] == [
        ("chat.postMessage", "C0GRID", "xoxb-grid"),
        ("chat.postMessage", USER_ID, "xoxb-grid"),  # the DM telling the user
        ("views.publish", None, "xoxb-neighbour"),
    ]


def remember(service: GlossaryService, store: MemoryStore, workspace: Workspace) -> None:
    """Give ``workspace`` one of each kind of state: lookups, an explanation, a queued job."""
    service.record(workspace, "EQL", EQL, USER_ID)
    service.record(workspace, "CRM", None, USER_ID)
    assert service.claim_explanation(workspace, f"C{workspace.key}", "1.0", [MQL], T0)
    post = work.post(workspace, "D0DM", Message("hi", []), dedupe_key=f"{workspace.key}:post")
    assert store.enqueue([post], T0) == 1


def unreachable(workspace: Workspace) -> WebClient:
    """A purge makes no Slack call; any attempt would fail at once on this port."""
    return WebClient(base_url="http://127.0.0.1:9/api/")


def test_performing_a_purge_forgets_that_workspace_only(
    service: GlossaryService, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.perform")
    forgotten: list[Workspace] = []
    service.on_forget = forgotten.append
    for workspace in (GRID, NEIGHBOUR):
        remember(service, store, workspace)
    Performer(service, unreachable).perform("purge", {}, GRID)
    assert forgotten == [GRID]
    assert (store.top_terms(GRID, 5), store.recent_misses(GRID, 5)) == ([], [])
    assert (store.top_terms(NEIGHBOUR, 5), store.recent_misses(NEIGHBOUR, 5)) == (
        [(EQL, 1)],
        [("crm", 1)],  # misses are kept normalised
    )
    assert [job.workspace for job in store.claim_jobs(10, T0, 30, 5)] == [NEIGHBOUR]
    assert [r.getMessage() for r in caplog.records] == [
        "workspace E0ORG:T0TEAM uninstalled; its data was deleted: "
        + repr(Pruned(explanations=1, cooldowns=1, lookups=2, jobs=1))
    ]


def test_an_org_wide_purge_forgets_every_workspace_of_the_organisation(
    service: GlossaryService, store: MemoryStore
) -> None:
    elsewhere = Workspace("E0ELSE", "T0TEAM")
    for workspace in (GRID, NEIGHBOUR, elsewhere):
        remember(service, store, workspace)
    Performer(service, unreachable).perform("purge", {}, ORG)
    assert [job.workspace for job in store.claim_jobs(10, T0, 30, 5)] == [elsewhere]
    assert [store.top_terms(w, 5) for w in (GRID, NEIGHBOUR, elsewhere)] == [[], [], [(EQL, 1)]]


def test_a_purge_job_settles_without_a_false_lease_warning(
    service: GlossaryService, store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.slack.jobs")
    body = requests.event_callback(APP_UNINSTALLED, event_id="Ev0GONE")
    (job,) = call(events.uninstalled, body).jobs
    assert store.enqueue([job], T0) == 1
    runner = JobRunner(store, Performer(service, unreachable), clock=lambda: T0)
    assert runner.run_once() == 1
    assert store.job_stats(T0) == JobStats(queued=0, running=0, failed=0, oldest_queued_s=0.0)
    assert [r.getMessage() for r in caplog.records] == []
