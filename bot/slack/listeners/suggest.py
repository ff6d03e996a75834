"""Suggesting a term, and reviewing suggestions: pure listeners.

Anyone opens the *Suggest a term* modal (``/define suggest [term]``, the button on a miss or
"did you mean" answer, App Home); the submission is checked here, so a problem is shown in the
modal itself (``response_action: errors``), and a valid one becomes one durable job per modal.
The review buttons only become jobs: whether the clicker is a maintainer is decided when the
job runs (``bot.slack.governance_perform``), as it may take a Slack call.
"""

from __future__ import annotations

import re
from typing import Any

from bot.service import GlossaryService
from bot.slack import governance_work as gw
from bot.slack import work
from bot.slack.dispatch import Listener
from bot.slack.listeners.clicks import (
    channel_of,
    click_window,
    first_action,
    metadata,
    user_of,
    view_of,
)
from bot.slack.parse import get_path, string
from bot.slack.render import suggest as render
from bot.slack.render.answers import SUGGEST_ACTION
from bot.slack.work import NOTHING, Incoming, Outcome
from bot.store.base import NewSuggestion
from bot.suggestions import clean

DECISIONS = {render.APPROVE_ACTION: "approved", render.REJECT_ACTION: "rejected"}
NO_VIEW = "Slack sent this form without its id. Please send it again."
LOST = "This form lost its suggestion. Please click Edit on the suggestion again."
CLICK_WINDOW_S = 10
"""Clicks by one person on one decision this close together are one click."""


def open_modal(service: GlossaryService, incoming: Incoming, term: str) -> Outcome:
    """Open the *Suggest a term* modal, prefilled with ``term`` (a task: the trigger dies
    in 3 s)."""
    trigger = string(incoming.body, "trigger_id", limit=255)
    if not trigger:
        return NOTHING
    draft = NewSuggestion(term=clean(term)[:200], definition="", category="")  # one line
    view = render.suggestion_modal(draft, service.governance.categories())
    return Outcome(
        tasks=(work.view(incoming.workspace, "views.open", trigger_id=trigger, view=view),)
    )


def suggest_button(service: GlossaryService) -> Listener:
    """*Suggest a term* on an answer (value: the query) or in App Home (value: "home")."""

    def on_suggest(incoming: Incoming) -> Outcome:
        action = first_action(incoming)
        home = string(action, "action_id", limit=255) == render.HOME_SUGGEST_ACTION
        return open_modal(service, incoming, "" if home else string(action, "value", limit=200))

    return on_suggest


def submitted(service: GlossaryService) -> Listener:
    """The modal's Send: problems go back into the modal; a good suggestion becomes a job."""

    def on_submit(incoming: Incoming) -> Outcome:
        view = view_of(incoming)
        user = user_of(incoming)
        draft = draft_from(view, user)
        errors = service.governance.problems(draft)
        if errors:
            return Outcome(_errors(errors))
        view_id = string(view, "id", limit=64)
        if not view_id:
            return Outcome(_errors({"term": NO_VIEW}))
        return Outcome(jobs=(gw.suggest(incoming.workspace, draft, view_id),))

    return on_submit


def review_button(service: GlossaryService) -> Listener:
    """Approve / Reject on a review post: a job that checks the clicker, then decides."""

    def on_review(incoming: Incoming) -> Outcome:
        action = first_action(incoming)
        status = DECISIONS.get(string(action, "action_id", limit=255))
        suggestion_id = _id(string(action, "value", limit=20))
        if status is None or suggestion_id is None:
            return NOTHING
        user = user_of(incoming)
        window = click_window(action, CLICK_WINDOW_S)
        job = gw.decide(
            incoming.workspace, suggestion_id, status, user, channel_of(incoming), window
        )
        return Outcome(jobs=(job,))

    return on_review


def edit_button(service: GlossaryService) -> Listener:
    """Edit on a review post: the prefilled modal, for a maintainer (checked by the task)."""

    def on_edit(incoming: Incoming) -> Outcome:
        suggestion_id = _id(string(first_action(incoming), "value", limit=20))
        trigger = string(incoming.body, "trigger_id", limit=255)
        if suggestion_id is None or not trigger:
            return NOTHING
        user = user_of(incoming)
        task = gw.edit_form(incoming.workspace, suggestion_id, user, channel_of(incoming), trigger)
        return Outcome(tasks=(task,))

    return on_edit


def edited(service: GlossaryService) -> Listener:
    """The edit modal's Save: checked like a new suggestion, except it may keep its name."""

    def on_edited(incoming: Incoming) -> Outcome:
        view = view_of(incoming)
        suggestion_id = _id(str(metadata(view).get("id", "")))
        if suggestion_id is None:  # not what the bot wrote: say so rather than close silently
            return Outcome(_errors({"term": LOST}))
        user = user_of(incoming)
        draft = draft_from(view, "")
        known = str(metadata(view).get("term", ""))
        errors = service.governance.problems(draft, known=known)
        if errors:
            return Outcome(_errors(errors))
        view_id = string(view, "id", limit=64)
        if not view_id:
            return Outcome(_errors({"term": NO_VIEW}))
        return Outcome(jobs=(gw.edit(incoming.workspace, suggestion_id, draft, user, view_id),))

    return on_edited


def draft_from(view: dict[str, Any], suggester: str) -> NewSuggestion:
    """The suggestion typed into the modal (a field left empty is "")."""
    values = get_path(view, "state", "values")

    def field(name: str) -> str:
        element = get_path(values, render.FIELD_BLOCKS[name], render.VALUE)
        if not isinstance(element, dict):
            return ""
        chosen = element.get("selected_option")
        value = chosen.get("value") if isinstance(chosen, dict) else element.get("value")
        return value[:5000] if isinstance(value, str) else ""

    typed = {name: field(name) for name in gw.DRAFT_FIELDS if name != "suggester"}
    return NewSuggestion(**typed, suggester=suggester)


def _id(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) < 19 else None


def _errors(errors: dict[str, str]) -> dict[str, Any]:
    shown = {render.FIELD_BLOCKS[name]: text for name, text in errors.items()}
    return {"response_action": "errors", "errors": shown}


def actions(service: GlossaryService) -> dict[re.Pattern[str] | str, Listener]:
    """Block action listeners by action_id."""
    review = review_button(service)
    suggest = suggest_button(service)
    return {
        SUGGEST_ACTION: suggest,
        render.HOME_SUGGEST_ACTION: suggest,
        render.APPROVE_ACTION: review,
        render.REJECT_ACTION: review,
        render.EDIT_ACTION: edit_button(service),
    }


def views(service: GlossaryService) -> dict[str, Listener]:
    """view_submission listeners by callback_id."""
    return {render.SUGGEST_CALLBACK: submitted(service), render.EDIT_CALLBACK: edited(service)}
