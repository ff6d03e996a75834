"""Buttons, the Home tab's controls and the term modal.

Where a click came from decides where the answer goes: a private card is replaced in place
(navigation), a public message gets a private reply, the Home tab is re-published, a modal is
updated (never stacked, so related-term browsing can go on without hitting Slack's 3-modal
limit). Every Slack call happens after the ack, so a slow or rate-limited Web API never makes
Slack show the user an error. Shares are durable jobs, deduplicated per click target, and a
share Slack refuses is reported to the user as it is, never as "Shared". Governance clicks
and modals (suggestions, reviews, settings, the opt-out toggle) have modules of their own,
registered here with the rest.
"""

from __future__ import annotations

import re

from bot.replies import View
from bot.service import GlossaryService
from bot.slack import partner, work
from bot.slack.channels import is_direct
from bot.slack.dispatch import Listener
from bot.slack.home_state import (
    HOME_ACTIONS,
    OPEN_ACTION,
    HomeState,
    metadata_of,
    next_state,
)
from bot.slack.listeners import governance, suggest
from bot.slack.listeners.clicks import (
    channel_of,
    click_window,
    first_action,
    metadata,
    user_of,
    view_of,
)
from bot.slack.parse import get_path, string
from bot.slack.render.cards import (
    DEFINE_ACTION,
    SHARE_ACTION,
    Message,
    shared_message,
    term_message,
)
from bot.slack.render.home import (
    MODAL_ACTION,
    MODAL_CALLBACK,
    SHARE_BLOCK,
    SHARE_ELEMENT,
    term_modal,
)
from bot.slack.render.text import escape
from bot.slack.work import NOTHING, Incoming, Outcome

GONE = "That term is no longer in the glossary."
NO_PARTNER_ENTRY = "That term has no partner-facing glossary entry."
SHARE_FAILED = "I couldn't share “{title}”: Slack said `{error}`. {advice}"
"""``{error}`` and ``{advice}`` are filled in when Slack's refusal is known (bot.slack.perform)."""


def _value(incoming: Incoming) -> str:
    return string(first_action(incoming), "value", limit=300)


def define_term(service: GlossaryService) -> Listener:
    """A term button on a card: show that term's card, replacing a private card in place.

    Anyone in a channel may click a button of a public answer (a partner too, in a shared
    channel), and a private card there may be a partner one: outside a DM the reply carries
    its partner version, sent when the channel turns out to be read by partners."""

    def on_define(incoming: Incoming) -> Outcome:
        url = string(incoming.body, "response_url", limit=2000)
        if not url:
            return NOTHING
        name = _value(incoming)
        card = service.card(name)
        private = get_path(incoming.body, "container", "is_ephemeral") is True
        message = term_message(card) if card else Message(GONE)
        task = work.respond(
            incoming.workspace, url, message, replace_original=private and card is not None
        )
        channel = channel_of(incoming)
        if card is None or is_direct(channel):
            return Outcome(tasks=(task,))
        shown = service.card(name, View.PARTNER)
        if shown is None:  # an internal term: not even its card where partners read
            hidden = partner.respond_variant(task, channel, Message(NO_PARTNER_ENTRY), private=True)
            return Outcome(tasks=(hidden,))
        return Outcome(tasks=(partner.respond_variant(task, channel, term_message(shown)),))

    return on_define


def share_term(service: GlossaryService) -> Listener:
    """ "Share in channel" on a private card: the card for everyone, once per click target."""

    def on_share(incoming: Incoming) -> Outcome:
        body = incoming.body
        url = string(body, "response_url", limit=2000)
        card = service.card(_value(incoming))
        if not url:
            return NOTHING
        if card is None:
            return Outcome(tasks=(work.respond(incoming.workspace, url, Message(GONE)),))
        user = user_of(incoming)
        channel = string(body, "channel", "id", limit=64) or string(
            body, "container", "channel_id", limit=64
        )
        source = string(body, "container", "message_ts", limit=64)
        title = escape(card.term.title)
        # One share per card per click window: a double click or a replayed request shares
        # once, yet a share Slack refused ("invite me and try again") can be tried again.
        window = click_window(first_action(incoming), SHARE_WINDOW_S)
        job = work.respond(
            incoming.workspace,
            url,
            shared_message(card, user),
            response_type="in_channel",
            then={"text": f"Shared “{title}” with the channel.", "replace_original": True},
            on_failure={
                "channel": channel,
                "user": user,
                "text": SHARE_FAILED.replace("{title}", title),
            },
            dedupe_key=f"share:{user}:{channel}:{source}:{card.term.term}:{window}",
        )
        job = partner.share(service, job, card.term.term, user, channel)  # what partners see
        return Outcome(jobs=(job,))

    return on_share


