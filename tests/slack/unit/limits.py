"""``assert_block_kit_limits``: Slack's documented Block Kit limits, checked on rendered output.

slack_sdk's block models validate some limits when a renderer calls ``to_dict()``; this helper
checks the finished message or view as Slack receives it, so a renderer that builds dicts by
hand (the views), clips wrongly or outgrows a limit after a refactor fails here. It also checks
the text-safety rules from SLACK-NOTES.md: every ``&`` in mrkdwn starts an entity (nothing was
left unescaped or cut in half), ``< >`` appear only around a user mention, and no text carries a
special mention (``<!channel>``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.slack.render.cards import Message

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
SECTION_TEXT, FIELD_TEXT, MAX_FIELDS = 3000, 2000, 10
HEADER_TEXT = 150
BUTTON_TEXT, BUTTON_VALUE = 75, 2000
ID_LENGTH = 255
CONTEXT_ELEMENTS, ACTIONS_ELEMENTS = 10, 25
VIEW_TITLE, PRIVATE_METADATA = 24, 3000
INPUT_LABEL, INPUT_HINT = 2000, 2000
FALLBACK_TEXT = 40_000

_BAD_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_MENTION = re.compile(r"<[@#][A-Z0-9]+>")
"""``<`` and ``>`` only around a user or channel mention (``<@U123>``): the bot makes no links."""


def _text(obj: Any) -> str:
    assert isinstance(obj, dict) and isinstance(obj.get("text"), str), obj
    return str(obj["text"])


def _check_mrkdwn_or_plain(obj: Any, limit: int, where: str) -> None:
    text = _text(obj)
    assert 0 < len(text) <= limit, f"{where}: {len(text)} chars (limit {limit})"
    if obj.get("type") == "mrkdwn":
        assert not _BAD_AMPERSAND.search(text), f"{where}: raw or cut entity in {text[-40:]!r}"
        assert "<!" not in text, f"{where}: special mention in {text[:80]!r}"
        bare = _MENTION.sub("", text)
        assert "<" not in bare and ">" not in bare, f"{where}: unescaped < or > in {text[:80]!r}"


def _check_element(element: dict[str, Any], where: str) -> None:
    action_id = element.get("action_id")
    if action_id is not None:
        assert 0 < len(action_id) <= ID_LENGTH, f"{where}: action_id {len(action_id)} chars"
    if element.get("type") == "button":
        _check_mrkdwn_or_plain(element["text"], BUTTON_TEXT, f"{where} button text")
        assert element["text"]["type"] == "plain_text", where
        assert len(element.get("value", "")) <= BUTTON_VALUE, f"{where}: button value"


def _check_block(block: dict[str, Any], where: str) -> None:
    kind = block["type"]
    if "block_id" in block:
        assert 0 < len(block["block_id"]) <= ID_LENGTH, f"{where}: block_id"
    if kind == "header":
        _check_mrkdwn_or_plain(block["text"], HEADER_TEXT, f"{where} header")
        assert block["text"]["type"] == "plain_text", where
    elif kind == "section":
        assert "text" in block or "fields" in block, where
        if "text" in block:
            _check_mrkdwn_or_plain(block["text"], SECTION_TEXT, f"{where} section")
        fields = block.get("fields", [])
        assert len(fields) <= MAX_FIELDS, where
        for field in fields:
            _check_mrkdwn_or_plain(field, FIELD_TEXT, f"{where} field")
        if "accessory" in block:
            _check_element(block["accessory"], f"{where} accessory")
    elif kind == "context":
        elements = block["elements"]
        assert 0 < len(elements) <= CONTEXT_ELEMENTS, f"{where}: {len(elements)} context elements"
        for element in elements:
            _check_mrkdwn_or_plain(element, SECTION_TEXT, f"{where} context")
    elif kind == "actions":
        elements = block["elements"]
        assert 0 < len(elements) <= ACTIONS_ELEMENTS, f"{where}: {len(elements)} actions"
        ids = [e["action_id"] for e in elements]
        assert len(ids) == len(set(ids)), f"{where}: repeated action_id in {ids}"
        for element in elements:
            _check_element(element, where)
    elif kind == "input":
        _check_mrkdwn_or_plain(block["label"], INPUT_LABEL, f"{where} label")
        if "hint" in block:
            _check_mrkdwn_or_plain(block["hint"], INPUT_HINT, f"{where} hint")
        _check_element(block["element"], f"{where} input")
    else:
        assert kind == "divider", f"{where}: unexpected block type {kind}"


def _check_blocks(blocks: list[dict[str, Any]], limit: int) -> None:
    assert 0 < len(blocks) <= limit, f"{len(blocks)} blocks (limit {limit})"
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), f"repeated block_id in {block_ids}"
    for index, block in enumerate(blocks):
        _check_block(block, f"block {index} ({block['type']})")


def assert_block_kit_limits(output: Message | dict[str, Any]) -> None:
    """Fail, naming the offending block, if a Message or a home/modal view breaks a limit."""
    if isinstance(output, Message):
        assert 0 < len(output.text) <= FALLBACK_TEXT, "fallback text"
        assert "<!" not in output.text, f"special mention in fallback {output.text[:80]!r}"
        _check_blocks(output.blocks, MESSAGE_BLOCKS)
        return
    assert output["type"] in ("home", "modal"), output.get("type")
    _check_blocks(output["blocks"], VIEW_BLOCKS)
    assert len(output.get("private_metadata", "")) <= PRIVATE_METADATA, "private_metadata"
    assert len(output.get("callback_id", "")) <= ID_LENGTH, "callback_id"
    if output["type"] == "modal":
        for key in ("title", "submit", "close"):
            if key in output:
                text = _text(output[key])
                assert 0 < len(text) <= VIEW_TITLE, f"modal {key}: {text!r}"
