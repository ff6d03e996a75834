"""/define, the event listeners and the message shortcut, called directly with real payloads.

Pinned down: /define acks exactly once with an ephemeral reply and records the lookup only
after that ack; a person's channel message gets a thread reply with link unfurling off; bots,
edits, joins, deletions, messages that mention the bot and Slack's retries get nothing; DMs
and mentions are answered (mentions in the thread); the Home tab is published only for the
home tab; the shortcut answers privately with every term in the message.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock, call

import pytest
from slack_bolt import BoltContext

from bot.service import GlossaryService
from bot.slack.listeners import commands, events, shortcuts
from bot.slack.render import cards
from bot.slack.send import Sender
from bot.store import MemoryStore
from tests.standin import requests
from tests.standin.ids import BOT_USER_ID, CHANNEL_ID, DM_CHANNEL_ID, USER_ID

EQL_TITLE = "Ecosystem Qualified Lead (EQL)"


def define(service: GlossaryService, ack: Mock, text: str) -> dict[str, Any]:
    """Run /define ``text``; the keyword arguments of its one ack."""
    commands.make_define(service, Sender())(ack=ack, command=requests.slash_command(text))
    ack.assert_called_once()
    assert ack.call_args.args == ()
    return dict(ack.call_args.kwargs)


@pytest.mark.parametrize(
    ("text", "reply", "recorded"),
    [
        ("", "How to use /define", None),
        ("help", "How to use /define", None),
        ("eql", f"{EQL_TITLE}: Ecosystem Qualified Leads (EQLs) are", ("eql", 1)),
        ("PRM", "“PRM” has 3 meanings: Partner Relationship Management (PRM)", ("PRM", 1)),
        ("CRM", "Sorry, there is no glossary entry for “CRM” yet.", ("CRM", 0)),
        ("list", "Glossary categories", None),
        ("list pricing", "Pricing models: 8 terms", None),
        ("list nope", "There is no category “nope”.", None),
        ("search commission", "6 entries mention “commission”, best match first:", None),
    ],
)
def test_define_acks_once_with_a_private_reply(
    service: GlossaryService,
    store: MemoryStore,
    ack: Mock,
    text: str,
    reply: str,
    recorded: tuple[str, int] | None,
) -> None:
    kwargs = define(service, ack, text)
    assert (kwargs["response_type"], kwargs["text"][: len(reply)]) == ("ephemeral", reply)
    assert kwargs["blocks"]
    found, missed = store.top_terms(5), store.recent_misses(5)
    if recorded is None:
        assert (found, missed) == ([], [])
    elif recorded[1]:
        assert (found, missed) == ([(service.lookup(recorded[0]).result.terms[0].term, 1)], [])
    else:
        assert (found, missed) == ([], [(recorded[0], 1)])


def test_define_shows_typed_control_characters_without_executing_them(
    service: GlossaryService, store: MemoryStore, ack: Mock
) -> None:
    kwargs = define(service, ack, "&lt;!channel&gt; R&amp;D")  # as Slack escapes what was typed
    assert "“&lt;!channel&gt; R&amp;D”" in kwargs["text"]
    assert "<!channel>" not in str(kwargs)
    assert store.recent_misses(1) == [("<!channel> R&D", 1)]


def test_define_records_the_lookup_after_the_ack(service: GlossaryService) -> None:
    order: list[str] = []

    class RecordingStore(MemoryStore):
        def record_lookup(self, query: str, term: str | None, now: float, user: str = "") -> None:
            order.append(f"record {query} by {user}")

    service.store = RecordingStore()
    ack = Mock(side_effect=lambda **_: order.append("ack"))
    commands.make_define(service, Sender())(ack=ack, command=requests.slash_command("EQL"))
    assert order == ["ack", f"record EQL by {USER_ID}"]


# --- events ---------------------------------------------------------------------------------


@pytest.fixture
def handlers(service: GlossaryService, sender: Sender) -> dict[str, Any]:
    return events.make_handlers(service, sender)


def on_message(handlers: dict[str, Any], client: Mock, context: BoltContext, body: Any) -> None:
    handlers["message"](client=client, event=body["event"], body=body, context=context)


def test_a_person_message_is_explained_in_its_thread(
    handlers: dict[str, Any], client: Mock, context: BoltContext
) -> None:
    body = requests.message("our EQL pipeline is growing")
    on_message(handlers, client, context, body)
    client.chat_postMessage.assert_called_once()
    kwargs = client.chat_postMessage.call_args.kwargs
    assert {k: v for k, v in kwargs.items() if k != "blocks"} == {
        "channel": CHANNEL_ID,
        "text": f"Glossary: {EQL_TITLE}",
        "unfurl_links": False,
        "unfurl_media": False,
        "thread_ts": body["event"]["ts"],
    }
    assert kwargs["blocks"][0]["text"]["text"].startswith(f"*{EQL_TITLE}*\n")


def test_a_thread_reply_is_answered_in_the_same_thread(
    handlers: dict[str, Any], client: Mock, context: BoltContext
) -> None:
    body = requests.thread_reply("what about MQL?", thread_ts="1700000000.000100")
    on_message(handlers, client, context, body)
    assert client.chat_postMessage.call_args.kwargs["thread_ts"] == "1700000000.000100"


@pytest.mark.parametrize(
    "body",
    [
        requests.bot_message("EQL from a webhook"),
        requests.bot_message("EQL from an app", with_subtype=False),
        requests.message_changed("EQL edited in", previous_text="typo"),
        requests.channel_join(),
        requests.message_deleted(deleted_ts="1700000000.000100", previous_text="EQL"),
        requests.message(f"<@{BOT_USER_ID}> what is EQL"),  # app_mention answers this one
        requests.message("lunch anyone?"),
    ],
    ids=["webhook-bot", "app-bot", "edit", "join", "delete", "mentions-bot", "no-terms"],
)
def test_other_messages_get_nothing(
    handlers: dict[str, Any], client: Mock, context: BoltContext, store: MemoryStore, body: Any
) -> None:
    on_message(handlers, client, context, body)
    assert client.mock_calls == []
    assert store.claim_event(body["event_id"], 0.0) is True  # the event was never claimed


def test_a_retried_event_is_answered_once(
    handlers: dict[str, Any], client: Mock, context: BoltContext
) -> None:
    body = requests.message("EQL again")
    on_message(handlers, client, context, body)
    retry = {**requests.message("EQL again", ts=body["event"]["ts"]), "event_id": body["event_id"]}
    on_message(handlers, client, context, retry)
    assert client.chat_postMessage.call_count == 1


def test_a_dm_is_answered_in_the_dm_and_counted(
    handlers: dict[str, Any], client: Mock, context: BoltContext, store: MemoryStore
) -> None:
    on_message(handlers, client, context, requests.dm_message("what is an OEM"))
    kwargs = client.chat_postMessage.call_args.kwargs
    assert (kwargs["channel"], "thread_ts" in kwargs) == (DM_CHANNEL_ID, False)
    assert kwargs["text"].startswith("Original equipment manufacturer (OEM): OEMs purchase")
    assert store.top_terms(5) == [("Original equipment manufacturer", 1)]


def test_a_mention_is_answered_in_a_thread(handlers: dict[str, Any], client: Mock) -> None:
    body = requests.app_mention(f"<@{BOT_USER_ID}> what do EQL and MQL mean?")
    handlers["app_mention"](client=client, event=body["event"], body=body)
    kwargs = client.chat_postMessage.call_args.kwargs
    assert (kwargs["channel"], kwargs["thread_ts"]) == (CHANNEL_ID, body["event"]["ts"])
    assert kwargs["text"] == f"Glossary terms: {EQL_TITLE}, Marketing Qualified Lead (MQL)"
    assert "share_term" not in str(kwargs["blocks"])  # public answers have no share button


def test_a_bare_mention_gets_help(handlers: dict[str, Any], client: Mock) -> None:
    body = requests.app_mention(f"<@{BOT_USER_ID}>")
    handlers["app_mention"](client=client, event=body["event"], body=body)
    assert client.chat_postMessage.call_args.kwargs["text"] == "How to use /define"


def test_home_opened_publishes_the_default_home(handlers: dict[str, Any], client: Mock) -> None:
    body = requests.app_home_opened(tab="home")
    handlers["app_home_opened"](client=client, event=body["event"])
    client.views_publish.assert_called_once()
    kwargs = client.views_publish.call_args.kwargs
    assert kwargs["user_id"] == USER_ID
    assert kwargs["view"]["private_metadata"] == '{"mode": "all", "value": "", "page": 0}'


def test_the_messages_tab_publishes_nothing(handlers: dict[str, Any], client: Mock) -> None:
    body = requests.app_home_opened(tab="messages")
    handlers["app_home_opened"](client=client, event=body["event"])
    assert client.mock_calls == []


# --- message shortcut -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (
            "our EQL and MQL plus affiliate deals",
            f"Glossary terms: {EQL_TITLE}, Marketing Qualified Lead (MQL), Affiliate",
        ),
        ("lunch anyone?", "I found no glossary terms in that message."),
    ],
)
def test_explain_shortcut_answers_privately(
    service: GlossaryService, ack: Mock, respond: Mock, text: str, reply: str
) -> None:
    body = requests.message_action("explain_message_terms", text=text)
    shortcuts.make_explain(service)(ack=ack, body=body, respond=respond)
    assert ack.call_args_list == [call()]
    respond.assert_called_once()
    kwargs = respond.call_args.kwargs
    assert (kwargs["text"], kwargs["response_type"], kwargs["replace_original"]) == (
        reply,
        "ephemeral",
        False,
    )
    assert (
        kwargs["blocks"]
        == cards.terms_message(service.glossary, service.terms_in(text), empty=reply).blocks
    )
