"""The yardstick for ``python -m bot scan --jsonl``: the same job done the obvious fast way.

Why it exists: the requirement is "within 2x of a pyahocorasick script doing the same reading,
matching and JSON writing". This is that script, kept deliberately plain so the comparison is
honest: it loads the same YAML (libyaml ``CSafeLoader``, no validation), builds one Aho-Corasick
automaton over lower-cased names and aliases (plus a plural ``s``) and acronyms, and for each
``{"text": ...}`` line on stdin writes ``{"matches": [{"term", "text", "start", "end"}]}``:
whole words only, acronyms only in capitals, leftmost-longest without overlaps, each term once,
and (like the bot's default) no terms marked ``auto_expand: false``.
It does not skip code spans, links or emoji and knows no hyphen/space variants, so its matches
differ slightly from the bot's; the benchmark prints both counts.

Run: ``GLOSSARY_PATH=dir python bench/aho_baseline.py < messages.jsonl`` (or the path as
argument). Only the standard library, PyYAML and pyahocorasick are imported, on purpose.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import ahocorasick
import yaml

Owners = tuple[tuple[str, str | None], ...]
"""(term name, required spelling or None) for every term one automaton key stands for."""


def load_entries(path: str | Path) -> list[dict[str, Any]]:
    """The raw entries of one YAML file, or of every YAML file in a folder."""
    path = Path(path)
    files = sorted(p for p in path.glob("*.y*ml")) if path.is_dir() else [path]
    entries: list[dict[str, Any]] = []
    for file in files:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        entries.extend(data["terms"])
    return entries


def build(entries: list[dict[str, Any]]) -> ahocorasick.Automaton:
    """One automaton; each key's value is (key length, owners)."""
    keys: dict[str, list[tuple[str, str | None]]] = {}
    for entry in entries:
        if entry.get("auto_expand") is False:
            continue
        name = entry["term"]
        for written in (name, *(entry.get("aliases") or ())):
            low = " ".join(written.lower().split())
            for key in (low, low + "s"):
                keys.setdefault(key, []).append((name, None))
        acronyms = entry.get("acronym") or ()
        for acronym in [acronyms] if isinstance(acronyms, str) else acronyms:
            for written in (acronym, acronym + "s"):
                keys.setdefault(written.lower(), []).append((name, written))
    automaton = ahocorasick.Automaton()
    for key, owners in keys.items():
        automaton.add_word(key, (len(key), tuple(dict.fromkeys(owners))))
    automaton.make_automaton()
    return automaton


def find(automaton: ahocorasick.Automaton, text: str) -> list[dict[str, Any]]:
    """The matches in ``text`` (ASCII-safe offsets: ``str.lower`` keeps lengths for ASCII)."""
    low = text.lower()
    size = len(low)
    candidates: list[tuple[int, int, Owners]] = []
    for last, (length, owners) in automaton.iter(low):
        start = last - length + 1
        if (start and low[start - 1].isalnum()) or (last + 1 < size and low[last + 1].isalnum()):
            continue
        candidates.append((start, -length, owners))
    if not candidates:
        return []
    candidates.sort()
    matches: list[dict[str, Any]] = []
    seen: set[str] = set()
    reach = 0
    for start, negative, owners in candidates:
        if start < reach:
            continue
        end = start - negative
        written = text[start:end]
        hit = False
        for term, spelling in owners:
            if spelling is not None and written != spelling:
                continue
            hit = True
            if term not in seen:
                seen.add(term)
                matches.append({"term": term, "text": written, "start": start, "end": end})
        if hit:
            reach = end
    return matches


def run(lines: Iterable[str], automaton: ahocorasick.Automaton, out: IO[str]) -> None:
    """The per-message loop: read a JSON line, match, write a JSON line."""
    for line in lines:
        if line.strip():
            matches = find(automaton, json.loads(line)["text"])
            out.write(json.dumps({"matches": matches}, ensure_ascii=False) + "\n")
    out.flush()


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GLOSSARY_PATH", "glossary")
    run(sys.stdin, build(load_entries(path)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
