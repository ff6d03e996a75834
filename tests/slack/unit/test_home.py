"""render.home: the App Home tab and the term modal, rendered from values.

Pinned down: the Home tab's layout for a given ``HomePage`` (search box, category and A–Z
buttons with the current one highlighted, "most looked up", a counter, 15 rows a page,
Previous/Next only where they lead, the state in private_metadata); following Next through
every category, or through all terms, reaches every term exactly once; the modal's title,
callback_id, metadata, related-term buttons and channel picker are what the action listeners
expect. Every view passes the Block Kit checker.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.replies import Card, HomePage
from bot.service import HOME_PAGE_SIZE, GlossaryService
from bot.slack.home_state import HomeState, next_state
from bot.slack.render import home
from bot.terms import Glossary, Term
from tests.blockkit_limits import assert_block_kit_limits

from .conftest import EQL, HUGE_QUERY, WORKSPACE

CATEGORIES = (("Joint activities", 9), ("Pricing models", 8), ("Sales and leads", 6))


def page_of(
    terms: tuple[Term, ...],
    *,
    title: str = "All terms",
    matched: int = 98,
    page: int = 0,
    pages: int = 7,
    top: tuple[Term, ...] = (),
) -> HomePage:
    return HomePage(
        title=title,
        terms=terms,
        matched=matched,
        page=page,
        pages=pages,
        categories=CATEGORIES,
        letters=("A", "B", "C"),
        top=top,
        total=98,
    )


def render(page: HomePage, state: HomeState) -> dict[str, Any]:
    view = home.home_view(page, state)
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
    """The terms the list part shows, from each row's "Open" button."""
    accessories = [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    return [a["value"] for a in accessories if a["action_id"].startswith("home_open_")]


def counter(view: dict[str, Any]) -> str:
    divider = [b["type"] for b in view["blocks"]].index("divider")
    return str(view["blocks"][divider + 1]["text"]["text"])


def test_the_first_page(glossary: Glossary) -> None:
    view = render(page_of(glossary.terms[:15]), HomeState())
    assert view["type"] == "home"
    assert json.loads(view["private_metadata"]) == {"mode": "all", "value": "", "page": 0}
    assert counter(view) == "*All terms*  (98 terms · page 1 of 7)"
    assert rows(view) == [t.term for t in glossary.terms[:15]]
    buttons = action_ids(view)
    assert [buttons[f"home_category_{i}"] for i in range(3)] == [c for c, _ in CATEGORIES]
    assert [buttons[f"home_letter_{x}"] for x in "ABC"] == ["A", "B", "C"]
    assert (buttons.get("home_page_prev"), buttons["home_page_next"]) == (None, "1")
    assert view["blocks"][1]["text"]["text"].startswith("98 partnership terms, explained.")
    assert view["blocks"][2]["block_id"] == "home_search"
    assert view["blocks"][2]["dispatch_action"] is True
    # header, intro, search; categories; A–Z; divider, counter; rows; Next; divider, Suggest
    assert len(view["blocks"]) == 3 + 2 + 2 + 2 + 15 + 1 + 2
    assert buttons["home_suggest"] == "home"


def test_most_looked_up_terms_are_shown_when_known(glossary: Glossary) -> None:
    view = render(page_of(glossary.terms[:15], top=glossary.terms[20:22]), HomeState())
    assert (action_ids(view)["home_open_100"], action_ids(view)["home_open_101"]) == (
        glossary.terms[20].term,
        glossary.terms[21].term,
    )
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert "*Most looked up*" in sections


def test_the_last_page_offers_only_previous(glossary: Glossary) -> None:
    view = render(page_of(glossary.terms[90:98], page=6), HomeState("all", "", 6))
    assert counter(view) == "*All terms*  (98 terms · page 7 of 7)"
    assert (action_ids(view)["home_page_prev"], action_ids(view).get("home_page_next")) == (
        "5",
        None,
    )


def test_the_current_category_is_highlighted(glossary: Glossary) -> None:
    page = page_of(glossary.terms[:8], title="Pricing models", matched=8, pages=1)
    view = render(page, HomeState("category", "Pricing models"))
    assert counter(view) == "*Pricing models*  (8 terms)"
    styles = {
        e["value"]: e.get("style")
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(("home_category_", "home_letter_"))
    }
    assert [label for label, style in styles.items() if style == "primary"] == ["Pricing models"]
    assert "home_page_next" not in action_ids(view)


def test_no_results_says_so() -> None:
    page = page_of((), title="Results for “zzqx”", matched=0, pages=1)
    view = render(page, HomeState("search", "zzqx"))
    assert counter(view) == "*Results for “zzqx”*  (0 terms)"
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert "Nothing matches. Try fewer or other words." in texts
    assert rows(view) == []


def test_the_page_in_the_metadata_is_the_page_shown(glossary: Glossary) -> None:
    view = render(page_of(glossary.terms[90:98], page=6), HomeState("all", "", 99))
    assert json.loads(view["private_metadata"])["page"] == 6


def pages(service: GlossaryService, state: HomeState) -> list[dict[str, Any]]:
    """Every page of ``state``, following the Next button as a person would."""
    views: list[dict[str, Any]] = []
    while True:
        views.append(
            render(service.home_page(WORKSPACE, state.mode, state.value, state.page), state)
        )
        after = action_ids(views[-1]).get("home_page_next")
        if after is None:
            return views
        state = next_state(state, "home_page_next", after)


def test_every_term_is_reachable_by_category_and_by_paging(service: GlossaryService) -> None:
    by_category: list[str] = []
    for label, _ in service.home_page(WORKSPACE, "all", "", 0).categories:
        for view in pages(service, HomeState("category", label)):
            assert len(rows(view)) <= HOME_PAGE_SIZE
            by_category += rows(view)
    by_paging = [name for view in pages(service, HomeState()) for name in rows(view)]
    everything = [t.term for t in service.glossary.terms]
    assert sorted(by_category) == sorted(by_paging) == sorted(everything)
    assert by_paging == everything


def test_letters_page_through_their_terms(service: GlossaryService) -> None:
    first, second = pages(service, HomeState("letter", "P"))
    assert counter(first) == "*Terms starting with P*  (30 terms · page 1 of 2)"
    assert counter(second) == "*Terms starting with P*  (30 terms · page 2 of 2)"
    assert all(name.startswith("P") for name in rows(first) + rows(second))


def test_a_search_for_an_exact_term_lists_it_first(service: GlossaryService) -> None:
    view = render(service.home_page(WORKSPACE, "search", "EQL", 0), HomeState("search", "EQL"))
    assert rows(view)[0] == EQL


@pytest.mark.parametrize(
    "state",
    [HomeState("search", HUGE_QUERY[:100]), HomeState("letter", "<"), HomeState("category", "&")],
)
def test_hostile_states_render_within_limits(service: GlossaryService, state: HomeState) -> None:
    render(service.home_page(WORKSPACE, state.mode, state.value, state.page), state)


def test_oversized_terms_render_within_limits(huge_term: Term) -> None:
    page = page_of((huge_term,) * 15, title=HUGE_QUERY[:100], top=(huge_term,) * 5)
    render(page, HomeState("search", HUGE_QUERY[:100]))
    assert_block_kit_limits(home.term_modal(Card(huge_term, (huge_term,) * 5)))


def test_the_term_modal(service: GlossaryService) -> None:
    card = service.card(EQL)
    assert card is not None
    view = home.term_modal(card)
    assert_block_kit_limits(view)
    assert (view["type"], view["callback_id"]) == ("modal", "term_modal")
    assert view["title"] == {"type": "plain_text", "text": "Partner Glossary"}
    assert (view["submit"]["text"], view["close"]["text"]) == ("Share", "Close")
    assert json.loads(view["private_metadata"]) == {"term": EQL}
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
