"""``/define``: private answers, acked with the reply itself (well inside Slack's 3 s)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.service import Answer, GlossaryService
from bot.slack.parse import text_of
from bot.slack.render import cards
from bot.slack.send import Sender

logger = logging.getLogger(__name__)
COMMAND = "/define"


def reply_for(service: GlossaryService, text: str) -> tuple[cards.Message, Answer | None]:
    """The private reply to ``/define <text>``, and the lookup to count if it was one."""
    words = text.split()
    head = words[0].lower() if words else ""
    rest = " ".join(words[1:])
    glossary = service.glossary
    if head in ("", "help", "?", "-h", "--help"):
        return cards.help_message(), None
    if head == "list":
        if not rest:
            return cards.categories_message(glossary), None
        found = glossary.category(rest)
        if found is None:
            return cards.unknown_category_message(rest, glossary), None
        return cards.category_message(*found), None
    if head == "search" and rest:
        return cards.search_message(rest, glossary.search(rest)), None
    answer = service.lookup(text)
    return cards.answer_message(glossary, answer), answer


def make_define(service: GlossaryService, sender: Sender) -> Callable[..., None]:
    def define(ack: Ack, command: dict[str, Any]) -> None:
        text = text_of(command.get("text")).strip()
        message, answer = reply_for(service, text)
        ack(response_type="ephemeral", text=message.text, blocks=message.blocks)
        if answer is not None:
            sender.later(service.record, answer, str(command.get("user_id", "")))

    return define


def register(app: App, service: GlossaryService, sender: Sender) -> None:
    app.command(COMMAND)(make_define(service, sender))
