"""The message shortcut "Explain terms in this message": every glossary term, privately.

It reads every text-bearing part of the message (``parse.message_text``): a forwarded or shared
message keeps its words in attachments, a rich one in blocks. Thread explanations read only the
message's own ``text``: they are uninvited, so they stay with what its author wrote.

In a channel shared with partners the reply holds only what partners may read: it carries its
partner version, picked when the job runs (``bot.slack.partner``).
"""

from __future__ import annotations

from bot.replies import View
from bot.service import GlossaryService
from bot.slack import partner, work
from bot.slack.dispatch import Listener
from bot.slack.parse import message_text, string
from bot.slack.render.answers import terms_message
from bot.slack.work import NOTHING, Incoming, Outcome

CALLBACK_ID = "explain_message_terms"
MAX_TEXT = 40_000


def explain_message(service: GlossaryService) -> Listener:
    def on_shortcut(incoming: Incoming) -> Outcome:
        url = string(incoming.body, "response_url", limit=2000)
        if not url:
            return NOTHING
        text = message_text(incoming.body.get("message"))[:MAX_TEXT]
        task = work.respond(incoming.workspace, url, terms_message(service.terms_in(text)))
        channel = string(incoming.body, "channel", "id", limit=64)
        partners = terms_message(service.terms_in(text, View.PARTNER))
        return Outcome(tasks=(partner.respond_variant(task, channel, partners),))

    return on_shortcut


def listeners(service: GlossaryService) -> dict[str, Listener]:
    return {CALLBACK_ID: explain_message(service)}
