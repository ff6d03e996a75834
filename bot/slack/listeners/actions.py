"""Buttons, the Home tab's controls and the term modal.

Where a click came from decides where the answer goes: a private card is replaced in place
(navigation), a public message gets a private reply, the Home tab is re-published, a modal is
updated (never stacked, so related-term browsing can go on without hitting Slack's 3-modal
limit).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack.parse import get_path
from bot.slack.render import cards
from bot.slack.render import home as home_render
from bot.slack.render.home import HomeState
from bot.slack.send import Sender

logger = logging.getLogger(__name__)
TOP_TERMS = 5


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    first = actions[0]
    return first if isinstance(first, dict) else {}


def _value(body: dict[str, Any]) -> str:
    return str(_action(body).get("value") or "")[:300]


def next_home_state(body: dict[str, Any]) -> HomeState:
    """The Home tab state a click leads to, from the current view's metadata and the click."""
    current = HomeState.load(get_path(body, "view", "private_metadata"))
    action = _action(body)
    action_id = str(action.get("action_id", ""))
    value = str(action.get("value") or "")[: home_render.MAX_QUERY]
    if action_id == home_render.SEARCH_ACTION:
        return HomeState("search", value.strip()) if value.strip() else HomeState()
    if action_id.startswith(home_render.CATEGORY_ACTION):
        return HomeState("category", value)
    if action_id.startswith(home_render.LETTER_ACTION):
        return HomeState("letter", value[:1])
    if action_id.startswith(home_render.PAGE_ACTION) and value.isdigit():
        return HomeState(current.mode, current.value, int(value))
    return current


def make_handlers(service: GlossaryService, sender: Sender) -> dict[Any, Callable[..., None]]:
    glossary = service.glossary

    def define_term(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        term = glossary.get(_value(body))
        if term is None:
            respond(text="That term is no longer in the glossary.", replace_original=False)
            return
        message = cards.term_message(glossary, term)
        private = bool(get_path(body, "container", "is_ephemeral"))
        respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=private,
        )

    def share_term(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        term = glossary.get(_value(body))
        user = str(get_path(body, "user", "id") or "")
        if term is None:
            respond(text="That term is no longer in the glossary.", replace_original=False)
            return
        message = cards.shared_message(glossary, term, user)
        respond(
            text=message.text,
            blocks=message.blocks,
            response_type="in_channel",
            replace_original=False,
        )
        respond(text=f"Shared “{term.title}” with the channel.", replace_original=True)

    def home_navigate(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = str(get_path(body, "user", "id") or "")
        view = home_render.home_view(glossary, next_home_state(body), service.top_terms(TOP_TERMS))
        sender.call(client.views_publish, "home", user_id=user, view=view)

    def open_term(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        term = glossary.get(_value(body))
        if term is not None:
            view = home_render.term_modal(glossary, term)
            sender.call(client.views_open, "modal", trigger_id=body.get("trigger_id"), view=view)

    def modal_term(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        term = glossary.get(_value(body))
        view_id = get_path(body, "view", "id")
        if term is not None and view_id:
            view = home_render.term_modal(glossary, term)
            sender.call(client.views_update, "modal", view_id=view_id, view=view)

    def share_from_modal(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        try:
            name = json.loads(view.get("private_metadata") or "{}").get("term", "")
        except ValueError:
            name = ""
        term = glossary.get(str(name))
        values = get_path(
            view, "state", "values", home_render.SHARE_BLOCK, home_render.SHARE_ELEMENT
        )
        channel = get_path(values, "selected_conversation")
        if term is None or not channel:
            reason = (
                "That term is no longer in the glossary." if term is None else "Pick a channel."
            )
            ack(response_action="errors", errors={home_render.SHARE_BLOCK: reason})
            return
        user = str(get_path(body, "user", "id") or "")
        message = cards.shared_message(glossary, term, user)
        if sender.post(client, str(channel), message):
            ack()
            return
        error = "I couldn't post there. Invite me to that channel (/invite @glossary) and retry."
        ack(response_action="errors", errors={home_render.SHARE_BLOCK: error})

    return {
        re.compile(f"^{cards.DEFINE_ACTION}_"): define_term,
        cards.SHARE_ACTION: share_term,
        re.compile(
            f"^({home_render.SEARCH_ACTION}|{home_render.CATEGORY_ACTION}_|"
            f"{home_render.LETTER_ACTION}_|{home_render.PAGE_ACTION}_)"
        ): home_navigate,
        re.compile(f"^{home_render.OPEN_ACTION}_"): open_term,
        re.compile(f"^{home_render.MODAL_ACTION}_"): modal_term,
        ("view", home_render.MODAL_CALLBACK): share_from_modal,
    }


def ignore_action(ack: Ack, body: dict[str, Any]) -> None:
    """Ack clicks on controls from older versions of a message, so Slack shows no error."""
    ack()
    logger.debug("ignored action %s", _action(body).get("action_id"))


def register(app: App, service: GlossaryService, sender: Sender) -> None:
    for key, handler in make_handlers(service, sender).items():
        if isinstance(key, tuple):
            app.view(key[1])(handler)
        else:
            app.action(key)(handler)
    app.action(re.compile(".*"))(ignore_action)
