"""Events: channel messages, DMs, mentions, App Home, and events nobody handles.

Pinned down: a person's channel message naming terms becomes one explain job for its thread,
keyed ``<event_id>:explain``; everything else in a channel (no terms, only terms explained on
request, a mention of the bot, bots, Slackbot, edits, deletions, joins, Slack Connect when
switched off) decides NOTHING. DMs and mentions become one post job keyed
``<event_id>:answer``, in the thread they were asked in; chatter gets a pointer and no count;
an empty mention gets help whose wording fits a public thread.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.service import GlossaryService, Policy
from bot.slack.listeners import events
from bot.slack.render.answers import chatter_message, help_message
from bot.slack.work import NOTHING, Outcome
from bot.store import MemoryStore
from bot.store.base import NewJob, Workspace
from bot.terms import Glossary
from tests.standin import requests
from tests.standin.ids import BOT_USER_ID, CHANNEL_ID, DM_CHANNEL_ID, USER_ID

from .conftest import EQL, EQL_TITLE, MQL, MQL_TITLE, WORKSPACE, call

TS, ROOT = "1700000000.000200", "1700000000.000100"
OEM = "Original equipment manufacturer"
OEM_TEXT = (
    "Original equipment manufacturer (OEM): OEMs purchase products or components from a company "
    "and incorporate them into their own products. They then sell the finished products to their "
    "own customers."
)
TWO_TERMS = f"Glossary terms: {EQL_TITLE}, {MQL_TITLE}"


def on_message(service: GlossaryService, body: dict[str, Any]) -> Outcome:
    return call(events.message(service), body)


def on_mention(service: GlossaryService, body: dict[str, Any]) -> Outcome:
    return call(events.app_mention(service), body)


def explain(
    terms: list[str], thread_ts: str = TS, event_id: str = "Ev0EXPLAIN", *, shared: bool = False
) -> Outcome:
    """The explain job: its author (who may have opted out) and, when the event said so, that
    the channel is shared with partners; both are weighed when the job runs."""
    key = f"{event_id}:explain"
    payload: dict[str, Any] = {"channel": CHANNEL_ID, "thread_ts": thread_ts, "terms": terms}
    payload["user"] = USER_ID
    if shared:
        payload["shared"] = True
    payload["claim"] = key
    return Outcome(jobs=(NewJob("explain", payload, key, WORKSPACE),))


def posted(outcome: Outcome) -> dict[str, Any]:
    """The one post job's payload without its blocks (checked by the renderer tests)."""
    (job,) = outcome.jobs
    assert (job.kind, job.workspace, outcome.tasks, outcome.ack) == ("post", WORKSPACE, (), {})
    return {k: v for k, v in job.payload.items() if k != "blocks"}


# --- channel messages -------------------------------------------------------------------------


def test_a_person_message_with_a_term_becomes_one_explain_job(service: GlossaryService) -> None:
    body = requests.message("our EQL pipeline is growing", ts=TS, event_id="Ev0EXPLAIN")
    assert on_message(service, body) == explain([EQL])


def test_every_term_is_claimed_in_message_order(service: GlossaryService) -> None:
    body = requests.message("OEM and VAR deals, ISV and EQL and MQL", ts=TS, event_id="Ev0EXPLAIN")
    terms = [OEM, "Value-added reseller", "Independent software vendor", EQL, MQL]
    assert on_message(service, body) == explain(terms)


def test_a_thread_reply_is_explained_in_its_thread(service: GlossaryService) -> None:
    body = requests.thread_reply("what about MQL?", thread_ts=ROOT, ts=TS, event_id="Ev0EXPLAIN")
    assert on_message(service, body) == explain([MQL], thread_ts=ROOT)


def test_a_reply_also_sent_to_the_channel_is_explained_in_its_thread(
    service: GlossaryService,
) -> None:
    body = requests.thread_broadcast("EQL recap", thread_ts=ROOT, event_id="Ev0EXPLAIN")
    assert on_message(service, body) == explain([EQL], thread_ts=ROOT)


def test_a_40000_character_message_is_read_without_trouble(service: GlossaryService) -> None:
    body = requests.message("EQL " * 10_000, ts=TS, event_id="Ev0EXPLAIN")
    assert on_message(service, body) == explain([EQL])


