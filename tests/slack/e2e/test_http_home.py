"""The App Home tab and the term modal, over HTTP: every click re-publishes or updates a view."""

from __future__ import annotations

import json
from typing import Any

from tests.standin import Call, FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import HttpBot, buttons, headers

ALL_TERMS = {"mode": "all", "value": "", "page": 0}


def published(api: FakeSlackWebAPI, user: str) -> dict[str, Any]:
    """The one view published for ``user`` (Home tabs are per user)."""
    (call,) = api.wait_for("views.publish")
    assert call.params["user_id"] == user
    view: dict[str, Any] = call.decoded("view")
    assert view["type"] == "home"
    return view


def listing(view: dict[str, Any]) -> tuple[str, list[str]]:
    """The list part of the Home tab: its title line and the term names it shows."""
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    title = next(s for s in sections if s.startswith("*") and "terms" in s and "(" in s)
    rows = [
        b
        for b in view["blocks"]
        if (b.get("accessory") or {}).get("action_id", "")[:9] == "home_open"
    ]
    return title, [b["text"]["text"].split("*")[1] for b in rows]


def click(http: HttpBot, user: str, action: dict[str, Any], state: dict[str, Any]) -> None:
    payload = rq.block_actions_home(actions=[action], private_metadata=json.dumps(state), user=user)
    assert http.interactive(payload).status == 200


def test_opening_home_publishes_the_glossary_with_most_looked_up(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    # Lookups land in the store both workers share; the Home tab ranks terms by them. No other
    # test looks JV up anywhere near this often.
    for _ in range(20):
        http.command("JV")
    user = ids.new_id("U")
    assert http.event(rq.app_home_opened(user=user)).status == 200
    view = published(api, user)
    assert len(view["blocks"]) <= 100
    assert json.loads(view["private_metadata"]) == ALL_TERMS
    labels = [b["text"]["text"] for b in buttons(view["blocks"])]
    assert "Pricing models (8)" in labels and "Partner types (23)" in labels
    texts = [b.get("text", {}).get("text") for b in view["blocks"]]
    top = view["blocks"][texts.index("*Most looked up*") + 1]
    assert top["elements"][0]["text"]["text"] == "Joint venture (JV)"
    title, names = listing(view)
    assert title == "*All terms*  (99 terms · page 1 of 7)"
    assert (len(names), names[0]) == (15, "Affiliate")


def test_messages_tab_is_not_a_home_view(http: HttpBot, api: FakeSlackWebAPI) -> None:
    # The listener publishes before it acks, so the 200 means it has decided.
    assert http.event(rq.app_home_opened(tab="messages")).status == 200
    assert api.calls("views.publish") == []


def test_category_button_shows_that_category(http: HttpBot, api: FakeSlackWebAPI) -> None:
    user = ids.new_id("U")
    click(http, user, rq.action("home_category_2", "Pricing models"), ALL_TERMS)
    view = published(api, user)
    assert listing(view) == (
        "*Pricing models*  (8 terms)",
        [
            "Commission-based pricing",
            "Flat fee pricing",
            "Hybrid pricing",
            "Reseller pricing",
            "Subscription pricing",
            "Usage-based pricing",
            "Value-based pricing",
            "White label pricing",
        ],
    )
    assert json.loads(view["private_metadata"]) == {
        "mode": "category",
        "value": "Pricing models",
        "page": 0,
    }
    pressed = [b for b in buttons(view["blocks"]) if b.get("style") == "primary"]
    assert [b["text"]["text"] for b in pressed] == ["Pricing models (8)"]


def test_letter_button_shows_the_terms_starting_with_it(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    user = ids.new_id("U")
    click(http, user, rq.action("home_letter_E", "E"), ALL_TERMS)
    title, names = listing(published(api, user))
    assert title.startswith("*Terms starting with E*  (")
    assert "Ecosystem Qualified Lead (EQL)" in names
    assert names and all(name.startswith("E") for name in names)


def test_search_box_shows_matching_terms(http: HttpBot, api: FakeSlackWebAPI) -> None:
    user = ids.new_id("U")
    typed = {
        "type": "plain_text_input",
        "action_id": "home_search",
        "block_id": "home_search",
        "value": "commission",
        "action_ts": "1712345678.000100",
    }
    click(http, user, typed, ALL_TERMS)
    title, names = listing(published(api, user))
    assert title == "*Results for “commission”*  (6 terms)"
    assert names[0] == "Commission-based pricing"


def test_next_page(http: HttpBot, api: FakeSlackWebAPI) -> None:
    user = ids.new_id("U")
    click(http, user, rq.action("home_page_next", "1"), ALL_TERMS)
    view = published(api, user)
    title, names = listing(view)
    assert (title, len(names)) == ("*All terms*  (99 terms · page 2 of 7)", 15)
    nav = [
        b["text"]["text"] for b in buttons(view["blocks"]) if b["action_id"].startswith("home_page")
    ]
    assert nav == ["← Previous", "Next →"]


def modal_of(call: Call) -> dict[str, Any]:
    view: dict[str, Any] = call.decoded("view")
    assert (view["type"], view["title"]["text"], view["callback_id"]) == (
        "modal",
        "Partner Glossary",
        "term_modal",
    )
    return view


def test_open_button_opens_the_term_modal(http: HttpBot, api: FakeSlackWebAPI) -> None:
    trigger = ids.trigger_id()
    payload = rq.block_actions_home(
        "home_open_3",
        "Ecosystem Qualified Lead",
        trigger_id=trigger,
        private_metadata=json.dumps(ALL_TERMS),
    )
    assert http.interactive(payload).status == 200
    (call,) = api.wait_for("views.open")
    assert call.params["trigger_id"] == trigger
    view = modal_of(call)
    assert headers(view["blocks"]) == ["Ecosystem Qualified Lead (EQL)"]
    assert json.loads(view["private_metadata"]) == {"term": "Ecosystem Qualified Lead"}
    assert [b["action_id"] for b in buttons(view["blocks"])] == [
        "modal_term_0",
        "modal_term_1",
        "modal_term_2",
    ]


def test_related_button_in_the_modal_updates_it_in_place(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    view_id = ids.new_id("V")
    payload = rq.block_actions_view(
        "modal_term_0",
        "Ideal Customer Profile",
        view_type="modal",
        view_id=view_id,
        callback_id="term_modal",
        private_metadata=json.dumps({"term": "Ecosystem Qualified Lead"}),
    )
    assert http.interactive(payload).status == 200
    (call,) = api.wait_for("views.update")
    assert call.params["view_id"] == view_id
    assert headers(modal_of(call)["blocks"]) == ["Ideal Customer Profile (ICP)"]
    assert api.calls("views.push") == api.calls("views.open") == []  # never stacks modals
