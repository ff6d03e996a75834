"""``/define``: the private answer is the ack itself (well inside Slack's 3 s); counting the
lookup is a task after it. The answer is private, so it is in the internal view, with the
partner wording beside the internal one where they differ."""

from __future__ import annotations

from bot.replies import Answer
from bot.service import GlossaryService
from bot.slack import work
from bot.slack.dispatch import Listener
from bot.slack.listeners import governance
from bot.slack.parse import string, text_of
from bot.slack.render.answers import define_message
from bot.slack.work import Incoming, Outcome

COMMAND = "/define"
MAX_TEXT = 500
"""Slack allows 4,000 characters; no lookup needs more than this."""


def define(service: GlossaryService) -> Listener:
    def on_define(incoming: Incoming) -> Outcome:
        text = text_of(incoming.body.get("text"))[:MAX_TEXT].strip()
        routed = governance.command(service, incoming, text)  # suggest, settings
        if routed is not None:
            return routed
        reply = service.define(text)
        message = define_message(reply)
        ack = {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}
        if not isinstance(reply, Answer):
            return Outcome(ack)
        user = string(incoming.body, "user_id", limit=64)
        return Outcome(
            ack, tasks=(work.record_task(incoming.workspace, reply.asked, reply.counted, user),)
        )

    return on_define


def listeners(service: GlossaryService) -> dict[str, Listener]:
    return {COMMAND: define(service)}
