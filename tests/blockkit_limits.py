"""``assert_block_kit_limits``: Slack's Block Kit limits and the bot's text-safety rules.

One checker for both suites. Slack refuses a whole message or view (``invalid_blocks``) when one
field breaks a limit, so a long term name or a big category would silently lose an answer; and
an unescaped ``<!channel>`` would ping a channel. Unit tests pass a renderer's ``Message`` or
view; the e2e fixtures pass every ``chat.*`` / ``views.*`` call and ``response_url`` body the
stand-in recorded, where ``blocks`` and ``view`` may arrive as JSON text (form encoding).

Text safety (SLACK-NOTES.md): in mrkdwn, and in a message's fallback ``text``, every ``&``
starts a whole entity (nothing left unescaped or cut in half), ``< >`` appear only around a
user or channel mention, and no special mention (``<!here>``) appears at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.slack.render.cards import Message

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
SECTION_TEXT, FIELD_TEXT, FIELDS = 3000, 2000, 10
HEADER_TEXT = 150
BUTTON_TEXT, BUTTON_VALUE = 75, 2000
ID_LENGTH = 255
CONTEXT_ELEMENTS, ACTIONS_ELEMENTS = 10, 25
INPUT_LABEL, INPUT_HINT = 2000, 2000
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40_000
OPTIONS = {"static_select": 100, "checkboxes": 10, "radio_buttons": 10, "overflow": 5}
OPTION_TEXT, OPTION_VALUE = 75, 150
TEXT_INPUT = 3000
VIEW_BYTES = 250_000
BLOCK_TYPES = frozenset({"header", "section", "context", "actions", "input", "divider"})
"""The block types the bot renders; anything else is a renderer gone astray."""

_BAD_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_MENTION = re.compile(r"<[@#][A-Z0-9]+>")


def _json(value: Any) -> Any:
    """Form-encoded calls carry ``blocks`` / ``view`` as JSON text."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        return json.loads(value)
    return value


def _safe(text: str, where: str) -> None:
    assert not _BAD_AMPERSAND.search(text), f"{where}: raw or cut entity in {text[-40:]!r}"
    assert "<!" not in text, f"{where}: special mention in {text[:80]!r}"
    bare = _MENTION.sub("", text)
    assert "<" not in bare and ">" not in bare, f"{where}: unescaped < or > in {text[:80]!r}"


def _text(obj: Any, limit: int, where: str, *, plain: bool = False) -> None:
    """A text object: 1..limit characters; mrkdwn must be safe; ``plain`` requires plain_text."""
    assert isinstance(obj, Mapping) and isinstance(obj.get("text"), str), f"{where}: {obj!r}"
    text = str(obj["text"])
    assert 0 < len(text) <= limit, f"{where} {len(text)} chars (limit {limit})"
    if plain:
        assert obj.get("type", "plain_text") == "plain_text", f"{where}: not plain_text"
    if obj.get("type") == "mrkdwn":
        _safe(text, where)


def _element(element: Mapping[str, Any], where: str) -> None:
    action_id = element.get("action_id")
    if action_id is not None:
        assert 0 < len(str(action_id)) <= ID_LENGTH, f"{where}: action_id {len(action_id)} chars"
    if element.get("type") == "button":
        _text(element.get("text"), BUTTON_TEXT, f"{where}: button text", plain=True)
        value = str(element.get("value", ""))
        assert len(value) <= BUTTON_VALUE, f"{where}: button value {len(value)} chars"
    _choices(element, where)
    if element.get("type") == "plain_text_input":
        longest = int(element.get("max_length", TEXT_INPUT))
        assert longest <= TEXT_INPUT, f"{where}: max_length {longest}"
        initial = str(element.get("initial_value", ""))
        assert len(initial) <= longest, f"{where}: initial_value {len(initial)} > {longest}"


def _choices(element: Mapping[str, Any], where: str) -> None:
    """Selects, checkboxes and radio buttons: how many options, and each one's text and value."""
    limit = OPTIONS.get(str(element.get("type")))
    if limit is None:
        return
    options = element.get("options") or []
    assert 0 < len(options) <= limit, f"{where}: {len(options)} options (limit {limit})"
    for option in options:
        _text(option.get("text"), OPTION_TEXT, f"{where}: option text")
        value = str(option.get("value", ""))
        assert 0 < len(value) <= OPTION_VALUE, f"{where}: option value {len(value)} chars"
    values = [o.get("value") for o in options]
    assert len(set(values)) == len(values), f"{where}: duplicate option values"
    chosen = [element.get("initial_option") or {}, *(element.get("initial_options") or [])]
    for option in chosen:
        assert not option or option in options, f"{where}: initial option not among options"


