"""The limits checker itself: it must catch each breach it claims to, in every encoding."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .limits import assert_block_kit_limits


def button(action_id: str, text: str = "Open", value: str = "x") -> dict[str, Any]:
    label = {"type": "plain_text", "text": text}
    return {"type": "button", "action_id": action_id, "text": label, "value": value}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


GOOD = [header("h" * 150), section("s" * 3000), actions(button("a_0"), button("a_1", "b" * 75))]


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "t", "blocks": GOOD},
        {"channel": "C1", "blocks": json.dumps(GOOD)},  # form-encoded
        {"type": "home", "blocks": [section("row")] * 100},
        {"user_id": "U1", "view": json.dumps({"type": "modal", "title": {"text": "t" * 24}})},
        {"text": "no blocks at all"},
    ],
)
def test_payloads_within_the_limits_pass(payload: dict[str, Any]) -> None:
    assert_block_kit_limits(payload)


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"blocks": [section("s")] * 51}, "51 blocks (limit 50)"),
        ({"view": {"type": "home", "blocks": [section("s")] * 101}}, "101 blocks (limit 100)"),
        ({"blocks": [section("s" * 3001)]}, "section text 3001 chars"),
        ({"blocks": [header("h" * 151)]}, "header text 151 chars"),
        ({"blocks": [actions(button("a", "b" * 76))]}, "button text 76 chars"),
        ({"blocks": [actions(button("a_0"), button("a_0"))]}, "duplicate action_ids ['a_0']"),
        ({"blocks": json.dumps([{**section("s"), "accessory": button("x", "")}])}, "button text 0"),
        ({"type": "modal", "title": {"text": "t" * 25}, "blocks": []}, "modal title"),
        ({"text": "t" * 40_001}, "text 40001 chars"),
    ],
)
def test_each_breach_is_caught_and_named(payload: dict[str, Any], complaint: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        assert_block_kit_limits(payload)
