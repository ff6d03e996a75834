"""``Reminders`` and ``Announcer`` against the Slack stand-in, on a MemoryStore and on SQLite.

The clock is a value: "Tuesday 10:00", "two days later", "next week". Cross-process behaviour
(two replicas, one store) is in tests/slack/e2e/test_notices_replicas.py; here one process's
outcomes: who is DMed with what, what is announced where, and that a store outage or a Slack
error costs one log line and raises nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from slack_sdk.web import WebClient

from bot.config import load_settings
from bot.reminders import Due
from bot.service import GlossaryService
from bot.slack.app import make_client
from bot.slack.failures import Failed
from bot.slack.notices import Announcer, Directory, Reminders, governance_notices
from bot.slack.render.notices import reminder
from bot.store import MemoryStore, SqlStore, Store, migrate
from bot.store.base import ChannelSettings, Workspace
from bot.terms import Glossary, Term
from tests.blockkit_limits import assert_block_kit_limits
from tests.standin import FakeSlackWebAPI

DAY = 86400.0
CHANNEL = "C0ANNOUNCE"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


TUESDAY = at("2026-12-01T10:00:00")
"""In ISO week 2026-W49 (Monday 30 November to Sunday 6 December)."""


def term(name: str, owner: str | None, line: int, **fields: object) -> Term:
    base = Term(name, "Tiers", f"{name} wording.", source="glossary/tiers.yaml", line=line)
    defaults: dict[str, object] = {"reviewed": date(2026, 1, 1), "review_every_days": 180}
    return replace(base, owner=owner, **{**defaults, **fields})  # type: ignore[arg-type]


TERMS = [
    term("Gold tier", "U0ANA", 3),
    term("Silver tier", "S0TEAM", 12),
    term("Bronze tier", "bo@example.com", 20),
    term("Elite tier", None, 30),
    term("Fresh tier", "U0ANA", 40, reviewed=date(2026, 11, 1)),
]
"""Gold, Silver and Bronze fell due on 2026-06-30; Elite has no owner; Fresh is not due."""


def directory(*, fail: bool = False) -> Directory:
    """People behind groups and emails, as bot.slack.people answers."""

    def members(group: str) -> Sequence[str]:
        if fail:
            raise Failed("not_installed")
        return {"S0TEAM": ["U0CY", "U0ANA"]}.get(group, [])

    return Directory(members, {"bo@example.com": "U0BO"}.get)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    migrate.upgrade(url)
    sql = SqlStore(url)
    yield sql
    sql.close()


@pytest.fixture
def client(slack_api: FakeSlackWebAPI) -> WebClient:
    return make_client("xoxb-governance", slack_api.base_url)


def reminders(store: Store, client: WebClient, people: Directory | None = None) -> Reminders:
    glossary = Glossary(TERMS)
    return Reminders(
        store, lambda: client, glossary.overdue, people or directory(), root=Path.cwd()
    )


def dms(api: FakeSlackWebAPI) -> dict[str, str]:
    """Each DM's user and its listed lines (the second block)."""
    sent = {}
    for call in api.calls("chat.postMessage"):
        assert_block_kit_limits(call.params)
        sent[call.params["channel"]] = call.decoded("blocks")[1]["text"]["text"]
    return sent


GOLD = "• *Gold tier* — `glossary/tiers.yaml:3` — due since 2026-06-30"
SILVER = "• *Silver tier* — `glossary/tiers.yaml:12` — due since 2026-06-30"
BRONZE = "• *Bronze tier* — `glossary/tiers.yaml:20` — due since 2026-06-30"