@pytest.mark.parametrize(
    "body",
    [
        requests.message("lunch anyone?"),
        requests.message("our affiliate deals"),  # auto_expand: false
        requests.message(f"<@{BOT_USER_ID}> what is EQL"),  # app_mention answers this one
        requests.bot_message("EQL from a webhook"),
        requests.bot_message("EQL from an app", with_subtype=False),
        requests.message("Reminder: EQL review", user="USLACKBOT"),
        requests.message_changed("EQL edited in", previous_text="typo"),
        requests.message_deleted(deleted_ts=ROOT, previous_text="EQL"),
        requests.channel_join(),
    ],
    ids=[
        "no-terms",
        "auto-expand-off",
        "mentions-bot",
        "webhook-bot",
        "app-bot",
        "slackbot",
        "edit",
        "delete",
        "join",
    ],
)
def test_other_channel_messages_decide_nothing(
    service: GlossaryService, body: dict[str, Any]
) -> None:
    assert on_message(service, body) == NOTHING


def test_slack_connect_channels_follow_their_switch(glossary: Glossary) -> None:
    body = requests.message("EQL numbers", ts=TS, event_id="Ev0EXPLAIN", is_ext_shared_channel=True)
    allowed = GlossaryService(glossary, MemoryStore())
    refused = GlossaryService(glossary, MemoryStore(), Policy(in_slack_connect=False))
    assert on_message(allowed, body) == explain([EQL], shared=True)
    assert on_message(refused, body) == NOTHING
    internal = requests.message("EQL numbers", ts=TS, event_id="Ev0EXPLAIN")
    assert on_message(refused, internal) == explain([EQL])


def test_explanations_switched_off_leave_dms_answered(glossary: Glossary) -> None:
    service = GlossaryService(glossary, MemoryStore(), Policy(in_channels=False))
    assert on_message(service, requests.message("EQL numbers")) == NOTHING
    assert posted(on_message(service, requests.dm_message("EQL")))["channel"] == DM_CHANNEL_ID


# --- direct messages --------------------------------------------------------------------------


def test_a_dm_is_answered_at_the_top_of_the_dm_and_counted(service: GlossaryService) -> None:
    body = requests.dm_message("what is an OEM", event_id="Ev0DM")
    outcome = on_message(service, body)
    assert outcome.jobs[0].dedupe_key == "Ev0DM:answer"
    assert posted(outcome) == {
        "channel": DM_CHANNEL_ID,
        "text": OEM_TEXT,
        "record": {"query": "OEM", "term": OEM, "user": USER_ID},
    }


def test_a_dm_thread_reply_is_answered_in_that_thread(service: GlossaryService) -> None:
    body = requests.dm_message("what is an OEM", thread_ts=ROOT, event_id="Ev0DM")
    assert posted(on_message(service, body)) == {
        "channel": DM_CHANNEL_ID,
        "text": OEM_TEXT,
        "thread_ts": ROOT,
        "record": {"query": "OEM", "term": OEM, "user": USER_ID},
    }


@pytest.mark.parametrize("text", ["thanks", "test", "hi", "Thank you!", ":wave:"])
def test_chatter_in_a_dm_gets_a_pointer_and_is_no_miss(service: GlossaryService, text: str) -> None:
    outcome = on_message(service, requests.dm_message(text))
    pointer = chatter_message()
    assert posted(outcome) == {"channel": DM_CHANNEL_ID, "text": pointer.text}
    assert outcome.jobs[0].payload["blocks"] == pointer.blocks


def test_a_dm_naming_two_terms_answers_both(service: GlossaryService) -> None:
    outcome = on_message(service, requests.dm_message("what do EQL and MQL mean?"))
    assert posted(outcome) == {"channel": DM_CHANNEL_ID, "text": TWO_TERMS}


def test_a_dm_the_glossary_cannot_answer_is_a_miss(service: GlossaryService) -> None:
    outcome = on_message(service, requests.dm_message("xyzzy"))
    assert posted(outcome)["record"] == {"query": "xyzzy", "term": None, "user": USER_ID}


@pytest.mark.parametrize(
    "body",
    [
        requests.dm_message("You have been removed from #deals by EQL admin", user="USLACKBOT"),
        requests.bot_message("EQL", channel=DM_CHANNEL_ID, channel_type="im"),
        requests.message_changed("EQL", channel=DM_CHANNEL_ID, channel_type="im"),
    ],
    ids=["slackbot-notice", "bot", "edit"],
)
def test_dms_not_written_by_a_person_decide_nothing(
    service: GlossaryService, body: dict[str, Any]
) -> None:
    assert on_message(service, body) == NOTHING


