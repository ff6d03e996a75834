"""What a spreadsheet's columns mean, and how one cell becomes one glossary field.

Column names are matched case-, space-, underscore- and punctuation-insensitively against the
names people give them ("Term", "Name", "Also known as", "See also"…), so most exports import
without renaming anything. Each ``cell_*`` function returns the YAML value or raises
``CellError`` with the message the row is reported with. Values are only tidied here
(``Internal`` → ``internal``, ``180`` → ``180d``, ``yes`` → true); whether they are valid (an
owner's shape, a status, a date) is the loader's rule, applied to the YAML the importer writes.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import Any

from bot.terms.model import Audience, Lifecycle

NAMES: dict[str, tuple[str, ...]] = {
    "term": ("term", "name", "title", "term name"),
    "acronym": ("acronym", "acronyms", "abbreviation", "abbreviations", "abbr"),
    "definition": ("definition", "description", "meaning"),
    "category": ("category", "group", "type"),
    "aliases": ("aliases", "alias", "synonyms", "synonym", "also known as", "aka", "a k a"),
    "related": ("related", "related terms", "see also"),
    "owner": ("owner",),
    "audience": ("audience",),
    "partner_definition": ("partner definition", "partner wording"),
    "status": ("status", "lifecycle"),
    "replaced_by": ("replaced by",),
    "reviewed": ("reviewed", "last reviewed", "reviewed on"),
    "review_every": ("review every", "review every days", "review interval"),
    "auto_expand": ("auto expand",),
}
"""Glossary field → the column names that mean it (already normalised, see ``normalise``)."""
REQUIRED = ("term", "category", "definition")
LISTS = frozenset({"acronym", "aliases", "related"})
MAX_CELL = 3000
"""Characters in one cell: Slack shows at most 3,000 in one block, so longer cannot be shown."""
MAX_NAME = 200
"""Characters in a name-like value (term, category, owner, one alias)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FIELD_OF = {name: key for key, names in NAMES.items() for name in names}
_BOOLEANS = {"true": True, "yes": True, "y": True, "1": True}
_BOOLEANS |= {"false": False, "no": False, "n": False, "0": False}


class CellError(ValueError):
    """A cell that cannot become its field; the message says why (without the row)."""


def normalise(column: str) -> str:
    """``"Also-Known_As "`` → ``"also known as"``: how column names are compared."""
    return " ".join(re.sub(r"[\W_]+", " ", column.casefold()).split())


def field_of(column: str) -> str | None:
    """The glossary field a column holds, or None for a column the glossary has no room for."""
    return _FIELD_OF.get(normalise(column))


def text(value: Any, key: str) -> str:
    """A one-value cell as stripped text ('' when empty)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CellError(f"'{key}' must be text")
    result = str(value).strip()
    control = _CONTROL.search(result)
    if control:  # YAML cannot hold them; the loader would fail the whole file, not this row
        raise CellError(f"'{key}' holds the control character U+{ord(control[0]):04X}; remove it")
    if len(result) > MAX_CELL:
        raise CellError(
            f"'{key}' is {len(result):,} characters long; at most {MAX_CELL:,} "
            "(what Slack shows in one block)"
        )
    if key not in ("definition", "partner_definition") and len(result) > MAX_NAME:
        raise CellError(f"'{key}' is {len(result):,} characters long; at most {MAX_NAME}")
    return result


def items(value: Any, key: str) -> list[str]:
    """A list cell: a JSON list, or text split on ``;`` (or on ``,`` when it has no ``;``)."""
    if isinstance(value, list):
        parts = [text(v, key) for v in value]
    else:
        raw = text(value, key)
        parts = [p.strip() for p in raw.split(";" if ";" in raw else ",")]
    for part in parts:
        if len(part) > MAX_NAME:
            raise CellError(f"an item of '{key}' is {len(part):,} characters long; at most 200")
    return [p for p in parts if p]


def cell(key: str, value: Any) -> object | None:
    """The YAML value of field ``key`` from one cell; None when the cell says nothing."""
    if key in LISTS:
        parts = items(value, key)
        if key == "acronym" and len(parts) == 1:
            return parts[0]
        return parts or None
    if key == "auto_expand" and isinstance(value, bool):
        return None if value else False
    if key == "review_every" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    raw = text(value, key)
    if not raw:
        return None
    if key in ("audience", "status"):  # any other value is left for the loader to report
        value = raw.casefold()
        return None if value in (Audience.PUBLIC, Lifecycle.ACTIVE) else value
    if key == "reviewed":
        with contextlib.suppress(ValueError):
            return date.fromisoformat(raw)
    if key == "review_every" and raw.isdigit():
        return f"{int(raw)}d"
    if key == "auto_expand" and raw.casefold() in _BOOLEANS:
        return None if _BOOLEANS[raw.casefold()] else False
    return raw
