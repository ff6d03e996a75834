"""``python -m bot import``: a spreadsheet or JSON export in, YAML that passes ``check`` out.

Three passes, every problem collected (none stops the others), each reported as
``FILE:row: message`` with the row a person sees in their spreadsheet:

1. cells (bot.portable.columns): text sizes, lists, owner, audience, status, dates;
2. categories the glossary does not have (unless new ones are allowed);
3. the YAML written from the good rows, validated by the real loader (bot.terms.entries), so
   whatever ``check`` would say (a duplicate name, an invalid owner, an unknown
   ``replaced_by`` or related term, a lower-case acronym, colliding aliases) comes back on the
   row it came from. The loader stays the one place the rules live.

The file written stands alone: ``related`` and ``replaced_by`` must name terms of the same
import, so ``check FILE`` passes on it before it joins the glossary folder. Rows naming a term
the glossary already has are one note, not a problem (an export re-imported replaces them all).

All or nothing: when any row is bad, nothing is written. A partial file would lose the bad
rows without anyone noticing once it is committed, and the good rows may point at them.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bot.portable import columns
from bot.portable.columns import REQUIRED, CellError
from bot.portable.tables import Table
from bot.portable.yaml_out import Entry, by_entry, check_text, render
from bot.terms.text import fold

SOURCE = "<import>"
"""The name the loader sees; its ``<import>:12`` in a message becomes ``row N``."""


@dataclass(frozen=True, slots=True)
class Imported:
    """The YAML (empty when any row was bad), the problems and the notes by row."""

    yaml: str
    problems: list[tuple[int, str]]
    notes: list[tuple[int, str]]
    count: int


def convert(
    table: Table,
    categories: Collection[str] | None,
    header: str = "",
    existing: Mapping[str, str] | None = None,
) -> Imported:
    """Glossary YAML from ``table``; ``categories`` None accepts new categories.

    ``existing`` (folded name → ``file:line``) is the glossary the file will join: a row
    naming one of its terms is noted, not refused (re-importing an export replaces them all),
    so nobody learns of the duplicate only when ``check`` fails after the commit.
    """
    mapping, problems, notes = _map_columns(table.columns, table.header)
    problems += table.bad
    if any(row == table.header for row, _ in problems):
        return Imported("", sorted(problems), notes, 0)
    rows: list[tuple[int, dict[str, Any]]] = []
    broken: list[str] = []
    for number, cells in table.rows:
        fields, messages = _row(cells, mapping)
        problems += [(number, m) for m in messages]
        if messages:
            broken.append(str(fields.get("term", "")))
        else:
            rows.append((number, fields))
    rows, more = _categories(rows, categories, broken)
    problems += more
    known = [(n, f["term"]) for n, f in rows if fold(f["term"]) in (existing or {})]
    if existing and known:
        notes.append(_already(known, existing))
    entries = [Entry(fields) for _, fields in rows]
    text, starts = render(entries, [header] if header else [])
    _, loaded = check_text(text, SOURCE, broken)
    names = [f"row {number}" for number, _ in rows]
    problems += [(rows[i][0], message) for i, message in by_entry(loaded, starts, names)]
    if problems:
        return Imported("", sorted(set(problems)), notes, 0)
    return Imported(text, [], notes, len(rows))


def _already(known: list[tuple[int, str]], existing: Mapping[str, str]) -> tuple[int, str]:
    """One note (on the first such row) for the rows naming a term the glossary has."""
    number, name = known[0]
    where = existing[fold(name)]
    if len(known) == 1:
        return number, (
            f"'{name}' is already in the glossary ({where}): replace that entry with this "
            "row, or check will report a duplicate"
        )
    return number, (
        f"'{name}' ({where}) and {len(known) - 1} more terms are already in the glossary: "
        "replace those entries with these rows, or check will report duplicates"
    )


def _map_columns(
    found: list[str], header: int
) -> tuple[dict[str, str], list[tuple[int, str]], list[tuple[int, str]]]:
    """Column → field; problems (all on the header's row) and notes about columns left out."""
    mapping: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    notes: list[tuple[int, str]] = []
    taken: dict[str, str] = {}
    for column in found:
        key = columns.field_of(column)
        if key is None:
            notes.append((header, f"column '{column}' is not a glossary field; left out"))
        elif key in taken:
            problems.append((header, f"columns '{taken[key]}' and '{column}' both mean '{key}'"))
        else:
            taken[key] = column
            mapping[column] = key
    names = ", ".join(found) or "none"
    for key in REQUIRED:
        if key not in taken:
            problems.append((header, f"missing required column '{key}' (columns found: {names})"))
    return mapping, problems, notes


def _row(cells: dict[str, Any], mapping: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    fields: dict[str, Any] = {}
    messages: list[str] = []
    for column, key in mapping.items():
        try:
            value = columns.cell(key, cells.get(column))
        except CellError as exc:
            messages.append(str(exc))
            continue
        if value is not None:
            fields[key] = value
    label = f"'{fields['term']}': " if "term" in fields else ""
    messages = [label + m for m in messages]
    for key in REQUIRED:
        if key not in fields and not any(m.startswith(f"{label}'{key}'") for m in messages):
            messages.append(f"{label}'{key}' is empty")
    return fields, messages


def _categories(
    rows: list[tuple[int, dict[str, Any]]], categories: Collection[str] | None, broken: list[str]
) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """Rows whose category the glossary has (all rows when ``categories`` is None), and a
    problem for each of the rest."""
    if categories is None:
        return rows, []
    good: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, str]] = []
    for number, fields in rows:
        category = fields["category"]
        if category in categories:
            good.append((number, fields))
            continue
        close = difflib.get_close_matches(category, list(categories), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        problems.append(
            (
                number,
                f"'{fields['term']}': unknown category '{category}' "
                f"({hint}--allow-new-categories accepts it)",
            )
        )
        broken.append(fields["term"])
    return good, problems
