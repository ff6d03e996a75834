"""Suggestions, reviews, ``/define settings`` and the opt-out toggle, called as pure listeners.

Pinned down: every way in to *Suggest a term* opens the modal with the click's trigger as a
task; a submission's problems go back into the modal by block, a good one is one durable job
keyed by the modal; review buttons become one decide job per person and click window (the
maintainer check happens when it runs); ``/define settings`` refuses DMs with a sentence and
opens a task elsewhere; the settings modal's numbers are checked in the modal; the opt-out
toggle is a job that remembers the Home tab's state.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.service import GlossaryService
from bot.slack.listeners import actions, commands
from bot.slack.render.suggest import suggestion_modal
from bot.slack.work import NOTHING, Outcome
from bot.store.base import NewJob, NewSuggestion
from tests.standin import requests
from tests.standin.ids import CHANNEL_ID, USER_ID

from .clicks import click
from .conftest import WORKSPACE, call

CATEGORIES = (
    "Joint activities",
    "Partner types",
    "Pricing models",
    "Programs and management",
    "Relationships and ecosystems",
    "Roles and stakeholders",
    "Sales and leads",
    "Strategy and governance",
    "Tools and platforms",
)


def opened(term: str, trigger: str) -> Outcome:
    view = suggestion_modal(NewSuggestion(term, "", ""), CATEGORIES)
    args = {"trigger_id": trigger, "view": view}
    return Outcome(tasks=(NewJob("view", {"method": "views.open", "args": args}, None, WORKSPACE),))


def submission(callback: str, values: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return requests.view_submission(callback, values, view_id="V0SUGGEST", **kw)


def typed(**fields: str) -> dict[str, Any]:
    """The suggestion modal's state: text inputs, and the category as a static_select."""
    blocks = {"term": "s_term", "acronym": "s_acronym", "definition": "s_definition"}
    blocks |= {"why": "s_why"}
    values: dict[str, Any] = {
        blocks[name]: {"value": {"type": "plain_text_input", "value": text}}
        for name, text in fields.items()
        if name != "category"
    }
    if "category" in fields:
        option = {
            "text": {"type": "plain_text", "text": fields["category"]},
            "value": fields["category"],
        }
        values["s_category"] = {"value": {"type": "static_select", "selected_option": option}}
    return values


def view_listener(service: GlossaryService, callback: str) -> Any:
    return actions.views(service)[callback]


# --- opening the modal ------------------------------------------------------------------------
def test_define_suggest_opens_the_modal_prefilled(service: GlossaryService) -> None:
    body = requests.slash_command("suggest  Zorb deal ", trigger_id="1.2.abc")
    assert call(commands.define(service), body) == opened("Zorb deal", "1.2.abc")


def test_define_suggest_prefills_one_line_of_what_was_typed(service: GlossaryService) -> None:
    """Slack sends the typed ``& < >`` escaped, and a line break or a tab may come along."""
    body = requests.slash_command("suggest\tR&amp;D\n\tdesk &lt;b&gt;", trigger_id="1.2.x")
    assert call(commands.define(service), body) == opened("R&D desk <b>", "1.2.x")


def test_the_suggest_button_on_an_answer_prefills_the_query(service: GlossaryService) -> None:
    body = requests.block_actions_message("suggest_term", "zorbs", trigger_id="1.2.def")
    assert click(service, body) == opened("zorbs", "1.2.def")


def test_the_home_suggest_button_opens_an_empty_modal(service: GlossaryService) -> None:
    body = requests.block_actions_home("home_suggest", "home", trigger_id="1.2.ghi")
    assert click(service, body) == opened("", "1.2.ghi")


