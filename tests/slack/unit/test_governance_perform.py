"""The governance jobs, performed against the Slack stand-in with a MemoryStore.

Pinned down: a suggestion is stored, posted for review with its buttons, remembered with the
post's ts, and its suggester thanked, once even when the job runs again; only maintainers (by
id or user group, decided when the job runs) may decide or edit, anyone else is told politely
in private; a decision happens once, and what follows it (the review post's update, the YAML in
its thread, the suggester's DM) is queued once; settings are stored and announced; the opt-out
toggle is stored and the Home tab re-published with it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.service import GlossaryService
from bot.slack import governance_work as gw
from bot.slack.listeners import actions
from bot.slack.perform import Performer
from bot.store import MemoryStore
from bot.store.base import NewJob, NewSuggestion, Suggestion, Workspace
from tests.standin import FakeSlackWebAPI, requests
from tests.standin.ids import USER_ID

from .conftest import T0, WORKSPACE, call, sent

MAINTAINER, REVIEW = "U0MAINT", "C0REVIEW"
ZORB = NewSuggestion("Zorb", "A zorb is a deal.", "Sales and leads", "ZB", "We say it.", USER_ID)
THANKS = (
    "Thanks for suggesting “Zorb”! I sent it to the glossary maintainers and will tell you "
    "here what they decide."
)
REFUSAL = (
    "Only glossary maintainers can approve, edit or reject suggestions. Thanks for keeping an "
    "eye on them!"
)


@pytest.fixture(autouse=True)
def configured(service: GlossaryService) -> None:
    service.governance.configure(
        maintainers=frozenset({MAINTAINER, "S0MAINT"}),
        suggestions_channel=REVIEW,
        governance_team=None,
    )


def run(performer: Performer, job: NewJob) -> None:
    performer.perform(job.kind, job.payload, job.workspace)


def run_queued(performer: Performer, store: MemoryStore) -> list[str]:
    """Perform every queued job (what the job runner would do); returns their kinds."""
    jobs = store.claim_jobs(100, T0, 30.0, 5)
    for job in jobs:
        performer.perform(job.kind, job.payload, job.workspace)
        store.finish_job(job, T0)
    return [job.kind for job in jobs]


def suggested(performer: Performer, store: MemoryStore, view_id: str = "V1") -> Suggestion:
    run(performer, gw.suggest(WORKSPACE, ZORB, view_id))
    (stored,) = [s for s in store.suggestions() if s.term == "Zorb"][-1:]
    return stored


def decide(performer: Performer, user: str, status: str = "approved", window: str = "1") -> None:
    run(performer, gw.decide(WORKSPACE, 1, status, user, REVIEW, window))


def texts(api: FakeSlackWebAPI, method: str) -> list[tuple[Any, Any]]:
    return [(c["channel"], c["text"]) for c in sent(api, method)]


def test_a_suggestion_is_stored_posted_and_acknowledged(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    stored = suggested(performer, store)
    (review,) = api.calls("chat.postMessage")[:1]
    assert review.params["channel"] == REVIEW
    assert (review.params["unfurl_links"], review.params["unfurl_media"]) == (False, False)
    assert [b["value"] for b in review.params["blocks"][-1]["elements"]] == ["1", "1", "1"]
    assert (stored.status, stored.review_channel) == ("waiting", REVIEW)
    assert re.fullmatch(r"\d{10}\.\d{6}", stored.review_ts)  # the ts Slack answered with
    assert texts(api, "chat.postMessage")[1:] == [(USER_ID, THANKS)]
    run(performer, gw.suggest(WORKSPACE, ZORB, "V1"))  # the job again: no second review post
    assert [c for c, _ in texts(api, "chat.postMessage")].count(REVIEW) == 1
    assert len(store.suggestions()) == 1


def test_without_a_suggestions_channel_it_waits_in_the_store(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI, service: GlossaryService
) -> None:
    service.governance.suggestions_channel = None
    stored = suggested(performer, store)
    assert (stored.status, stored.review_ts) == ("waiting", "")
    saved = THANKS.replace("sent it to the glossary maintainers", "saved it for the maintainers")
    assert texts(api, "chat.postMessage") == [(USER_ID, saved)]


def test_a_review_post_slack_refuses_still_keeps_the_suggestion(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    api.fail("chat.postMessage", "not_in_channel")
    stored = suggested(performer, store)
    assert stored.review_ts == ""
    assert texts(api, "chat.postMessage")[-1][0] == USER_ID


def test_someone_else_is_refused_politely(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    suggested(performer, store)
    decide(performer, "U0NOBODY")
    assert [(c["channel"], c["user"], c["text"]) for c in sent(api, "chat.postEphemeral")] == [
        (REVIEW, "U0NOBODY", REFUSAL)
    ]
    assert store.suggestion(1) is not None and store.suggestion(1).status == "waiting"  # type: ignore[union-attr]
    assert run_queued(performer, store) == []


def test_an_approval_updates_the_post_posts_yaml_and_tells_the_suggester(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    stored = suggested(performer, store)
    decide(performer, MAINTAINER)
    assert sorted(run_queued(performer, store)) == ["post", "post", "suggestion_review_update"]
    (update,) = sent(api, "chat.update")
    assert (update["channel"], update["ts"]) == (REVIEW, stored.review_ts)
    assert api.calls("chat.update")[0].params["blocks"][-1]["elements"][0]["text"] == (
        f"✅ Approved by <@{MAINTAINER}>"
    )
    posts = {c["channel"]: c for c in sent(api, "chat.postMessage")[2:]}
    assert posts[REVIEW]["thread_ts"] == stored.review_ts
    assert "  - term: Zorb\n    acronym: ZB\n" in posts[REVIEW]["text"]
    assert posts[USER_ID]["text"].startswith("Good news: your suggestion “Zorb” was approved.")


def test_follow_ups_in_the_review_channel_use_the_governance_workspace(
    performer: Performer, store: MemoryStore, service: GlossaryService
) -> None:
    """In OAuth mode the review post is GOVERNANCE_TEAM's: its update and its YAML reply go
    out with that token, whoever's installation the click came through."""
    service.governance.configure(
        maintainers=frozenset({MAINTAINER}), suggestions_channel=REVIEW, governance_team="T0GOV"
    )
    suggested(performer, store)
    decide(performer, MAINTAINER)
    jobs = store.claim_jobs(100, T0, 30.0, 5)
    assert {(j.kind, j.payload.get("channel"), j.workspace) for j in jobs} == {
        ("post", REVIEW, Workspace(None, "T0GOV")),  # the YAML, in the review thread
        ("post", USER_ID, WORKSPACE),  # the suggester's DM, from their own workspace
        ("suggestion_review_update", None, Workspace(None, "T0GOV")),
    }


