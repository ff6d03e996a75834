"""The message shortcut "Explain terms in this message": every glossary term, privately."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.service import GlossaryService
from bot.slack.parse import get_path, text_of
from bot.slack.render import cards
from bot.slack.send import Sender

CALLBACK_ID = "explain_message_terms"


def make_explain(service: GlossaryService) -> Callable[..., None]:
    def explain(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        text = text_of(get_path(body, "message", "text"))
        terms = service.terms_in(text)
        empty = "I found no glossary terms in that message."
        message = cards.terms_message(service.glossary, terms, empty=empty)
        respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=False,
        )

    return explain


def register(app: App, service: GlossaryService, sender: Sender) -> None:
    app.shortcut(CALLBACK_ID)(make_explain(service))
