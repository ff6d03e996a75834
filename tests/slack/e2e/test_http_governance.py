"""Governance over HTTP: suggesting a term, reviewing it, channel settings and the opt-out.

A bot of its own (two gunicorn workers on one SQLite file) with GLOSSARY_MAINTAINERS naming a
user and a user group, and SUGGESTIONS_CHANNEL set. Which worker takes a click is up to the
kernel, so "approved once" can only hold because the store's decision is atomic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.slack.render.text import unescape
from bot.terms import load_glossary
from tests.standin import USER_ID, Call, FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import HttpBot, http_bot, new_channel, posts, wait_posts, wait_until

MAINTAINER, GROUP, MEMBER, REVIEW = "U0MAINT", "S0MAINT", "U0GROUP", "C0REVIEW"
REFUSAL = (
    "Only glossary maintainers can approve, edit or reject suggestions. Thanks for keeping an "
    "eye on them!"
)


@pytest.fixture(scope="module")
def governed(
    stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpBot]:
    workdir = tmp_path_factory.mktemp("governed-bot")
    stand_in.answers.groups[GROUP] = [MEMBER]  # a maintainer by user group
    maintainers = f"{MAINTAINER},{GROUP}"
    with http_bot(
        stand_in,
        workdir,
        JOB_LEASE_S="4",
        GLOSSARY_MAINTAINERS=maintainers,
        SUGGESTIONS_CHANNEL=REVIEW,
    ) as bot:
        yield bot


def values(term: str, definition: str, category: str, acronym: str = "") -> dict[str, Any]:
    text = {"s_term": term, "s_acronym": acronym, "s_definition": definition, "s_why": "We say it."}
    found: dict[str, Any] = {
        block: {"value": {"type": "plain_text_input", "value": value}}
        for block, value in text.items()
    }
    option = {"text": {"type": "plain_text", "text": category}, "value": category}
    found["s_category"] = {"value": {"type": "static_select", "selected_option": option}}
    return found


def suggest(bot: HttpBot, api: FakeSlackWebAPI, term: str, user: str) -> Call:
    """`/define suggest <term>`, then Send: returns the review post."""
    trigger = ids.trigger_id()
    response = bot.command(f"suggest {term}", user=user, trigger_id=trigger)
    assert (response.status, response.body) == (200, "")
    (opened,) = api.wait_for("views.open")
    assert opened.params["trigger_id"] == trigger
    view = opened.params["view"]
    assert view["blocks"][0]["element"]["initial_value"] == term
    submission = rq.view_submission(
        "suggest_term", values(term, "A zorb is a deal: R&D signs it.", "Sales and leads", "ZB"),
        view_id=ids.new_id("V"), user=user,
    )  # fmt: skip
    assert bot.interactive(submission).status == 200
    review = wait_posts(api, REVIEW)[-1]
    return review


def click(bot: HttpBot, action_id: str, value: str, user: str, **kw: Any) -> None:
    payload = rq.block_actions_message(action_id, value, user=user, channel=REVIEW, **kw)
    assert bot.interactive(payload).status == 200


def dms(api: FakeSlackWebAPI, user: str) -> list[str]:
    return [str(c.params["text"]) for c in posts(api, user)]


def test_the_full_suggestion_round_trip(
    governed: HttpBot, api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    suggester = ids.new_id("U")
    review = suggest(governed, api, "Zorb", suggester)
    suggestion_id = review.params["blocks"][-1]["elements"][0]["value"]
    assert [b["action_id"] for b in review.params["blocks"][-1]["elements"]] == [
        "suggestion_approve", "suggestion_edit", "suggestion_reject",
    ]  # fmt: skip
    wait_posts(api, suggester)
    assert dms(api, suggester)[0].startswith("Thanks for suggesting “Zorb”! I sent it")

    click(governed, "suggestion_approve", suggestion_id, MAINTAINER, message_ts=ids.next_ts())
    (update,) = api.wait_for("chat.update")
    assert update.params["blocks"][-1]["elements"][0]["text"] == f"✅ Approved by <@{MAINTAINER}>"
    thread = wait_posts(api, REVIEW, 2)[1]
    assert thread.params["thread_ts"] == update.params["ts"]
    told = wait_posts(api, suggester, 2)[1]
    assert str(told.params["text"]).startswith("Good news: your suggestion “Zorb” was approved.")

    # The YAML in the thread, pasted under `terms:`, is what `python -m bot check` accepts.
    text = unescape(str(thread.params["text"]))
    entry = text.split("```\n")[1].split("```")[0]
    path = tmp_path / "pasted.yaml"
    path.write_text("terms:\n" + entry, encoding="utf-8")
    (term,) = load_glossary(path)
    assert (term.term, term.acronyms, term.category, term.definition) == (
        "Zorb", ("ZB",), "Sales and leads", "A zorb is a deal: R&D signs it.",
    )  # fmt: skip


def test_a_duplicate_is_refused_in_the_modal(governed: HttpBot, api: FakeSlackWebAPI) -> None:
    submission = rq.view_submission(
        "suggest_term", values("EQL", "Again.", "Sales and leads"), view_id=ids.new_id("V")
    )
    response = governed.interactive(submission)
    assert (response.status, json.loads(response.body)) == (
        200,
        {
            "response_action": "errors",
            "errors": {
                "s_term": "“Ecosystem Qualified Lead” is already in the glossary. Try /define EQL."
            },
        },
    )
    governed.wait_idle()
    assert posts(api, REVIEW) == []


def test_someone_else_is_refused_and_nothing_is_decided(
    governed: HttpBot, api: FakeSlackWebAPI
) -> None:
    review = suggest(governed, api, "Blorp", ids.new_id("U"))
    suggestion_id = review.params["blocks"][-1]["elements"][0]["value"]
    for action in ("suggestion_approve", "suggestion_reject", "suggestion_edit"):
        click(governed, action, suggestion_id, USER_ID)
    refusals = api.wait_for("chat.postEphemeral", 3)
    assert {(c.params["user"], c.params["text"]) for c in refusals} == {(USER_ID, REFUSAL)}
    governed.wait_idle()
    assert api.calls("chat.update") == [] and len(posts(api, REVIEW)) == 1


def test_two_maintainers_approve_at_once_and_it_is_approved_once(
    governed: HttpBot, api: FakeSlackWebAPI
) -> None:
    review = suggest(governed, api, "Quux", ids.new_id("U"))
    suggestion_id = review.params["blocks"][-1]["elements"][0]["value"]
    clicks = [(MAINTAINER, "a"), (MAINTAINER, "b"), (MEMBER, "c"), (MEMBER, "d")]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda c: click(governed, "suggestion_approve", suggestion_id, c[0]), clicks))
    wait_posts(api, REVIEW, 2)
    api.wait_for("chat.update")
    governed.wait_idle()
    yaml_posts = [c for c in posts(api, REVIEW) if c.params.get("thread_ts")]
    assert len(yaml_posts) == 1 and len(api.calls("chat.update")) == 1
    found = re.match(r"Approved by <@(U0\w+)>", str(yaml_posts[0].params["text"]))
    assert found is not None
    winner = found.group(1)
    loser = MEMBER if winner == MAINTAINER else MAINTAINER
    notes = [c.params for c in api.calls("chat.postEphemeral")]
    assert {(n["user"], n["text"]) for n in notes} == {
        (loser, f"“Quux” was already approved by <@{winner}>.")
    }


def test_channel_settings_are_saved_announced_and_applied(
    governed: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel, user = new_channel(), ids.new_id("U")
    assert governed.command("settings", channel=channel, user=user).status == 200
    (opened,) = api.wait_for("views.open")
    view = opened.params["view"]
    assert (view["callback_id"], view["private_metadata"]) == (
        "channel_settings",
        json.dumps({"channel": channel}),
    )
    bad = settings_submission(view, pause_days="400")
    response = governed.interactive(bad)
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"c_pause_days": "Enter a whole number from 0 to 365."},
    }
    assert governed.interactive(settings_submission(view, pause_days="3", user=user)).status == 200
    (notice,) = wait_posts(api, channel)
    assert notice.params["text"] == f"<@{user}> paused explanations for 3 days."
    # Paused: a message naming a term is not explained.
    assert governed.event(rq.message("We need more EQLs", channel=channel)).status == 200
    governed.wait_idle()
    assert len(posts(api, channel)) == 1
    # Opening the settings again shows the pause.
    governed.command("settings", channel=channel, user=user)
    reopened = api.wait_for("views.open", 2)[1].params["view"]
    assert reopened["blocks"][2]["element"]["initial_value"] == "3"


def settings_submission(view: dict[str, Any], *, user: str = USER_ID, **numbers: str) -> Any:
    state: dict[str, Any] = {
        "c_explain": {"value": {"type": "radio_buttons", "selected_option": {"value": "on"}}},
        "c_partner_view": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    for name, text in numbers.items():
        state[f"c_{name}"] = {"value": {"type": "number_input", "value": text}}
    return rq.view_submission(
        "channel_settings", state, view_id=ids.new_id("V"), user=user,
        private_metadata=view["private_metadata"],
    )  # fmt: skip


def test_settings_in_a_dm_are_refused(governed: HttpBot, api: FakeSlackWebAPI) -> None:
    response = governed.command("settings", channel="D0DM", channel_name="directmessage")
    assert json.loads(response.body)["text"].startswith("Settings belong to a channel")
    assert api.calls("views.open") == []


def test_opting_out_is_stored_and_respected(governed: HttpBot, api: FakeSlackWebAPI) -> None:
    user, channel = ids.new_id("U"), new_channel()
    toggle = {"type": "checkboxes", "action_id": "home_opt_out", "selected_options": [
        {"value": "opt_out", "text": {"type": "plain_text", "text": "Don't explain"}}
    ]}  # fmt: skip
    home = json.dumps({"mode": "all", "value": "", "page": 0})
    payload = rq.block_actions_home(actions=[toggle], private_metadata=home, user=user)
    assert governed.interactive(payload).status == 200
    (published,) = api.wait_for("views.publish")
    assert published.params["user_id"] == user
    ticked = [
        [o["value"] for o in b["accessory"].get("initial_options", [])]
        for b in published.params["view"]["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "home_opt_out"
    ]
    assert ticked == [["opt_out"]]
    governed.event(rq.message("We need more EQLs", channel=channel, user=user))
    governed.wait_idle()
    assert posts(api, channel) == []
    governed.event(rq.message("We need more EQLs", channel=channel, user=ids.new_id("U")))
    wait_until(lambda: posts(api, channel), 5, "an explanation for someone who did not opt out")