def test_each_person_is_dmed_their_overdue_terms_once_with_file_and_line(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    assert reminders(store, client).run_once(TUESDAY) == 3
    assert dms(slack_api) == {
        "U0ANA": f"{GOLD}\n{SILVER}",
        "U0CY": SILVER,
        "U0BO": BRONZE,
    }
    texts = [call.params["text"] for call in slack_api.calls("chat.postMessage")]
    assert texts == [
        "2 glossary terms you own are due for review",
        "1 glossary term you own is due for review",
        "1 glossary term you own is due for review",
    ]


def test_not_again_that_week_even_after_pruning_but_again_the_next_week(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    assert reminders(store, client).run_once(TUESDAY) == 3
    later = TUESDAY + 4 * DAY  # Saturday: once-keys stamped "now" would be pruned by then
    store.prune(later, cooldown_s=DAY, retention_s=90 * DAY)
    assert reminders(store, client).run_once(later) is None
    assert len(slack_api.calls("chat.postMessage")) == 3
    next_week = TUESDAY + 7 * DAY
    store.prune(next_week, cooldown_s=DAY, retention_s=90 * DAY)
    assert reminders(store, client).run_once(next_week) == 3
    assert len(slack_api.calls("chat.postMessage")) == 6


def test_nothing_before_monday_nine_utc(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    sender = reminders(store, client)
    assert sender.run_once(at("2026-11-30T08:59:59")) is None
    assert slack_api.calls("chat.postMessage") == []
    assert sender.run_once(at("2026-11-30T09:00:00")) == 3


def test_a_failed_dm_is_logged_once_and_the_others_still_go(
    store: Store,
    client: WebClient,
    slack_api: FakeSlackWebAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack_api.fail("chat.postMessage", "user_not_found")
    with caplog.at_level(logging.WARNING, "bot.slack.notices"):
        assert reminders(store, client).run_once(TUESDAY) == 2
    assert len(slack_api.calls("chat.postMessage")) == 3
    assert [r.getMessage() for r in caplog.records] == [
        "could not DM U0ANA their 2 overdue term(s): user_not_found"
    ]


def test_an_unresolvable_group_is_logged_and_direct_owners_still_reminded(
    store: Store,
    client: WebClient,
    slack_api: FakeSlackWebAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "bot.slack.notices"):
        assert reminders(store, client, directory(fail=True)).run_once(TUESDAY) == 2
    assert dms(slack_api) == {"U0ANA": GOLD, "U0BO": BRONZE}
    assert [r.getMessage() for r in caplog.records] == [
        "cannot find the people of term owner S0TEAM: not_installed"
    ]


def test_a_store_outage_sends_nothing_and_logs_one_line(
    store: Store,
    client: WebClient,
    slack_api: FakeSlackWebAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.close()
    sender = reminders(store, client)
    with caplog.at_level(logging.WARNING, "bot.slack.notices"):
        assert sender(TUESDAY) is None
        assert sender(TUESDAY + 300) is None  # the next upkeep check: counted, not logged
    assert slack_api.calls("chat.postMessage") == []
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("review reminders wait for the store: ")


def test_no_governance_token_is_logged_and_raises_nothing(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> WebClient:
        raise Failed("not_installed")

    sender = Reminders(store, missing, Glossary(TERMS).overdue, directory())
    with caplog.at_level(logging.WARNING, "bot.slack.notices"):
        assert sender(TUESDAY) == 0
    assert [r.getMessage() for r in caplog.records] == [
        "review reminders reminders:2026-W49 not sent: not_installed"
    ]


# -- announcements ----------------------------------------------------------------------------

BEFORE = [term("Gold tier", "U0ANA", 3), term("Silver tier", None, 12)]
AFTER = [
    term("Gold tier", "U0ANA", 3, status="deprecated", replaced_by="Elite tier"),
    term("Elite tier", None, 30),
    term("Project Falcon", None, 40, audience="internal"),
    term("Silver tier", None, 12, definition="Silver, reworded."),
]
SUMMARY = (
    "Glossary updated: 2 new (Elite tier, Project Falcon), 1 changed (Silver tier), "
    "1 deprecated (Gold tier → Elite tier)"
)


def announcer(store: Store, client: WebClient) -> Announcer:
    return Announcer(store, lambda: client, CHANNEL, clock=lambda: TUESDAY)


def test_a_change_is_announced_once_per_version(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    assert announcer(store, client)(BEFORE, AFTER, "abc123") is True
    assert announcer(store, client)(BEFORE, AFTER, "abc123") is False  # another replica
    posts = slack_api.calls("chat.postMessage")
    assert [(p.params["channel"], p.params["text"]) for p in posts] == [(CHANNEL, SUMMARY)]
    assert_block_kit_limits(posts[0].params)


def test_no_change_in_what_terms_say_posts_nothing(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    moved = [replace(t, line=t.line + 2, owner="U0NEW") for t in BEFORE]
    assert announcer(store, client)(BEFORE, moved, "def456") is False
    assert slack_api.calls() == []


def test_a_shared_channel_is_not_told_internal_terms(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    slack_api.set_channel(CHANNEL, is_ext_shared=True)
    assert announcer(store, client)(BEFORE, AFTER, "abc123") is True
    assert slack_api.calls("chat.postMessage")[0].params["text"] == (
        "Glossary updated: 1 new (Elite tier), 1 changed (Silver tier), "
        "1 deprecated (Gold tier → Elite tier)"
    )


def test_a_channel_forced_to_the_partner_view_is_not_told_internal_terms(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    """Not shared by Slack's account, but its members said partners read it (guests, say)."""
    store.set_channel_settings(
        Workspace(None, "T0TEST"), CHANNEL, ChannelSettings(partner_view=True)
    )
    assert announcer(store, client)(BEFORE, AFTER, "abc123") is True
    assert slack_api.calls("chat.postMessage")[0].params["text"] == (
        "Glossary updated: 1 new (Elite tier), 1 changed (Silver tier), "
        "1 deprecated (Gold tier → Elite tier)"
    )


def test_when_slack_cannot_say_whether_shared_internal_terms_are_left_out(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    slack_api.fail("conversations.info", "missing_scope")
    assert announcer(store, client)(BEFORE, AFTER, "abc123") is True
    assert "Project Falcon" not in slack_api.calls("chat.postMessage")[0].params["text"]


def test_a_shared_channel_is_not_told_of_a_change_partners_cannot_see(
    store: Store, client: WebClient, slack_api: FakeSlackWebAPI
) -> None:
    """Only the internal wording of Partner tier changed: partners read the same text, so a
    shared channel hears nothing (not even that the internal wording moved); an internal
    channel hears of the change, by name only. A rename is the old name gone, a new one added."""
    before = [term("Partner tier", None, 3, partner_definition="A level.")]
    after = [replace(before[0], definition="Internal: margins by level.")]
    slack_api.set_channel(CHANNEL, is_ext_shared=True)
    assert announcer(store, client)(before, after, "v1") is False
    renamed = [replace(after[0], term="Partner level")]
    assert announcer(store, client)(after, renamed, "v2") is True
    slack_api.set_channel(CHANNEL, is_ext_shared=False)
    assert announcer(store, client)(before, after, "v3") is True
    assert [p.params["text"] for p in slack_api.calls("chat.postMessage")] == [
        "Glossary updated: 1 new (Partner level), 1 removed (Partner tier)",
        "Glossary updated: 1 changed (Partner tier)",
    ]


def test_a_reminder_lists_at_most_40_terms_and_says_how_many_more() -> None:
    dues = [Due(f"Term {n}", f"glossary/p.yaml:{n}", date(2026, 6, 30)) for n in range(1, 46)]
    message = reminder(dues)
    listed = [
        line
        for block in message.blocks
        if block["type"] == "section"
        for line in block["text"]["text"].splitlines()
        if line.startswith("•")
    ]
    assert message.text == "45 glossary terms you own are due for review"
    assert (len(listed), listed[0], listed[-1]) == (
        40,
        "• *Term 1* — `glossary/p.yaml:1` — due since 2026-06-30",
        "• *Term 40* — `glossary/p.yaml:40` — due since 2026-06-30",
    )
    assert message.blocks[-1]["elements"][0]["text"] == (
        "…and 5 more: `python -m bot check --stale` lists them all."
    )
    assert_block_kit_limits(message)


def test_a_slack_error_or_a_store_outage_is_one_log_line(
    store: Store,
    client: WebClient,
    slack_api: FakeSlackWebAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack_api.fail("chat.postMessage", "not_in_channel")
    with caplog.at_level(logging.WARNING, "bot.slack.notices"):
        assert announcer(store, client)(BEFORE, AFTER, "v1") is False
        store.close()
        assert announcer(store, client)(BEFORE, AFTER, "v2") is False
    assert len(slack_api.calls("chat.postMessage")) == 1
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == f"glossary v1 not announced in {CHANNEL}: not_in_channel"
    assert lines[1].startswith(f"glossary v2 not announced in {CHANNEL}: ")
    assert len(lines) == 2


# -- wiring -----------------------------------------------------------------------------------

OAUTH = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_STATE_SECRET": "t"}


def wiring(env: dict[str, str]) -> tuple[Reminders | None, Announcer | None, list[Workspace]]:
    """``governance_notices`` for ``env``, and the workspaces whose client it asked for."""
    asked: list[Workspace] = []

    def clients(workspace: Workspace) -> WebClient:
        asked.append(workspace)
        return WebClient("xoxb-unused")

    service = GlossaryService(Glossary(TERMS), MemoryStore())
    settings = load_settings(env, dotenv_path=None)
    reminders, announcer = governance_notices(settings, service, clients)
    return reminders, announcer, asked


def test_both_off_unless_asked_for() -> None:
    assert wiring({}) == (None, None, [])


def test_token_mode_posts_with_the_one_token() -> None:
    env = {"REVIEW_REMINDERS": "true", "ANNOUNCE_CHANNEL": CHANNEL}
    reminders, announcer, asked = wiring(env)
    assert reminders is not None and announcer is not None
    assert announcer.channel == CHANNEL
    assert announcer._client() is not None
    assert asked == [Workspace()]


def test_oauth_mode_posts_with_the_governance_team() -> None:
    _, announcer, asked = wiring({**OAUTH, "ANNOUNCE_CHANNEL": CHANNEL, "GOVERNANCE_TEAM": "T0GOV"})
    assert announcer is not None
    announcer._client()
    assert asked == [Workspace(None, "T0GOV")]


def test_oauth_mode_without_governance_team_warns_once_and_turns_both_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {**OAUTH, "REVIEW_REMINDERS": "true", "ANNOUNCE_CHANNEL": CHANNEL}
    with caplog.at_level(logging.WARNING, "bot.slack.notices"):
        assert wiring(env) == (None, None, [])
    assert [r.getMessage() for r in caplog.records] == [
        "REVIEW_REMINDERS and ANNOUNCE_CHANNEL set but GOVERNANCE_TEAM is not: in OAuth mode "
        "that names the workspace that posts them; they are off"
    ]
