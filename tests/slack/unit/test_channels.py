"""bot.slack.channels against the Slack stand-in: is a channel shared with partners?

Pinned down: a DM is never shared and costs no call; an event's flag settles it without a call;
``conversations.info``'s ``is_ext_shared`` / ``is_pending_ext_shared`` mean shared, a channel
shared only inside the organisation does not; answers are cached per (workspace, channel) until
the TTL ends; a Slack error means "shared" (the safe side), logged once, and asked again after
the shorter error TTL.
"""

from __future__ import annotations

import logging

import pytest
from slack_sdk.web import WebClient

from bot.logs import Throttled
from bot.slack import channels
from bot.slack.channels import SharedChannels, shared_by_info
from bot.store.base import Workspace
from tests.fakes import Clock
from tests.standin import FakeSlackWebAPI

from .conftest import WORKSPACE, fast_client

OTHER = Workspace("E0ORG", "T0OTHER")


@pytest.fixture
def clock() -> Clock:
    return Clock(0.0)


@pytest.fixture
def detector(api: FakeSlackWebAPI, clock: Clock) -> SharedChannels:
    client: WebClient = fast_client(api)
    return SharedChannels(lambda workspace: client, clock=clock, ttl_s=600.0, error_ttl_s=60.0)


def asked(api: FakeSlackWebAPI) -> list[str]:
    return [str(c.params.get("channel")) for c in api.calls("conversations.info")]


@pytest.mark.parametrize(
    ("info", "shared"),
    [
        ({"is_ext_shared": True, "is_shared": True}, True),
        ({"is_pending_ext_shared": True}, True),
        ({"is_shared": True, "is_org_shared": True}, False),
        ({"is_shared": True}, True),  # shared with someone not known to be us
        ({"is_ext_shared": False, "is_shared": False}, False),
        ({}, False),
    ],
    ids=["ext-shared", "pending", "org-shared", "shared-unknown", "internal", "no-fields"],
)
def test_what_conversations_info_says(info: dict[str, bool], shared: bool) -> None:
    assert shared_by_info(info) is shared


def test_a_dm_is_never_shared_and_costs_no_call(
    detector: SharedChannels, api: FakeSlackWebAPI
) -> None:
    api.set_channel("D0DM", is_ext_shared=True)
    assert detector.shared(WORKSPACE, "D0DM", flagged=True) is False
    assert asked(api) == []


def test_the_event_flag_needs_no_call(detector: SharedChannels, api: FakeSlackWebAPI) -> None:
    assert detector.shared(WORKSPACE, "C0FLAG", flagged=True) is True
    assert detector.shared(WORKSPACE, "C0FLAG") is True  # remembered
    assert asked(api) == []


def test_answers_are_cached_per_workspace_and_channel_until_the_ttl_ends(
    detector: SharedChannels, api: FakeSlackWebAPI, clock: Clock
) -> None:
    api.set_channel("C0EXT", is_ext_shared=True)
    assert [detector.shared(WORKSPACE, c) for c in ("C0EXT", "C0OWN", "C0EXT", "C0OWN")] == [
        True,
        False,
        True,
        False,
    ]
    assert asked(api) == ["C0EXT", "C0OWN"]
    assert detector.shared(OTHER, "C0EXT") is True
    assert asked(api) == ["C0EXT", "C0OWN", "C0EXT"]
    api.set_channel("C0OWN", is_ext_shared=True)  # partners were invited since
    clock.advance(599.0)
    assert detector.shared(WORKSPACE, "C0OWN") is False
    clock.advance(1.0)
    assert detector.shared(WORKSPACE, "C0OWN") is True
    assert asked(api)[-1] == "C0OWN" and len(asked(api)) == 4


def test_a_slack_error_means_shared_logged_once_and_asked_again_later(
    detector: SharedChannels,
    api: FakeSlackWebAPI,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channels, "throttled", Throttled(channels.logger))
    caplog.set_level(logging.WARNING, logger="bot.slack.channels")
    api.fail("conversations.info", "missing_scope", times=2)
    assert detector.shared(WORKSPACE, "C0ONE") is True
    assert detector.shared(WORKSPACE, "C0ONE") is True  # cached: no second call
    assert detector.shared(WORKSPACE, "C0TWO") is True
    assert asked(api) == ["C0ONE", "C0TWO"]
    assert [r.getMessage() for r in caplog.records] == [
        "cannot tell whether channel C0ONE is shared with partners (missing_scope): "
        "treating it as shared"
    ]
    clock.advance(60.0)
    assert detector.shared(WORKSPACE, "C0ONE") is False  # Slack answers again: not shared