def test_the_modal_lists_the_categories_and_prefills_the_term() -> None:
    view = suggestion_modal(NewSuggestion("Zorb", "", "Pricing models"), CATEGORIES)
    term, acronym, definition, category, why = view["blocks"]
    assert term["element"]["initial_value"] == "Zorb"
    assert [o["value"] for o in category["element"]["options"]] == list(CATEGORIES)
    assert category["element"]["initial_option"]["value"] == "Pricing models"
    assert (acronym.get("optional"), definition.get("optional"), why.get("optional")) == (
        True,
        False,
        True,
    )
    assert (view["callback_id"], view["private_metadata"]) == ("suggest_term", "{}")


# --- submitting ---------------------------------------------------------------------------------
def test_a_good_suggestion_becomes_one_job(service: GlossaryService) -> None:
    values = typed(term=" Zorb ", definition="A zorb.", category="Sales and leads", acronym="")
    outcome = call(view_listener(service, "suggest_term"), submission("suggest_term", values))
    draft = {
        "term": " Zorb ",
        "acronym": "",
        "definition": "A zorb.",
        "category": "Sales and leads",
        "why": "",
        "suggester": USER_ID,
    }
    payload = {"suggestion": draft, "key": "V0SUGGEST"}
    assert outcome == Outcome(jobs=(NewJob("suggest", payload, "suggest:V0SUGGEST", WORKSPACE),))


def test_problems_are_shown_in_the_modal(service: GlossaryService) -> None:
    values = typed(term="EQL", definition="", acronym="eql")
    outcome = call(view_listener(service, "suggest_term"), submission("suggest_term", values))
    assert outcome == Outcome(
        {
            "response_action": "errors",
            "errors": {
                "s_term": "“Ecosystem Qualified Lead” is already in the glossary. Try /define EQL.",
                "s_acronym": "One word in capitals, digits or &, like EQL or B2B.",
                "s_definition": "Write a definition: a sentence or two is enough.",
                "s_category": "Pick a category.",
            },
        }
    )


def test_a_maintainers_edit_becomes_one_job(service: GlossaryService) -> None:
    values = typed(term="Zorb", definition="Better.", category="Sales and leads")
    body = submission("suggest_edit", values, private_metadata=json.dumps({"id": 7, "term": "Z"}))
    outcome = call(view_listener(service, "suggest_edit"), body)
    draft = {
        "term": "Zorb",
        "acronym": "",
        "definition": "Better.",
        "category": "Sales and leads",
        "why": "",
        "suggester": "",
    }
    payload = {"id": 7, "suggestion": draft, "user": USER_ID}
    job = NewJob("suggestion_edit", payload, "suggestion-edit:V0SUGGEST", WORKSPACE)
    assert outcome == Outcome(jobs=(job,))


# --- review buttons ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action_id", "status"), [("suggestion_approve", "approved"), ("suggestion_reject", "rejected")]
)
def test_a_review_button_is_a_job_per_person_and_click_window(
    service: GlossaryService, action_id: str, status: str
) -> None:
    action = requests.action(action_id, "7") | {"action_ts": "1700000005.5"}
    body = requests.block_actions_message(actions=[action], channel="C0REVIEW")
    payload = {"id": 7, "status": status, "user": USER_ID, "channel": "C0REVIEW"}
    key = f"decide:7:{status}:{USER_ID}:170000000"
    assert click(service, body) == Outcome(
        jobs=(NewJob("suggestion_decide", payload, key, WORKSPACE),)
    )


def test_edit_opens_the_form_as_a_task(service: GlossaryService) -> None:
    body = requests.block_actions_message(
        "suggestion_edit", "7", channel="C0REVIEW", trigger_id="1.2.jkl"
    )
    payload = {"id": 7, "user": USER_ID, "channel": "C0REVIEW", "trigger_id": "1.2.jkl"}
    assert click(service, body) == Outcome(
        tasks=(NewJob("suggestion_edit_form", payload, None, WORKSPACE),)
    )


@pytest.mark.parametrize("value", ["", "seven", "-1", "9" * 30])
def test_a_review_button_without_a_suggestion_id_does_nothing(
    service: GlossaryService, value: str
) -> None:
    body = requests.block_actions_message("suggestion_approve", value)
    assert click(service, body) == NOTHING


