"""home_state: the Home tab's browsing state, kept in the view's private_metadata.

Pinned down: a state round-trips as plain JSON; anything odd in the metadata (not JSON, not an
object, a page that is not a non-negative integer, nested junk, huge nesting) gives the default
view; each control leads to the state literally expected from the current one.
"""

from __future__ import annotations

import json

import pytest

from bot.slack.home_state import HomeState, is_home_action, metadata_of, next_state


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
        7,
        ["mode", "all"],
        {"mode": "letter", "value": "P", "page": 1},
        "not json",
        "[]",
        '[{"mode": "letter"}]',
        "null",
        "7",
        "Infinity",
        "NaN",
        '"letter"',
        '{"mode": "bogus", "value": "", "page": 0}',
        '{"mode": "all", "value": "", "page": -1}',
        '{"mode": "all", "value": "", "page": "2"}',
        '{"mode": "all", "value": "", "page": 1.5}',
        '{"mode": "all", "value": "", "page": true}',
        '{"mode": "all", "value": "", "page": Infinity}',
        '{"mode": "all", "value": "", "page": 10001}',
        '{"mode": {"nested": ["junk", {"deeper": null}]}, "value": "", "page": 0}',
        '{"mode": ["letter"], "value": "P", "page": 0}',
        "[" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
    ],
    ids=lambda m: repr(m)[:40],
)
def test_odd_metadata_gives_the_default_view(metadata: object) -> None:
    assert HomeState.load(metadata) == HomeState()


def test_fields_the_state_does_not_know_are_ignored() -> None:
    metadata = '{"mode": "letter", "value": "P", "page": 1, "extra": {"x": [1, 2]}}'
    assert HomeState.load(metadata) == HomeState("letter", "P", 1)


def test_a_value_that_is_not_a_string_becomes_one() -> None:
    assert HomeState.load('{"mode": "search", "value": 42, "page": 0}') == HomeState("search", "42")


def test_loaded_values_are_clipped_to_the_search_box_length() -> None:
    state = HomeState.load(json.dumps({"mode": "search", "value": "x" * 500, "page": 0}))
    assert state == HomeState("search", "x" * 100)


LETTER_P = HomeState("letter", "P", 1)


@pytest.mark.parametrize(
    ("action_id", "value", "after"),
    [
        ("home_search", " eql ", HomeState("search", "eql")),
        ("home_search", "   ", HomeState()),
        ("home_category_3", "Pricing models", HomeState("category", "Pricing models")),
        ("home_letter_Q", "QR", HomeState("letter", "Q")),
        ("home_page_next", "2", HomeState("letter", "P", 2)),
        ("home_page_prev", "0", HomeState("letter", "P", 0)),
        ("home_page_next", "-1", LETTER_P),
        ("home_page_next", "10001", LETTER_P),
        ("home_page_next", "²", LETTER_P),
        ("something_else", "x", LETTER_P),
    ],
)
def test_next_state(action_id: str, value: str, after: HomeState) -> None:
    assert next_state(LETTER_P, action_id, value) == after


@pytest.mark.parametrize(
    ("action_id", "expected"),
    [
        ("home_search", True),
        ("home_category_0", True),
        ("home_letter_A", True),
        ("home_page_next", True),
        ("home_open_3", False),
        ("home_searching", False),
        ("define_term_0", False),
    ],
)
def test_is_home_action(action_id: str, expected: bool) -> None:
    assert is_home_action(action_id) is expected


def test_metadata_of_reads_only_a_view_object() -> None:
    assert metadata_of({"view": {"private_metadata": "{}"}}) == "{}"
    assert metadata_of({"view": "not a view"}) is None
    assert metadata_of({}) is None
