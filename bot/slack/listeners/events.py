"""Events: channel messages (explained in threads), mentions and DMs (lookups), App Home.

Answers and explanations are durable jobs keyed by the event id, so Slack's retries (up to
three, possibly to another replica) add nothing. Only people get answers: bots, apps, Slackbot's
notices, edits and joins are ignored (``parse.is_person_message``). An answer goes in the thread
it was asked in, in channels and DMs alike. Events nobody handles are acked all the same (a
non-200 counts toward Slack disabling the subscription) and logged once per type.

Whether partners read the channel is decided when the job runs (``bot.slack.perform``): an
answer in a channel carries its partner version too (``bot.slack.partner``), an explanation the
event's ``is_ext_shared_channel`` and the author, whose opt-out and the channel's settings are
read then. Only real lookups are counted: chatter and long sentences are not misses.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.replies import Answer, View
from bot.service import GlossaryService
from bot.slack import partner, work
from bot.slack.channels import is_direct
from bot.slack.dispatch import Listener
from bot.slack.home_state import HomeState
from bot.slack.parse import (
    get_path,
    is_person,
    is_person_message,
    mentions,
    string,
    strip_mentions,
    text_of,
    thread_root,
)
from bot.slack.render.answers import ask_message
from bot.slack.work import NOTHING, Incoming, Outcome
from bot.store.base import Workspace

logger = logging.getLogger(__name__)
MAX_QUESTION = 500
MAX_TEXT = 40_000


def _event(incoming: Incoming) -> dict[str, Any]:
    event = incoming.body.get("event")
    return event if isinstance(event, dict) else {}


def _answer(service: GlossaryService, incoming: Incoming, thread_ts: str | None) -> Outcome:
    """Answer a mention or DM in ``thread_ts`` (None: top level), once per event."""
    event = _event(incoming)
    channel = string(event, "channel", limit=64)
    if not channel:
        return NOTHING
    question = strip_mentions(text_of(event.get("text"))[:MAX_TEXT])[:MAX_QUESTION]
    reply = service.ask(question)
    user = string(event, "user", limit=64)
    counted = None
    if isinstance(reply, Answer) and reply.counts:
        counted = work.record(reply.asked, reply.counted, user)
    event_id = string(incoming.body, "event_id", limit=100)
    job = work.post(
        incoming.workspace,
        channel,
        ask_message(reply),
        thread_ts=thread_ts,
        dedupe_key=f"{event_id}:answer" if event_id else None,
        record=counted,
    )
    if not is_direct(channel):
        shared = incoming.body.get("is_ext_shared_channel") is True
        job = partner.post_variant(
            job, ask_message(service.ask(question, View.PARTNER)), shared=shared
        )
    return Outcome(jobs=(job,))


def message(service: GlossaryService) -> Listener:
    def on_message(incoming: Incoming) -> Outcome:
        event = _event(incoming)
        if not is_person_message(event):
            return NOTHING
        text = text_of(event.get("text"))[:MAX_TEXT]
        if event.get("channel_type") == "im":
            return _answer(service, incoming, string(event, "thread_ts", limit=64) or None)
        if mentions(text, incoming.bot_user_id):
            return NOTHING  # the app_mention event answers it
        connect = incoming.body.get("is_ext_shared_channel") is True
        names = service.explainable(text, slack_connect=connect)
        channel = string(event, "channel", limit=64)
        if not names or not channel:
            return NOTHING
        event_id = string(incoming.body, "event_id", limit=100)
        key = f"{event_id}:explain" if event_id else None
        author = string(event, "user", limit=64)
        root = thread_root(event)
        job = work.explain(
            incoming.workspace, channel, root, names, dedupe_key=key, author=author, shared=connect
        )
        return Outcome(jobs=(job,))

    return on_message


def app_mention(service: GlossaryService) -> Listener:
    def on_mention(incoming: Incoming) -> Outcome:
        event = _event(incoming)
        if not is_person(event):
            return NOTHING
        return _answer(service, incoming, thread_root(event) or None)

    return on_mention


def app_home_opened(service: GlossaryService) -> Listener:
    def on_home_opened(incoming: Incoming) -> Outcome:
        event = _event(incoming)
        user = string(event, "user", limit=64)
        if event.get("tab") != "home" or not user:
            return NOTHING
        state = HomeState()
        task = work.home(incoming.workspace, user, state.mode, state.value, state.page)
        return Outcome(tasks=(task,))

    return on_home_opened


class UnhandledEvents:
    """Acks any other event type, logging each type once per process."""

    MAX_TYPES = 200

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, incoming: Incoming) -> Outcome:
        kind = string(_event(incoming), "type", limit=60) or "?"
        with self._lock:
            new = kind not in self._seen and len(self._seen) < self.MAX_TYPES
            if new:
                self._seen.add(kind)
        if new:
            logger.info("acked a %r event, which this app does not handle", kind)
        return NOTHING


def uninstalled(incoming: Incoming) -> Outcome:
    """``app_uninstalled`` or ``tokens_revoked``: forget the workspace (its installation, its
    tokens and every row of its state), durably, once per event."""
    if incoming.workspace.team_id is None and incoming.workspace.enterprise_id is None:
        return NOTHING
    event_id = string(incoming.body, "event_id", limit=100)
    kind = string(_event(incoming), "type", limit=40)
    if kind == "tokens_revoked" and not get_path(incoming.body, "event", "tokens", "bot"):
        return NOTHING  # only user tokens were revoked: the bot keeps working
    key = f"{event_id}:purge" if event_id else None
    workspace = incoming.workspace
    authorization = get_path(incoming.body, "authorizations")
    first = authorization[0] if isinstance(authorization, list) and authorization else {}
    if incoming.body.get("is_enterprise_install") is True or (
        isinstance(first, dict) and first.get("is_enterprise_install") is True
    ):
        workspace = Workspace(workspace.enterprise_id, None)  # the whole organisation's install
    return Outcome(jobs=(work.purge(workspace, dedupe_key=key),))


def listeners(service: GlossaryService) -> dict[str, Listener]:
    return {
        "message": message(service),
        "app_mention": app_mention(service),
        "app_home_opened": app_home_opened(service),
        "app_uninstalled": uninstalled,
        "tokens_revoked": uninstalled,
    }
