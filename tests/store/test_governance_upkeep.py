"""Purge and prune of the governance tables, on every backend.

A workspace's or organisation's purge deletes its channel settings, preferences and
suggestions; a person's deletes their preferences and blanks their id where it only names them
(suggestions stay for the maintainers, settings for the channel). Prune drops decided
suggestions after retention and never a choice someone made."""

from __future__ import annotations

from bot.store import ChannelSettings, NewSuggestion, Store, Workspace
from bot.store.base import Pruned
from tests.store.helpers import ACME, ACME_EU, SOLO

DAY = 24 * 3600.0
WORKSPACES = [ACME, ACME_EU, SOLO]


def populate(store: Store) -> None:
    """Per workspace: one channel's settings by U1, U1 and U2 opted out, one suggestion by U1
    (ids 1, 2, 3 in ``WORKSPACES`` order)."""
    for workspace in WORKSPACES:
        settings = ChannelSettings(explain=False, updated_by="U1", updated_at=10.0)
        store.set_channel_settings(workspace, "C1", settings)
        store.set_opted_out(workspace, "U1", True, now=10.0)
        store.set_opted_out(workspace, "U2", True, now=10.0)
        store.add_suggestion(
            workspace,
            NewSuggestion("QBR", "Quarterly business review.", "Sales", suggester="U1"),
            10.0,
        )


Left = tuple[bool, bool, bool, str, list[str]]
"""A workspace's channel explains?, U1 and U2 opted out?, settings' author, suggesters."""


def left(store: Store, workspace: Workspace) -> Left:
    return (
        store.channel_settings(workspace, "C1").explain,
        store.opted_out(workspace, "U1"),
        store.opted_out(workspace, "U2"),
        store.channel_settings(workspace, "C1").updated_by,
        [s.suggester for s in store.suggestions(workspace=workspace)],
    )


UNTOUCHED: Left = (False, True, True, "U1", ["U1"])
GONE: Left = (True, False, False, "", [])


def test_purge_by_team_deletes_that_workspaces_governance_rows(store: Store) -> None:
    populate(store)

    assert store.purge(team_id="T1") == Pruned(channel_settings=1, preferences=2, suggestions=1)

    assert [left(store, w) for w in WORKSPACES] == [GONE, UNTOUCHED, UNTOUCHED]
    assert [s.id for s in store.suggestions()] == [2, 3]


def test_purge_by_enterprise_deletes_the_organisations_governance_rows(store: Store) -> None:
    populate(store)

    assert store.purge(enterprise_id="E1") == Pruned(
        channel_settings=2, preferences=4, suggestions=2
    )

    assert [left(store, w) for w in WORKSPACES] == [GONE, GONE, UNTOUCHED]


def test_purge_by_user_forgets_their_choices_and_blanks_their_id(store: Store) -> None:
    populate(store)
    assert store.decide_suggestion(3, "approved", "U1", now=20.0) is not None  # U1 decides too

    assert store.purge(user_id="U1") == Pruned(channel_settings=3, preferences=3, suggestions=3)

    # U1's opt-out is gone; U2's stays; the suggestions and settings stay, without U1's id.
    assert [left(store, w) for w in WORKSPACES] == [(False, False, True, "", [""])] * 3
    decided = store.suggestion(3)
    assert decided is not None
    assert (decided.term, decided.status, decided.decided_by) == ("QBR", "approved", "")
    assert store.purge(user_id="U1") == Pruned()


def test_purge_by_user_within_one_workspace_leaves_their_other_workspaces(store: Store) -> None:
    populate(store)

    assert store.purge(team_id="T3", user_id="U1") == Pruned(
        channel_settings=1, preferences=1, suggestions=1
    )

    assert [left(store, w) for w in WORKSPACES] == [
        UNTOUCHED,
        UNTOUCHED,
        (False, False, True, "", [""]),
    ]


def test_prune_drops_decided_suggestions_after_retention_and_keeps_choices(
    store: Store,
) -> None:
    populate(store)  # three suggestions made at 10.0
    store.decide_suggestion(1, "approved", "U0MNT", now=100.0)
    store.decide_suggestion(2, "rejected", "U0MNT", now=100.0 + DAY)
    now = 100.0 + 30 * DAY

    pruned = store.prune(now, cooldown_s=3600.0, retention_s=30 * DAY - 1)

    assert pruned == Pruned(suggestions=1)
    assert [(s.id, s.status) for s in store.suggestions()] == [(2, "rejected"), (3, "waiting")]
    # Settings and opt-outs are choices, not a log: no retention removes them.
    assert [left(store, w)[:4] for w in WORKSPACES] == [(False, True, True, "U1")] * 3
    pruned = store.prune(now + 999 * DAY, cooldown_s=3600.0, retention_s=DAY)
    assert pruned == Pruned(suggestions=1)
    assert [s.id for s in store.suggestions()] == [3]  # a waiting one waits for a maintainer