# --- /define settings ---------------------------------------------------------------------------
def test_settings_in_a_dm_say_where_to_run_it(service: GlossaryService) -> None:
    body = requests.slash_command("settings", channel="D0DM", channel_name="directmessage")
    outcome = call(commands.define(service), body)
    assert outcome == Outcome(
        {
            "response_type": "ephemeral",
            "text": "Settings belong to a channel: run `/define settings` in the channel you "
            "want to change. To stop me explaining terms in your own messages, use the toggle "
            "in my App Home.",
        }
    )


def test_settings_in_a_channel_open_the_form_as_a_task(service: GlossaryService) -> None:
    body = requests.slash_command(
        "Settings", trigger_id="1.2.mno", response_url="https://hooks.slack.com/commands/1"
    )
    payload = {
        "channel": CHANNEL_ID,
        "user": USER_ID,
        "trigger_id": "1.2.mno",
        "response_url": "https://hooks.slack.com/commands/1",
    }
    outcome = call(commands.define(service), body)
    assert outcome == Outcome(tasks=(NewJob("settings_form", payload, None, WORKSPACE),))


def settings_values(**fields: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "c_explain": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": fields.pop("explain", "on")},
            }
        },
        "c_partner_view": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "on"}] if fields.pop("partner", "") else [],
            }
        },
    }
    for name, text in fields.items():
        values[f"c_{name}"] = {"value": {"type": "number_input", "value": text}}
    return values


def test_settings_are_saved_by_a_job(service: GlossaryService) -> None:
    values = settings_values(explain="off", pause_days="3", cooldown_hours="", partner="y")
    metadata = json.dumps({"channel": "C0SET"})
    body = submission("channel_settings", values, private_metadata=metadata)
    form = {
        "explain": False,
        "pause_days": 3,
        "cooldown_hours": None,
        "max_terms": None,
        "partner_view": True,
    }
    payload = {"channel": "C0SET", "user": USER_ID, "form": form, "key": "V0SUGGEST"}
    outcome = call(view_listener(service, "channel_settings"), body)
    assert outcome == Outcome(
        jobs=(NewJob("settings_save", payload, "settings:V0SUGGEST", WORKSPACE),)
    )


def test_bad_numbers_are_shown_in_the_settings_modal(service: GlossaryService) -> None:
    values = settings_values(pause_days="-2", max_terms="11")
    body = submission("channel_settings", values, private_metadata='{"channel": "C0SET"}')
    outcome = call(view_listener(service, "channel_settings"), body)
    errors = {
        "c_pause_days": "Enter a whole number from 0 to 365.",
        "c_max_terms": "Enter a whole number from 1 to 10.",
    }
    assert outcome == Outcome({"response_action": "errors", "errors": errors})


# --- the opt-out toggle -------------------------------------------------------------------------
@pytest.mark.parametrize(("selected", "opted_out"), [([{"value": "opt_out"}], True), ([], False)])
def test_the_opt_out_toggle_is_a_job(
    service: GlossaryService, selected: list[dict[str, str]], opted_out: bool
) -> None:
    toggle = {"type": "checkboxes", "action_id": "home_opt_out", "selected_options": selected}
    state = json.dumps({"mode": "letter", "value": "P", "page": 1})
    body = requests.block_actions_home(actions=[toggle], private_metadata=state)
    home = {"mode": "letter", "value": "P", "page": 1}
    payload = {"user": USER_ID, "opted_out": opted_out, "home": home}
    assert click(service, body) == Outcome(jobs=(NewJob("opt_out", payload, None, WORKSPACE),))


def test_an_opt_out_toggle_without_a_user_is_ignored(service: GlossaryService) -> None:
    toggle = {"type": "checkboxes", "action_id": "home_opt_out", "selected_options": []}
    body = requests.block_actions_home(actions=[toggle], user="")
    assert click(service, body) == NOTHING
