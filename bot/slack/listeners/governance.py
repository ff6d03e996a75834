"""``/define suggest``, ``/define settings``, the settings modal and App Home's opt-out toggle:
pure listeners.

``/define`` routes here first (``command``): ``suggest [term]`` opens the suggestion modal,
``settings`` the channel's settings (a task reads them from the store, then opens the modal).
Settings are a channel's, so in a DM the command says so instead. The modal's numbers are
checked here and shown in the modal when wrong; a good form becomes one durable job that saves
it and announces the change in the channel.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from bot import channel_settings
from bot.service import GlossaryService
from bot.slack import governance_work as gw
from bot.slack.channels import is_direct
from bot.slack.dispatch import Listener
from bot.slack.home_state import HomeState, metadata_of
from bot.slack.listeners import suggest
from bot.slack.listeners.clicks import first_action, metadata, user_of, view_of
from bot.slack.parse import get_path, string
from bot.slack.render import settings as render
from bot.slack.render.maintainers import OPT_OUT_ACTION, OPT_OUT_VALUE
from bot.slack.work import NOTHING, Incoming, Outcome

CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,20}$")
NOT_IN_A_CHANNEL = (
    "Settings belong to a channel: run `/define settings` in the channel you want to change. "
    "To stop me explaining terms in your own messages, use the toggle in my App Home."
)


def command(service: GlossaryService, incoming: Incoming, text: str) -> Outcome | None:
    """``/define suggest …`` and ``/define settings``; None for every other ``/define``."""
    head, rest = [*text.split(maxsplit=1), "", ""][:2]  # "suggest\tX" is "suggest X" too
    head = head.lower()
    if head == "suggest":
        return suggest.open_modal(service, incoming, rest)
    if head != "settings":
        return None
    body = incoming.body
    channel = string(body, "channel_id", limit=64)
    if is_direct(channel) or string(body, "channel_name", limit=80).startswith("mpdm-"):
        return Outcome({"response_type": "ephemeral", "text": NOT_IN_A_CHANNEL})
    trigger = string(body, "trigger_id", limit=255)
    if not CHANNEL_RE.match(channel) or not trigger:
        return Outcome({"response_type": "ephemeral", "text": NOT_IN_A_CHANNEL})
    user = string(body, "user_id", limit=64)
    url = string(body, "response_url", limit=2000)
    return Outcome(tasks=(gw.settings_form(incoming.workspace, channel, user, trigger, url),))


def settings_submitted(service: GlossaryService) -> Listener:
    """The settings modal's Save: wrong numbers go back into the modal; a good form is saved
    and announced by a job."""

    def on_submit(incoming: Incoming) -> Outcome:
        view = view_of(incoming)
        channel = str(metadata(view).get("channel", ""))
        view_id = string(view, "id", limit=64)
        if not CHANNEL_RE.match(channel) or not view_id:
            return Outcome(
                {
                    "response_action": "errors",
                    "errors": {
                        render.BLOCKS["explain"]: (
                            "This form lost its channel. Please run /define settings again."
                        )
                    },
                }
            )
        form = channel_settings.parse_form(form_values(view))
        if isinstance(form, dict):
            shown = {render.BLOCKS[name]: text for name, text in form.items()}
            return Outcome({"response_action": "errors", "errors": shown})
        job = gw.settings(incoming.workspace, channel, user_of(incoming), asdict(form), view_id)
        return Outcome(jobs=(job,))

    return on_submit


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """The settings modal's values as text, by field name ("" for an empty one)."""
    values = get_path(view, "state", "values")
    found: dict[str, str] = {}
    for name, block in render.BLOCKS.items():
        element = get_path(values, block, render.VALUE)
        if not isinstance(element, dict):
            continue
        chosen = element.get("selected_option")
        if isinstance(chosen, dict):
            found[name] = str(chosen.get("value", ""))
        elif isinstance(element.get("selected_options"), list):
            ticked = [o for o in element["selected_options"] if isinstance(o, dict)]
            found[name] = render.ON if ticked else ""
        elif isinstance(element.get("value"), str):
            found[name] = element["value"][:50]
    return found


def opt_out_toggled(service: GlossaryService) -> Listener:
    """ "Don't explain terms in my messages" in App Home: stored by a job, which then
    re-publishes the Home tab as it was (its browsing state)."""

    def on_toggle(incoming: Incoming) -> Outcome:
        user = user_of(incoming)
        if not user:  # nobody to remember it for, nor a Home tab to publish
            return NOTHING
        action = first_action(incoming)
        ticked = action.get("selected_options")
        opted_out = isinstance(ticked, list) and any(
            isinstance(o, dict) and o.get("value") == OPT_OUT_VALUE for o in ticked
        )
        state = HomeState.load(metadata_of(incoming.body))
        home = {"mode": state.mode, "value": state.value, "page": state.page}
        return Outcome(jobs=(gw.opt_out(incoming.workspace, user, opted_out, home),))

    return on_toggle


def actions(service: GlossaryService) -> dict[re.Pattern[str] | str, Listener]:
    return {OPT_OUT_ACTION: opt_out_toggled(service)}


def views(service: GlossaryService) -> dict[str, Listener]:
    return {render.SETTINGS_CALLBACK: settings_submitted(service)}