def _block(block: Mapping[str, Any], where: str) -> None:
    kind = block.get("type")
    assert kind in BLOCK_TYPES, f"{where}: unexpected block type {kind!r}"
    if "block_id" in block:
        assert 0 < len(str(block["block_id"])) <= ID_LENGTH, f"{where}: block_id length"
    if kind == "header":
        _text(block.get("text"), HEADER_TEXT, f"{where}: header text", plain=True)
    elif kind == "section":
        assert "text" in block or "fields" in block, f"{where}: section without text"
        if "text" in block:
            _text(block["text"], SECTION_TEXT, f"{where}: section text")
        fields = block.get("fields") or []
        assert len(fields) <= FIELDS, f"{where}: {len(fields)} fields"
        for field in fields:
            _text(field, FIELD_TEXT, f"{where}: field text")
        if isinstance(block.get("accessory"), Mapping):
            _element(block["accessory"], f"{where}.accessory")
    elif kind == "context":
        elements = block.get("elements") or []
        assert 0 < len(elements) <= CONTEXT_ELEMENTS, f"{where}: {len(elements)} context elements"
        for element in elements:
            _text(element, SECTION_TEXT, f"{where}: context text")
    elif kind == "actions":
        elements = block.get("elements") or []
        assert 0 < len(elements) <= ACTIONS_ELEMENTS, f"{where}: {len(elements)} action elements"
        ids = [e.get("action_id") for e in elements if e.get("action_id")]
        duplicates = sorted({a for a in ids if ids.count(a) > 1})
        assert not duplicates, f"{where}: duplicate action_ids {duplicates}"
        for i, element in enumerate(elements):
            _element(element, f"{where}.elements[{i}]")
    elif kind == "input":
        _text(block.get("label"), INPUT_LABEL, f"{where}: input label", plain=True)
        if "hint" in block:
            _text(block["hint"], INPUT_HINT, f"{where}: input hint", plain=True)
        if isinstance(block.get("element"), Mapping):
            _element(block["element"], f"{where}.element")


def _blocks(blocks: Any, limit: int, where: str) -> None:
    blocks = _json(blocks)
    assert isinstance(blocks, list), f"{where}: blocks is {type(blocks).__name__}, not a list"
    assert len(blocks) <= limit, f"{where}: {len(blocks)} blocks (limit {limit})"
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    duplicates = sorted({b for b in block_ids if block_ids.count(b) > 1})
    assert not duplicates, f"{where}: duplicate block_ids {duplicates}"
    for i, block in enumerate(blocks):
        _block(block, f"{where}.blocks[{i}] ({block.get('type')})")


def _view(view: Mapping[str, Any], where: str) -> None:
    size = len(json.dumps(view).encode())
    assert size <= VIEW_BYTES, f"{where}: view is {size} bytes"
    _blocks(view.get("blocks", []), VIEW_BLOCKS, where)
    metadata = str(view.get("private_metadata", ""))
    assert len(metadata) <= PRIVATE_METADATA, f"{where}: private_metadata {len(metadata)} chars"
    assert len(str(view.get("callback_id", ""))) <= ID_LENGTH, f"{where}: callback_id"
    if view.get("type") == "modal":
        for key in ("title", "submit", "close"):
            if view.get(key) is not None:
                _text(view[key], MODAL_TITLE, f"{where}: modal {key}", plain=True)


def assert_block_kit_limits(payload: Message | Mapping[str, Any], where: str = "payload") -> None:
    """Fail, naming the field, if ``payload`` breaks a Block Kit limit or a text-safety rule.

    ``payload`` is a renderer's ``Message``, a view, or anything the bot hands Slack: chat.*
    arguments, a response_url body, views.* arguments (``{"view": …}``).
    """
    if isinstance(payload, Message):
        payload = {"text": payload.text, "blocks": payload.blocks}
    if payload.get("type") in ("home", "modal"):
        _view(payload, where)
        return
    if "view" in payload:
        view = _json(payload["view"])
        assert isinstance(view, Mapping), f"{where}: view is not an object"
        _view(view, f"{where}.view")
    text = payload.get("text")
    if isinstance(text, str):
        assert len(text) <= MESSAGE_TEXT, f"{where}: text {len(text)} chars"
        _safe(text, f"{where}: text")
    if payload.get("blocks") not in (None, ""):
        _blocks(payload["blocks"], MESSAGE_BLOCKS, where)
