"""Read a spreadsheet export (CSV, TSV) or a JSON export into rows of named cells.

Only the shape is read here; what the columns mean is the importer's business. Row numbers are
what a person sees: in a spreadsheet the header is row 1, so the first term is row 2 (a quoted
cell spanning lines is still one row); in JSON, row N is the N-th object of the list.

Spreadsheets are read the way they leave Excel, Google Sheets and Numbers: UTF-8 with or
without a byte-order mark, UTF-16 ("Unicode text"), CRLF line ends, quoted cells holding
newlines, and ``;`` as the separator where the locale writes one (a header with ``;`` and no
``,``). Anything unreadable is a ``TableError`` with the line it concerns.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

FORMATS = ("csv", "tsv", "json")
MAX_FIELD = 1 << 20
"""csv refuses fields over 128 KB by default; a bigger one is reported as too big, by row."""


class TableError(Exception):
    """The file cannot be read as a table; ``line`` is where (0: the file as a whole)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Table:
    """The header as written, the rows (row number, column → cell; blank rows left out),
    the rows too malformed to read (row number, why) and the header's own row number."""

    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    bad: list[tuple[int, str]]
    header: int = 1


def format_of(name: str) -> str | None:
    """The format a file name's extension names (``.txt`` is how Excel names TSV), or None."""
    suffix = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    return {"csv": "csv", "tsv": "tsv", "tab": "tsv", "txt": "tsv", "json": "json"}.get(suffix)


def decode(data: bytes) -> str:
    """The text of a spreadsheet or JSON export; TableError when it is not UTF-8 or UTF-16."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            line, 'not UTF-8 text (in Excel, use "Save as: CSV UTF-8"; in Sheets, CSV)'
        ) from None


def read_table(data: bytes, fmt: str) -> Table:
    """The rows of a ``csv``, ``tsv`` or ``json`` file's bytes."""
    text = decode(data)
    return _json(text) if fmt == "json" else _delimited(text, "\t" if fmt == "tsv" else None)


def _delimited(text: str, delimiter: str | None) -> Table:
    if delimiter is None:
        line = next((line for line in text.split("\n") if line.strip(" \t\r;,")), "")
        delimiter = ";" if ";" in line and "," not in line else ","
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FIELD))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        kind = "TSV" if delimiter == "\t" else "CSV"
        raise TableError(0, f"not a readable {kind} file: {exc}") from None
    finally:
        csv.field_size_limit(limit)
    # Blank rows above the header (a title row left empty) are skipped, like blank rows below.
    top = next((n for n, record in enumerate(records) if any(c.strip() for c in record)), None)
    if top is None:
        raise TableError(1, "no header row (expected column names such as term, definition)")
    columns = [cell.strip() for cell in records[top]]
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str]] = []
    for number, record in enumerate(records[top + 1 :], start=top + 2):
        if not any(cell.strip() for cell in record):
            continue
        if any(cell.strip() for cell in record[len(columns) :]):
            bad.append((number, f"{len(record)} cells, but the header has {len(columns)}"))
            continue
        rows.append((number, {c: v for c, v in zip(columns, record, strict=False) if c}))
    return Table([c for c in columns if c], rows, bad, top + 1)


def _json(text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableError(exc.lineno, f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise TableError(1, "not a glossary export: nested too deeply") from None
    if isinstance(data, dict) and isinstance(data.get("terms"), list):
        data = data["terms"]
    if not isinstance(data, list):
        raise TableError(1, 'expected a list of objects, or {"terms": [...]}')
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str]] = []
    columns: dict[str, None] = {}
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            bad.append((number, "not an object with term, definition…"))
            continue
        columns.update(dict.fromkeys(str(key) for key in item))
        rows.append((number, {str(k): v for k, v in item.items()}))
    return Table(list(columns), rows, bad)