def test_a_double_approval_approves_once(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    suggested(performer, store)
    decide(performer, MAINTAINER, window="1")
    decide(performer, MAINTAINER, window="2")  # a later click by the same maintainer
    assert len(run_queued(performer, store)) == 3
    api.answers.groups["S0MAINT"] = ["U0LATE"]
    decide(performer, "U0LATE", status="rejected")  # a second maintainer, a moment later
    assert [c["text"] for c in sent(api, "chat.postEphemeral")][-1] == (
        f"“Zorb” was already approved by <@{MAINTAINER}>."
    )
    assert run_queued(performer, store) == []
    assert len([c for c in sent(api, "chat.postMessage") if c["channel"] == REVIEW]) == 2


def test_a_group_member_may_reject(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    api.answers.groups["S0MAINT"] = ["U0GROUP"]
    suggested(performer, store)
    decide(performer, "U0GROUP", status="rejected")
    assert store.suggestion(1) is not None
    assert (store.suggestion(1).status, store.suggestion(1).decided_by) == ("rejected", "U0GROUP")  # type: ignore[union-attr]
    assert sorted(run_queued(performer, store)) == ["post", "suggestion_review_update"]
    told = [c["text"] for c in sent(api, "chat.postMessage") if c["channel"] == USER_ID][-1]
    assert told.startswith("Thanks again for suggesting “Zorb”. The glossary maintainers decided")


def test_edit_opens_a_prefilled_modal_for_maintainers_only(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    suggested(performer, store)
    run(performer, gw.edit_form(WORKSPACE, 1, "U0NOBODY", REVIEW, "1.2.a"))
    assert [c["text"] for c in sent(api, "chat.postEphemeral")] == [REFUSAL]
    run(performer, gw.edit_form(WORKSPACE, 1, MAINTAINER, REVIEW, "1.2.b"))
    (opened,) = api.calls("views.open")
    view = opened.params["view"]
    assert (opened.params["trigger_id"], view["callback_id"]) == ("1.2.b", "suggest_edit")
    assert view["blocks"][2]["element"]["initial_value"] == "A zorb is a deal."


def test_a_saved_edit_updates_the_suggestion_and_its_post(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    suggested(performer, store)
    better = NewSuggestion("Zorb", "A better zorb.", "Sales and leads")
    run(performer, gw.edit(WORKSPACE, 1, better, MAINTAINER, "V9"))
    edited = store.suggestion(1)
    assert edited is not None
    assert (edited.definition, edited.suggester) == ("A better zorb.", USER_ID)
    (update,) = api.calls("chat.update")
    assert "A better zorb." in update.params["blocks"][0]["text"]["text"]


@pytest.mark.parametrize("user", ["U0NOBODY", ""], ids=["someone-else", "no-user"])
def test_a_saved_edit_from_anyone_else_is_refused_and_changes_nothing(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI, user: str
) -> None:
    """The edit modal's Save re-checks the saver, even with metadata the bot itself wrote
    (a maintainer who left the group, or a submission built by hand)."""
    suggested(performer, store)
    values = {
        "s_term": {"value": {"type": "plain_text_input", "value": "Zorb"}},
        "s_definition": {"value": {"type": "plain_text_input", "value": "Hijacked."}},
        "s_category": {
            "value": {"type": "static_select", "selected_option": {"value": "Sales and leads"}}
        },
    }
    body = requests.view_submission(
        "suggest_edit",
        values,
        view_id="V0FORGED",
        user=user,
        private_metadata=json.dumps({"id": 1, "term": "Zorb"}),
    )
    outcome = call(actions.views(performer.service)["suggest_edit"], body)
    for job in outcome.jobs:
        run(performer, job)
    held = store.suggestion(1)
    assert held is not None and (held.definition, held.status) == ("A zorb is a deal.", "waiting")
    assert api.calls("chat.update") == []
    refused = [(c["user"], c["text"]) for c in sent(api, "chat.postEphemeral")]
    assert refused == ([("U0NOBODY", REFUSAL)] if user else [])


def test_settings_are_stored_and_announced(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    form = {
        "explain": True,
        "pause_days": 3,
        "cooldown_hours": None,
        "max_terms": None,
        "partner_view": False,
    }
    run(performer, gw.settings(WORKSPACE, "C0SET", USER_ID, form, "V5"))
    assert store.channel_settings(WORKSPACE, "C0SET").paused_until == T0 + 3 * 86400
    assert run_queued(performer, store) == ["post"]
    assert texts(api, "chat.postMessage") == [
        ("C0SET", f"<@{USER_ID}> paused explanations for 3 days.")
    ]
    run(performer, gw.settings(WORKSPACE, "C0SET", USER_ID, form, "V6"))  # nothing changed
    assert run_queued(performer, store) == []


def test_the_settings_form_is_prefilled_from_the_store(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    form = {"explain": False, "pause_days": None, "cooldown_hours": 2.0, "max_terms": 4}
    run(performer, gw.settings(WORKSPACE, "C0SET", USER_ID, {**form, "partner_view": True}, "V"))
    run(performer, gw.settings_form(WORKSPACE, "C0SET", USER_ID, "1.2.c", ""))
    (opened,) = api.calls("views.open")
    blocks = opened.params["view"]["blocks"]
    assert blocks[1]["element"]["initial_option"]["value"] == "off"
    assert [blocks[i]["element"].get("initial_value") for i in (2, 3, 4)] == [None, "2", "4"]


def test_the_opt_out_is_stored_and_home_republished(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    run(performer, gw.opt_out(WORKSPACE, USER_ID, True, {"mode": "all", "value": "", "page": 0}))
    assert store.opted_out(WORKSPACE, USER_ID) is True
    (published,) = api.calls("views.publish")
    toggles = [
        b["accessory"]
        for b in published.params["view"]["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "home_opt_out"
    ]
    assert [o["value"] for o in toggles[0]["initial_options"]] == ["opt_out"]


def test_home_shows_maintainers_their_section(
    performer: Performer, store: MemoryStore, api: FakeSlackWebAPI
) -> None:
    for user in (MAINTAINER, USER_ID):
        run(performer, NewJob("home", {"user": user, "mode": "all", "value": "", "page": 0}))
    views = [c.params["view"] for c in api.calls("views.publish")]
    headers = [[b["text"]["text"] for b in v["blocks"] if b["type"] == "header"] for v in views]
    assert headers == [["📖 Partner Glossary", "Maintainers"], ["📖 Partner Glossary"]]
