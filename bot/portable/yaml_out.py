"""Write glossary entries as YAML a person would have written: like glossary/partnerships.yaml.

Why not ``yaml.safe_dump``: it quotes freely, wraps definitions as plain scalars and sorts
nothing the way maintainers read. Here one-line values stay plain when YAML reads them back as
the same text (anything else is written as a JSON string, which is valid double-quoted YAML),
lists are flow lists ``[a, b]``, and definitions are folded ``>-`` blocks wrapped at 100
columns. Whoever calls ``render`` still validates the result with the real loader.
"""

from __future__ import annotations

import bisect
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from bot.terms.cache import Source
from bot.terms.entries import Problem, cross_check, read_file
from bot.terms.model import Term

ORDER = (
    "term",
    "acronym",
    "aliases",
    "category",
    "audience",
    "definition",
    "partner_definition",
    "related",
    "owner",
    "reviewed",
    "review_every",
    "status",
    "replaced_by",
    "auto_expand",
)
"""Key order of an entry, as in the shipped files (the governance fields after them)."""
BLOCKS = frozenset({"definition", "partner_definition"})
WIDTH = 100

_PLAIN = re.compile(r"[^\W_][\w .'’()/&+@\-]*", re.UNICODE)
"""One-line text safe unquoted in a block mapping and in a flow list (no ``:#,[]{}``)."""
_RESOLVER = yaml.resolver.Resolver()


@dataclass(frozen=True, slots=True)
class Entry:
    """One glossary entry to write: its fields (YAML keys), comments after values, above it."""

    fields: dict[str, object]
    notes: dict[str, str] = field(default_factory=dict)
    """Key → an end-of-line comment (``# TODO: …``)."""
    comment: tuple[str, ...] = ()
    """Comment lines written above the entry."""


def scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar that reads back as exactly this text."""
    plain = _PLAIN.fullmatch(text) and not text.endswith(" ")
    resolved = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if plain and resolved == "tag:yaml.org,2002:str":
        return text
    return json.dumps(text, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | int):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(str(v)) for v in value) + "]"
    return scalar(str(value))


def _block(text: str, indent: str) -> list[str]:
    words = " ".join(text.split())
    if not words:
        return []
    return textwrap.wrap(
        words,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def entry_lines(entry: Entry) -> list[str]:
    """The lines of one ``- term: …`` item of the ``terms:`` list."""
    lines = [f"  # {line}".rstrip() for line in entry.comment]
    keys = [k for k in ORDER if k in entry.fields] + [k for k in entry.fields if k not in ORDER]
    for number, key in enumerate(keys):
        value = entry.fields[key]
        lead = "  - " if number == 0 else "    "
        note = f"  # {entry.notes[key]}" if key in entry.notes else ""
        if key in BLOCKS and isinstance(value, str):
            lines.append(f"{lead}{key}: >-{note}")
            lines.extend(_block(value, "      "))
        else:
            lines.append(f"{lead}{key}: {_value(value)}{note}")
    return lines


def render(entries: Sequence[Entry], header: Sequence[str] = ()) -> tuple[str, list[int]]:
    """A glossary document, and the line (from 1) where each entry starts."""
    lines = [f"# {line}".rstrip() for line in header]
    lines.append("terms:" if entries else "terms: []")
    starts: list[int] = []
    for entry in entries:
        starts.append(len(lines) + 1 + len(entry.comment))
        lines.extend(entry_lines(entry))
    return "\n".join(lines) + "\n", starts


def check_text(
    text: str, name: str, broken: Sequence[str] = ()
) -> tuple[list[Term], list[Problem]]:
    """Validate a rendered document with the real loader, as ``check`` would read the file.

    ``broken``: names of entries reported elsewhere, so a reference to them is not reported
    again as an unknown term.
    """
    data = text.encode("utf-8")
    names = list(broken)
    terms, problems = read_file(Source(Path(name), data, len(data), 0), names)
    return terms, problems + cross_check(terms, names)


def by_entry(
    problems: Sequence[Problem], starts: Sequence[int], names: Sequence[str]
) -> list[tuple[int, str]]:
    """Each problem of a rendered document as (index of its entry, message), with references
    to the same document (``already defined at FILE:12``) named ``names[entry]`` instead."""
    index_of = {line: index for index, line in enumerate(starts)}

    def name(match: re.Match[str]) -> str:
        index = index_of.get(int(match[1]))
        return match[0] if index is None else names[index]

    return [
        (
            max(bisect.bisect_right(starts, p.line) - 1, 0),
            re.sub(rf"{re.escape(p.file)}:(\d+)", name, p.message),
        )
        for p in problems
    ]