# --- mentions ---------------------------------------------------------------------------------


def test_a_mention_is_answered_in_its_thread_once_per_event(service: GlossaryService) -> None:
    body = requests.app_mention(f"<@{BOT_USER_ID}> what is an OEM", ts=TS, event_id="Ev0MENTION")
    outcome = on_mention(service, body)
    assert outcome.jobs[0].dedupe_key == "Ev0MENTION:answer"
    assert posted(outcome) == {
        "channel": CHANNEL_ID,
        "text": OEM_TEXT,
        "thread_ts": TS,
        "record": {"query": "OEM", "term": OEM, "user": USER_ID},
    }
    assert "share_term" not in str(outcome.jobs[0].payload["blocks"])  # public: no Share


def test_a_mention_inside_a_thread_is_answered_there(service: GlossaryService) -> None:
    body = requests.app_mention(f"<@{BOT_USER_ID}> EQL and MQL?", ts=TS, thread_ts=ROOT)
    assert posted(on_mention(service, body)) == {
        "channel": CHANNEL_ID,
        "text": TWO_TERMS,
        "thread_ts": ROOT,
    }


def test_an_empty_mention_gets_help_worded_for_a_public_thread(service: GlossaryService) -> None:
    outcome = on_mention(service, requests.app_mention(f"<@{BOT_USER_ID}>", ts=TS))
    assert posted(outcome) == {"channel": CHANNEL_ID, "text": "How to use /define", "thread_ts": TS}
    shown = outcome.jobs[0].payload["blocks"][0]["text"]["text"]
    assert shown.splitlines()[0] == "*Look up partnership jargon — `/define` answers are private.*"
    assert "only you see" not in str(outcome.jobs[0].payload)
    assert "only you see" in str(help_message().blocks)  # /define help is private, and says so


def mention_by(**sender: str) -> dict[str, Any]:
    body = requests.app_mention(f"<@{BOT_USER_ID}> what is EQL")
    body["event"].update(sender)
    return body


@pytest.mark.parametrize(
    "body",
    [
        mention_by(bot_id="B0OTHER", user="U0OTHERBOT"),
        mention_by(user="USLACKBOT"),
        mention_by(app_id="A0OTHER"),
    ],
    ids=["bot", "slackbot", "app"],
)
def test_a_mention_not_written_by_a_person_decides_nothing(
    service: GlossaryService, body: dict[str, Any]
) -> None:
    assert on_mention(service, body) == NOTHING


# --- App Home and everything else ---------------------------------------------------------------


class UnreadStore(MemoryStore):
    """A store whose "most looked up" must not be read before the ack."""

    def top_terms(self, workspace: Workspace, limit: int) -> list[tuple[str, int]]:
        raise AssertionError("the store was read before the ack")


def test_opening_home_is_one_home_task_that_reads_nothing_before_the_ack(
    glossary: Glossary,
) -> None:
    service = GlossaryService(glossary, UnreadStore())
    outcome = call(events.app_home_opened(service), requests.app_home_opened(tab="home"))
    home = {"user": USER_ID, "mode": "all", "value": "", "page": 0}
    assert outcome == Outcome(tasks=(NewJob("home", home, workspace=WORKSPACE),))


def test_the_messages_tab_publishes_nothing(service: GlossaryService) -> None:
    body = requests.app_home_opened(tab="messages")
    assert call(events.app_home_opened(service), body) == NOTHING


def test_unhandled_events_are_acked_and_logged_once_per_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unhandled = events.UnhandledEvents()
    caplog.set_level(logging.INFO, logger="bot.slack.listeners.events")
    kinds = ["channel_created", "team_join", "channel_created", "brand_new_event"]
    outcomes = [call(unhandled, requests.event_callback({"type": kind})) for kind in kinds]
    assert outcomes == [NOTHING] * 4
    assert [r.getMessage() for r in caplog.records] == [
        "acked a 'channel_created' event, which this app does not handle",
        "acked a 'team_join' event, which this app does not handle",
        "acked a 'brand_new_event' event, which this app does not handle",
    ]


def test_the_event_listeners(service: GlossaryService) -> None:
    listeners = events.listeners(service)
    assert sorted(listeners) == [
        "app_home_opened",
        "app_mention",
        "app_uninstalled",
        "message",
        "tokens_revoked",
    ]
    assert listeners["app_uninstalled"] is listeners["tokens_revoked"] is events.uninstalled
