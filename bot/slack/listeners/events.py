"""Events: channel messages (explained in threads), mentions and DMs (lookups), App Home.

Slack retries an event up to three times when it thinks it went unanswered; every handler
that posts something first claims the event id in the store, so each event is answered once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.web import WebClient

from bot.service import Answer, GlossaryService
from bot.slack.parse import is_person_message, mentions, strip_mentions, text_of, thread_root
from bot.slack.render import cards
from bot.slack.render.home import HomeState, home_view
from bot.slack.send import Sender

logger = logging.getLogger(__name__)
TOP_TERMS = 5


def answer_question(service: GlossaryService, text: str) -> tuple[cards.Message, Answer | None]:
    """The public reply to a mention or DM, and the answer to count."""
    if not text:
        return cards.help_message(), None
    answer, mentioned = service.ask(text)
    if mentioned:
        empty = "No glossary terms there."
        return cards.terms_message(service.glossary, mentioned, empty=empty), None
    return cards.answer_message(service.glossary, answer, shareable=False), answer


def make_handlers(service: GlossaryService, sender: Sender) -> dict[str, Callable[..., None]]:
    def reply(client: WebClient, event: dict[str, Any], event_id: str, **extra: Any) -> None:
        """Answer a mention or DM (after the ack): once per event, then count the lookup."""
        if not service.first_delivery(event_id):
            return
        question = strip_mentions(text_of(event.get("text")))
        message, answer = answer_question(service, question)
        sender.post(client, str(event.get("channel", "")), message, **extra)
        if answer is not None:
            service.record(answer, str(event.get("user", "")))

    def explain(client: WebClient, channel: str, root: str, text: str, connect: bool) -> None:
        """Explain a channel message's terms in its thread (after the ack)."""
        explanation = service.explain(
            channel=channel, thread_ts=root, text=text, slack_connect=connect
        )
        if explanation is not None:
            message = cards.explanation_message(explanation)
            sender.post(client, channel, message, thread_ts=root)

    def on_message(
        client: WebClient, event: dict[str, Any], body: dict[str, Any], context: BoltContext
    ) -> None:
        if not is_person_message(event):
            return
        text = text_of(event.get("text"))
        if event.get("channel_type") == "im":
            sender.later(reply, client, event, str(body.get("event_id", "")))
            return
        if mentions(text, context.bot_user_id):
            return  # the app_mention event answers it
        channel, root = str(event.get("channel", "")), thread_root(event)
        connect = bool(body.get("is_ext_shared_channel"))
        sender.later(explain, client, channel, root, text, connect)

    def on_mention(client: WebClient, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id"):
            return
        event_id = str(body.get("event_id", ""))
        sender.later(reply, client, event, event_id, thread_ts=thread_root(event))

    def on_home_opened(client: WebClient, event: dict[str, Any]) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        view = home_view(service.glossary, HomeState(), service.top_terms(TOP_TERMS))
        sender.call(client.views_publish, "home", user_id=event["user"], view=view)

    return {"message": on_message, "app_mention": on_mention, "app_home_opened": on_home_opened}


def register(app: App, service: GlossaryService, sender: Sender) -> None:
    for event, handler in make_handlers(service, sender).items():
        app.event(event)(handler)
