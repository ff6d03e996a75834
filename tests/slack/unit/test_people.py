"""bot.slack.people against the Slack stand-in: user groups, emails, maintainers, the cache.

Pinned down: answers come from ``usergroups.users.list`` / ``users.lookupByEmail`` and are
cached per workspace until the TTL ends; "no such group / person" is an answer (cached), while
a failure answers nobody, is logged once per interval and is asked again next time; a maintainer
is a listed user or a member of a listed group.
"""

from __future__ import annotations

import logging

import pytest

from bot.slack.people import People
from bot.store.base import Workspace
from tests.fakes import Clock
from tests.standin import FakeSlackWebAPI

from .conftest import WORKSPACE, fast_client

OTHER = Workspace(None, "T0OTHER")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(api: FakeSlackWebAPI, clock: Clock) -> People:
    client = fast_client(api)
    return People(lambda workspace: client, ttl_s=300.0, clock=clock)


def test_group_members_are_asked_once_per_ttl(
    people: People, api: FakeSlackWebAPI, clock: Clock
) -> None:
    api.answers.groups["S0MAINT"] = ["U1", "U2"]
    assert people.members(WORKSPACE, "S0MAINT") == frozenset({"U1", "U2"})
    api.answers.groups["S0MAINT"] = ["U3"]
    assert people.members(WORKSPACE, "S0MAINT") == frozenset({"U1", "U2"})  # cached
    assert people.members(OTHER, "S0MAINT") == frozenset({"U3"})  # per workspace
    clock.advance(301)
    assert people.members(WORKSPACE, "S0MAINT") == frozenset({"U3"})
    calls = api.calls("usergroups.users.list")
    assert [c.params["usergroup"] for c in calls] == ["S0MAINT"] * 3


def test_an_unknown_group_has_no_members_and_is_cached(
    people: People, api: FakeSlackWebAPI
) -> None:
    assert people.members(WORKSPACE, "S0NONE") == frozenset()
    assert people.members(WORKSPACE, "S0NONE") == frozenset()
    assert len(api.calls("usergroups.users.list")) == 1


def test_a_failure_answers_nobody_logs_once_and_asks_again(
    people: People, api: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    api.answers.groups["S0MAINT"] = ["U1"]
    api.fail("usergroups.users.list", "missing_scope", times=2)
    with caplog.at_level(logging.WARNING, logger="bot.slack.people"):
        assert people.members(WORKSPACE, "S0MAINT") == frozenset()
        assert people.members(WORKSPACE, "S0MAINT") == frozenset()
    assert [r.getMessage() for r in caplog.records] == [
        "Slack usergroups.users.list failed (S0MAINT): missing_scope"
    ]
    assert people.members(WORKSPACE, "S0MAINT") == frozenset({"U1"})


def test_a_user_by_email(people: People, api: FakeSlackWebAPI) -> None:
    api.answers.emails["ana@example.com"] = "U0ANA"
    assert people.user_by_email(WORKSPACE, " Ana@Example.com ") == "U0ANA"
    assert people.user_by_email(WORKSPACE, "ana@example.com") == "U0ANA"
    assert people.user_by_email(WORKSPACE, "nobody@example.com") is None
    assert people.user_by_email(WORKSPACE, "nobody@example.com") is None
    asked = [c.params["email"] for c in api.calls("users.lookupByEmail")]
    assert asked == ["ana@example.com", "nobody@example.com"]


def test_a_maintainer_is_listed_or_in_a_listed_group(people: People, api: FakeSlackWebAPI) -> None:
    api.answers.groups["S0MAINT"] = ["U2"]
    maintainers = frozenset({"U1", "S0MAINT", "S0NONE"})
    assert people.is_maintainer(WORKSPACE, "U1", maintainers) is True
    assert len(api.calls()) == 0  # listed by id: no Slack call
    assert people.is_maintainer(WORKSPACE, "U2", maintainers) is True
    assert people.is_maintainer(WORKSPACE, "U3", maintainers) is False
    assert people.is_maintainer(WORKSPACE, "", maintainers) is False
    assert people.is_maintainer(WORKSPACE, "U1", frozenset()) is False
