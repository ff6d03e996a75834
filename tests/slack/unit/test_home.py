"""render.home: the App Home tab and the term modal.

Pinned down: ``HomeState`` round-trips through private_metadata and falls back to the default
view on anything malformed; each mode (all, category, letter, search) lists 15 rows a page
with a counter ("page 7 of 7" for 98 terms) and Previous/Next only where they lead somewhere;
following Next through every category reaches all 98 terms; the modal's title, callback_id,
metadata, related-term buttons and channel picker are what the action listeners expect.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.render import home
from bot.slack.render.home import HomeState
from bot.terms import Glossary

from .limits import assert_block_kit_limits


def render(glossary: Glossary, state: HomeState, top: tuple[Any, ...] = ()) -> dict[str, Any]:
    view = home.home_view(glossary, state, top)
    assert_block_kit_limits(view)
    return view


def action_ids(view: dict[str, Any]) -> dict[str, str]:
    """action_id → value of every button, in actions blocks and section accessories."""
    found: dict[str, str] = {}
    for block in view["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        for element in [*elements, block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = element["value"]
    return found


def rows(view: dict[str, Any]) -> list[str]:
    """The terms the list part shows, from the "Open" buttons."""
    return [v for k, v in action_ids(view).items() if k.startswith("home_open_")]


def counter(view: dict[str, Any]) -> str:
    divider = [b["type"] for b in view["blocks"]].index("divider")
    return str(view["blocks"][divider + 1]["text"]["text"])


def pages(glossary: Glossary, state: HomeState) -> list[dict[str, Any]]:
    """Every page of ``state``, following the Next button as a person would."""
    views = [render(glossary, state)]
    while (after := action_ids(views[-1]).get("home_page_next")) is not None:
        views.append(render(glossary, HomeState(state.mode, state.value, int(after))))
    return views


@pytest.mark.parametrize(
    "state",
    [HomeState(), HomeState("category", "Pricing models", 0), HomeState("search", "a & <b>", 3)],
)
def test_state_round_trips(state: HomeState) -> None:
    assert HomeState.load(state.dump()) == state


def test_state_dump_is_plain_json() -> None:
    assert json.loads(HomeState("letter", "P", 1).dump()) == {
        "mode": "letter",
        "value": "P",
        "page": 1,
    }


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        "",
        "not json",
        "[]",
        "null",
        "7",
        '{"mode": "all"}',
        '{"mode": "bogus", "value": "", "page": 0}',
        '{"mode": "all", "value": "", "page": -1}',
        '{"mode": "all", "value": "", "page": "two"}',
    ],
)
def test_malformed_metadata_gives_the_default_view(metadata: str | None) -> None:
    assert HomeState.load(metadata) == HomeState()


def test_loaded_values_are_clipped_to_the_search_box_length() -> None:
    state = HomeState.load(json.dumps({"mode": "search", "value": "x" * 500, "page": 0}))
    assert state == HomeState("search", "x" * 100)


def test_default_view(glossary: Glossary) -> None:
    view = render(glossary, HomeState())
    assert view["type"] == "home"
    assert json.loads(view["private_metadata"]) == {"mode": "all", "value": "", "page": 0}
    assert len(view["blocks"]) == 28
    assert counter(view) == "*All terms*  (98 terms · page 1 of 7)"
    assert rows(view) == [t.term for t in glossary.terms[:15]]
    buttons = action_ids(view)
    assert [buttons[f"home_category_{i}"] for i in range(9)] == list(glossary.categories())
    assert "".join(v for k, v in buttons.items() if k.startswith("home_letter_")) == (
        "ABCDEFHIJLMOPRSTUVW"
    )
    assert (buttons.get("home_page_prev"), buttons["home_page_next"]) == (None, "1")
    assert view["blocks"][2]["block_id"] == "home_search"


def test_most_looked_up_terms_are_shown_when_known(glossary: Glossary) -> None:
    top = glossary.terms[:2]
    view = render(glossary, HomeState(), top)
    assert len(view["blocks"]) == 30
    assert action_ids(view)["home_open_100"] == "Affiliate"
    assert action_ids(view)["home_open_101"] == "Agent"


def test_last_page_of_all_terms(glossary: Glossary) -> None:
    view = render(glossary, HomeState("all", "", 6))
    assert counter(view) == "*All terms*  (98 terms · page 7 of 7)"
    assert rows(view) == [t.term for t in glossary.terms[90:]]
    assert (action_ids(view)["home_page_prev"], action_ids(view).get("home_page_next")) == (
        "5",
        None,
    )


def test_a_page_past_the_end_shows_the_last_page(glossary: Glossary) -> None:
    view = render(glossary, HomeState("all", "", 99))
    assert json.loads(view["private_metadata"])["page"] == 6
    assert counter(view) == "*All terms*  (98 terms · page 7 of 7)"


def test_category_view_highlights_its_button(glossary: Glossary) -> None:
    view = render(glossary, HomeState("category", "Pricing models"))
    assert counter(view) == "*Pricing models*  (8 terms)"
    assert len(rows(view)) == 8
    styles = {
        e["value"]: e.get("style")
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("home_category_")
    }
    assert [label for label, style in styles.items() if style == "primary"] == ["Pricing models"]
    assert "home_page_next" not in action_ids(view)


def test_letter_view_pages(glossary: Glossary) -> None:
    first, second = pages(glossary, HomeState("letter", "P"))
    assert counter(first) == "*Terms starting with P*  (30 terms · page 1 of 2)"
    assert counter(second) == "*Terms starting with P*  (30 terms · page 2 of 2)"
    assert len(rows(first)) == len(rows(second)) == 15
    assert all(name.startswith("P") for name in rows(first) + rows(second))


def test_search_view(glossary: Glossary) -> None:
    view = render(glossary, HomeState("search", "pricing"))
    assert counter(view) == "*Results for “pricing”*  (8 terms)"
    assert rows(view)[0] == "Flat fee pricing"


def test_search_for_an_exact_term_lists_it_first(glossary: Glossary) -> None:
    assert rows(render(glossary, HomeState("search", "EQL")))[0] == "Ecosystem Qualified Lead"


def test_search_without_results_says_so(glossary: Glossary) -> None:
    view = render(glossary, HomeState("search", "zzqx"))
    assert counter(view) == "*Results for “zzqx”*  (0 terms)"
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert "Nothing matches. Try fewer or other words." in texts
    assert rows(view) == []


def test_every_term_is_reachable_by_category_and_by_paging(glossary: Glossary) -> None:
    by_category: list[str] = []
    for label in glossary.categories():
        for view in pages(glossary, HomeState("category", label)):
            assert len(rows(view)) <= home.PAGE_SIZE
            by_category += rows(view)
    by_paging = [name for view in pages(glossary, HomeState()) for name in rows(view)]
    everything = {t.term for t in glossary.terms}
    assert len(by_category) == len(by_paging) == 98
    assert set(by_category) == set(by_paging) == everything
    assert len(pages(glossary, HomeState())) == 7


def test_term_modal(glossary: Glossary) -> None:
    term = glossary.get("Ecosystem Qualified Lead")
    assert term is not None
    view = home.term_modal(glossary, term)
    assert_block_kit_limits(view)
    assert (view["type"], view["callback_id"]) == ("modal", "term_modal")
    assert view["title"] == {"type": "plain_text", "text": "Partner Glossary"}
    assert (view["submit"]["text"], view["close"]["text"]) == ("Share", "Close")
    assert json.loads(view["private_metadata"]) == {"term": "Ecosystem Qualified Lead"}
    assert view["blocks"][0]["text"]["text"] == "Ecosystem Qualified Lead (EQL)"
    assert action_ids(view) == {
        "modal_term_0": "Ideal Customer Profile",
        "modal_term_1": "Marketing Qualified Lead",
        "modal_term_2": "Partner ecosystem",
    }
    share = view["blocks"][-1]
    assert (share["type"], share["block_id"]) == ("input", "share_channel")
    assert (share["element"]["type"], share["element"]["action_id"]) == (
        "conversations_select",
        "channel",
    )
