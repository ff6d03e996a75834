"""The maintainers' command line: ``check``, ``define``, ``scan`` and ``search``.

Each command loads the glossary, calls the term service and prints either a readable answer or
JSON (``--json``: one object; ``--jsonl``: one object per input line, for pipelines). A broken
glossary prints every problem as ``file:line: message`` and exits 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from bot.terms import Glossary, GlossaryError, LookupResult, Status, read_glossary
from bot.terms.loader import iter_problems

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def check(path: Path, out: IO[str]) -> int:
    """Validate the glossary and print every problem, or a one-line summary."""
    terms, problems = read_glossary(path)
    if problems:
        for line in iter_problems(problems):
            print(line, file=out)
        print(f"{len(problems)} problem(s) found in {path}", file=out)
        return EXIT_PROBLEM
    categories = len({t.category for t in terms})
    acronyms = sum(len(t.acronyms) for t in terms)
    aliases = sum(len(t.aliases) for t in terms)
    print(
        f"OK: {_count(len(terms), 'term')} in {_count(categories, 'category', 'categories')} "
        f"({_count(acronyms, 'acronym')}, {_count(aliases, 'alias', 'aliases')}) from {path}",
        file=out,
    )
    return EXIT_OK


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def load(path: Path, err: IO[str], cache_dir: Path | None = None) -> Glossary | None:
    """The glossary (validated terms reused from ``cache_dir``), or None after printing why not."""
    try:
        return Glossary.from_path(path, cache_dir)
    except GlossaryError as exc:
        for line in iter_problems(exc.problems):
            print(line, file=err)
        count = len(exc.problems)
        print(f"The glossary has {count} problem(s); run `python -m bot check`.", file=err)
        return None


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


def format_result(glossary: Glossary, result: LookupResult) -> str:
    """A lookup result as a person would like to read it in a terminal."""
    if result.status is Status.NONE:
        return f"No glossary entry for “{result.query}”."
    if result.status is Status.SUGGEST:
        names = ", ".join(t.title for t in result.terms)
        return f"No exact entry for “{result.query}”. Did you mean: {names}?"
    lines = []
    if result.status is Status.AMBIGUOUS:
        lines.append(f"“{result.query}” has {len(result.terms)} meanings:\n")
    for term in result.terms:
        lines.append(f"{term.title} — {term.category}")
        lines.append(_wrap(term.definition))
        related = [t.term for t in glossary.related(term)]
        if related:
            lines.append(_wrap("Related: " + ", ".join(related)))
        lines.append("")
    return "\n".join(lines).rstrip()


def as_json(glossary: Glossary, command: str, text: str, limit: int = 10) -> dict[str, Any]:
    """The ``--json`` / ``--jsonl`` answer of one command for one input."""
    if command == "define":
        return glossary.define(text).to_dict()
    if command == "scan":
        return {"matches": [m.to_dict() for m in glossary.scan(text)]}
    hits = glossary.search(text, limit)
    return {"query": text, "terms": [{**h.term.to_dict(), "score": h.score} for h in hits]}


def define(glossary: Glossary, query: str, mode: str, out: IO[str]) -> int:
    result = glossary.define(query)
    if mode == "json":
        print(_dump(result.to_dict()), file=out)
    else:
        print(format_result(glossary, result), file=out)
    return EXIT_OK if result.status in (Status.FOUND, Status.AMBIGUOUS) else EXIT_PROBLEM


def scan(glossary: Glossary, text: str, mode: str, include_all: bool, out: IO[str]) -> int:
    matches = glossary.scan(text, include_all=include_all)
    if mode == "json":
        print(_dump(as_json(glossary, "scan", text)), file=out)
    elif not matches:
        print("No glossary terms to explain.", file=out)
    for match in matches if mode != "json" else ():
        print(f"{match.start}-{match.end}  {match.text!r} → {match.term.title}", file=out)
    return EXIT_OK


def search(glossary: Glossary, query: str, mode: str, limit: int, out: IO[str]) -> int:
    hits = glossary.search(query, limit)
    if mode == "json":
        print(_dump(as_json(glossary, "search", query, limit)), file=out)
    elif not hits:
        print(f"Nothing in the glossary mentions “{query}”.", file=out)
    for hit in hits if mode != "json" else ():
        print(f"{hit.term.title} — {hit.term.category}", file=out)
    return EXIT_OK if hits else EXIT_PROBLEM


def jsonl(
    lines: Iterable[str], field: str, answer: Callable[[str], dict[str, Any]], out: IO[str]
) -> int:
    """Answer one JSON object per input line; a bad line gets an error object, never a crash."""
    for number, line in enumerate(lines, start=1):
        value, reason = _request_field(line, field)
        if value is None:
            out.write(_dump({"error": f"line {number}: {reason}"}) + "\n")
            continue
        out.write(_dump(answer(value)) + "\n")
    out.flush()
    return EXIT_OK


def _request_field(line: str, field: str) -> tuple[str | None, str]:
    """The text ``field`` of one JSON line, or None and why not."""
    if not line.strip():
        return None, "empty line"
    try:
        request = json.loads(line)
    except ValueError as exc:
        return None, f"not valid JSON ({getattr(exc, 'msg', exc)})"
    value = request.get(field) if isinstance(request, dict) else None
    if not isinstance(value, str):
        return None, f'expected an object with a text "{field}"'
    return value, ""


def read_stdin() -> str:
    return sys.stdin.read()
