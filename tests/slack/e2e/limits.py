"""``assert_block_kit_limits``: Slack's published Block Kit limits, checked on what the bot sent.

Slack refuses a whole message or view (``invalid_blocks``) when one field is over a limit, so a
term with a long name or a category with many terms would silently break an answer. The e2e
fixtures run this over every ``chat.*`` / ``views.*`` call and ``response_url`` body recorded by
the stand-in (see ``conftest.api``). Numbers are from /work/shared/SLACK-NOTES.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
SECTION_TEXT, FIELD_TEXT, FIELDS = 3000, 2000, 10
HEADER_TEXT = 150
BUTTON_TEXT, BUTTON_VALUE = 75, 2000
ID_LENGTH = 255
CONTEXT_ELEMENTS, ACTIONS_ELEMENTS = 10, 25
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40_000
VIEW_BYTES = 250_000


def _json(value: Any) -> Any:
    """Form-encoded calls carry ``blocks`` / ``view`` as JSON text."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        return json.loads(value)
    return value


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, Mapping) else ""


def _check_element(element: Mapping[str, Any], where: str) -> None:
    assert len(str(element.get("action_id", ""))) <= ID_LENGTH, f"{where}: action_id too long"
    if element.get("type") == "button":
        label = _text(element.get("text"))
        assert 0 < len(label) <= BUTTON_TEXT, f"{where}: button text {len(label)} chars: {label!r}"
        value = str(element.get("value", ""))
        assert len(value) <= BUTTON_VALUE, f"{where}: button value {len(value)} chars"


def _check_block(block: Mapping[str, Any], where: str) -> None:
    kind = block.get("type")
    assert len(str(block.get("block_id", ""))) <= ID_LENGTH, f"{where}: block_id too long"
    if kind == "section":
        text = _text(block.get("text"))
        assert len(text) <= SECTION_TEXT, f"{where}: section text {len(text)} chars"
        fields = block.get("fields") or []
        assert len(fields) <= FIELDS, f"{where}: {len(fields)} fields"
        for field in fields:
            assert len(_text(field)) <= FIELD_TEXT, f"{where}: field text too long"
        if isinstance(block.get("accessory"), Mapping):
            _check_element(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        text = _text(block.get("text"))
        assert 0 < len(text) <= HEADER_TEXT, f"{where}: header text {len(text)} chars"
    elif kind == "context":
        elements = block.get("elements") or []
        assert 0 < len(elements) <= CONTEXT_ELEMENTS, f"{where}: {len(elements)} context elements"
        for element in elements:
            assert len(_text(element)) <= SECTION_TEXT, f"{where}: context text too long"
    elif kind == "actions":
        elements = block.get("elements") or []
        assert 0 < len(elements) <= ACTIONS_ELEMENTS, f"{where}: {len(elements)} action elements"
        action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
        duplicates = sorted({a for a in action_ids if action_ids.count(a) > 1})
        assert not duplicates, f"{where}: duplicate action_ids {duplicates}"
        for i, element in enumerate(elements):
            _check_element(element, f"{where}.elements[{i}]")
    elif kind == "input" and isinstance(block.get("element"), Mapping):
        _check_element(block["element"], f"{where}.element")


def _check_blocks(blocks: Any, limit: int, where: str) -> None:
    blocks = _json(blocks)
    assert isinstance(blocks, list), f"{where}: blocks is {type(blocks).__name__}, not a list"
    assert len(blocks) <= limit, f"{where}: {len(blocks)} blocks (limit {limit})"
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    assert len(block_ids) == len(set(block_ids)), f"{where}: duplicate block_ids {block_ids}"
    for i, block in enumerate(blocks):
        _check_block(block, f"{where}.blocks[{i}]")


def _check_view(view: Mapping[str, Any], where: str) -> None:
    size = len(json.dumps(view).encode())
    assert size <= VIEW_BYTES, f"{where}: view is {size} bytes"
    _check_blocks(view.get("blocks", []), VIEW_BLOCKS, where)
    assert len(str(view.get("private_metadata", ""))) <= PRIVATE_METADATA, f"{where}: metadata"
    if view.get("type") == "modal":
        for key in ("title", "submit", "close"):
            text = _text(view.get(key))
            assert len(text) <= MODAL_TITLE, f"{where}: modal {key} {text!r} over {MODAL_TITLE}"


def assert_block_kit_limits(payload: Mapping[str, Any], where: str = "payload") -> None:
    """Fail, naming the field, if ``payload`` breaks one of Slack's Block Kit limits.

    ``payload`` is anything the bot hands Slack: chat.* arguments, a response_url body, a view,
    or views.* arguments (``{"view": …}``); ``blocks`` / ``view`` may be objects or JSON text.
    """
    if payload.get("type") in ("home", "modal"):
        _check_view(payload, where)
        return
    if "view" in payload:
        view = _json(payload["view"])
        assert isinstance(view, Mapping), f"{where}: view is not an object"
        _check_view(view, f"{where}.view")
    text = payload.get("text")
    if isinstance(text, str):
        assert len(text) <= MESSAGE_TEXT, f"{where}: text {len(text)} chars"
    if payload.get("blocks") not in (None, ""):
        _check_blocks(payload["blocks"], MESSAGE_BLOCKS, where)
