"""The governance work listeners decide on, as ``NewJob`` values (see ``bot.slack.work``).

Durable jobs for what must survive a crash once Slack heard "200": a suggestion, a decision,
an edit, a channel's settings, a person's opt-out. Tasks for what is worthless later: opening a
modal (its ``trigger_id`` dies after 3 s). ``bot.slack.governance_perform`` does the work; a
job's dedupe key makes a double click or a replayed request one job.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.store.base import NewJob, NewSuggestion, Workspace

SUGGEST = "suggest"
DECIDE = "suggestion_decide"
REVIEW_UPDATE = "suggestion_review_update"
EDIT_FORM = "suggestion_edit_form"
EDIT = "suggestion_edit"
SETTINGS_FORM = "settings_form"
SETTINGS = "settings_save"
OPT_OUT = "opt_out"


DRAFT_FIELDS = tuple(f.name for f in dataclasses.fields(NewSuggestion))
"""Every field of a suggestion, all text (what a job payload carries)."""


def draft_payload(draft: NewSuggestion) -> dict[str, str]:
    return dataclasses.asdict(draft)


def draft_of(payload: object) -> NewSuggestion:
    """The suggestion a job carries (lenient: a missing field is empty, not a crash)."""
    data = payload if isinstance(payload, dict) else {}

    def field(name: str) -> str:
        value = data.get(name, "")
        return value if isinstance(value, str) else ""

    return NewSuggestion(**{name: field(name) for name in DRAFT_FIELDS})


def suggest(workspace: Workspace, draft: NewSuggestion, view_id: str) -> NewJob:
    """Store the suggestion, post it for review, thank the suggester; once per modal."""
    payload = {"suggestion": draft_payload(draft), "key": view_id}
    return NewJob(SUGGEST, payload, f"suggest:{view_id}", workspace)


def decide(
    workspace: Workspace, suggestion_id: int, status: str, user: str, channel: str, window: str
) -> NewJob:
    """Approve or reject, if ``user`` is a maintainer; one job per person and click window."""
    payload = {"id": suggestion_id, "status": status, "user": user, "channel": channel}
    key = f"decide:{suggestion_id}:{status}:{user}:{window}"
    return NewJob(DECIDE, payload, key, workspace)


def review_update(workspace: Workspace, suggestion_id: int) -> NewJob:
    """Show the suggestion's current state in its review post."""
    key = f"review-update:{suggestion_id}:decided"
    return NewJob(REVIEW_UPDATE, {"id": suggestion_id}, key, workspace)


def edit_form(
    workspace: Workspace, suggestion_id: int, user: str, channel: str, trigger_id: str
) -> NewJob:
    """Open the edit modal for a maintainer (a task: the trigger lives 3 s)."""
    payload = {"id": suggestion_id, "user": user, "channel": channel, "trigger_id": trigger_id}
    return NewJob(EDIT_FORM, payload, workspace=workspace)


def edit(
    workspace: Workspace, suggestion_id: int, draft: NewSuggestion, user: str, view_id: str
) -> NewJob:
    payload = {"id": suggestion_id, "suggestion": draft_payload(draft), "user": user}
    return NewJob(EDIT, payload, f"suggestion-edit:{view_id}", workspace)


def settings_form(
    workspace: Workspace, channel: str, user: str, trigger_id: str, response_url: str
) -> NewJob:
    """Open ``/define settings`` prefilled from the store (a task)."""
    payload = {
        "channel": channel,
        "user": user,
        "trigger_id": trigger_id,
        "response_url": response_url,
    }
    return NewJob(SETTINGS_FORM, payload, workspace=workspace)


def settings(
    workspace: Workspace, channel: str, user: str, form: dict[str, Any], view_id: str
) -> NewJob:
    """Save a channel's settings and announce the change; ``form`` is a ``SettingsForm``'s
    fields."""
    payload = {"channel": channel, "user": user, "form": form, "key": view_id}
    return NewJob(SETTINGS, payload, f"settings:{view_id}", workspace)


def opt_out(workspace: Workspace, user: str, opted_out: bool, home: dict[str, Any]) -> NewJob:
    """Record the Home toggle, then re-publish the Home tab in ``home``'s browsing state."""
    payload = {"user": user, "opted_out": opted_out, "home": home}
    return NewJob(OPT_OUT, payload, workspace=workspace)