def home_navigate(service: GlossaryService) -> Listener:
    """Search, category, letter and page controls: re-publish the Home tab."""

    def on_navigate(incoming: Incoming) -> Outcome:
        user = user_of(incoming)
        action_id = string(first_action(incoming), "action_id", limit=255)
        state = next_state(HomeState.load(metadata_of(incoming.body)), action_id, _value(incoming))
        if state.mode == "category" and not service.has_category(state.value):
            state = HomeState()  # renamed or removed since the click
        task = work.home(incoming.workspace, user, state.mode, state.value, state.page)
        return Outcome(tasks=(task,))

    return on_navigate


def open_term(service: GlossaryService) -> Listener:
    """ "Open" on the Home tab: the term's modal."""

    def on_open(incoming: Incoming) -> Outcome:
        card = service.card(_value(incoming))
        trigger = string(incoming.body, "trigger_id", limit=255)
        if card is None or not trigger:
            return NOTHING
        task = work.view(
            incoming.workspace, "views.open", trigger_id=trigger, view=term_modal(card)
        )
        return Outcome(tasks=(task,))

    return on_open


def modal_term(service: GlossaryService) -> Listener:
    """A related-term button inside the modal: update the modal in place (no stacking)."""

    def on_modal_term(incoming: Incoming) -> Outcome:
        card = service.card(_value(incoming))
        view_id = string(incoming.body, "view", "id", limit=255)
        if card is None or not view_id:
            return NOTHING
        task = work.view(incoming.workspace, "views.update", view_id=view_id, view=term_modal(card))
        return Outcome(tasks=(task,))

    return on_modal_term


def share_from_modal(service: GlossaryService) -> Listener:
    """The modal's Share (view_submission): close at once, post durably, report a refusal."""

    def on_submit(incoming: Incoming) -> Outcome:
        view = view_of(incoming)
        term = metadata(view).get("term")
        card = service.card(term[:300] if isinstance(term, str) else "")
        channel = string(
            view, "state", "values", SHARE_BLOCK, SHARE_ELEMENT, "selected_conversation", limit=64
        )
        if card is None or not channel:
            reason = GONE if card is None else "Pick a channel."
            return Outcome({"response_action": "errors", "errors": {SHARE_BLOCK: reason}})
        user = user_of(incoming)
        view_id = string(view, "id", limit=64)
        failure = SHARE_FAILED.replace("{title}", escape(card.term.title))
        job = work.post(
            incoming.workspace,
            channel,
            shared_message(card, user),
            dedupe_key=f"share:{view_id}:{channel}:{card.term.term}" if view_id else None,
            tell_on_failure={"user": user, "text": failure},
        )
        job = partner.share(service, job, card.term.term, user, channel)  # what partners see
        return Outcome(jobs=(job,))

    return on_submit


SHARE_WINDOW_S = 10
"""Clicks on one Share button this close together are one click (a double click)."""


def listeners(service: GlossaryService) -> dict[re.Pattern[str] | str, Listener]:
    """Block action listeners by action_id (patterns for numbered ids)."""
    return {
        re.compile(f"^{DEFINE_ACTION}_"): define_term(service),
        SHARE_ACTION: share_term(service),
        HOME_ACTIONS: home_navigate(service),
        re.compile(f"^{OPEN_ACTION}_"): open_term(service),
        re.compile(f"^{MODAL_ACTION}_"): modal_term(service),
        **suggest.actions(service),
        **governance.actions(service),
    }


def views(service: GlossaryService) -> dict[str, Listener]:
    """view_submission listeners by callback_id."""
    return {
        MODAL_CALLBACK: share_from_modal(service),
        **suggest.views(service),
        **governance.views(service),
    }
