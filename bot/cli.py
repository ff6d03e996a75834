"""The maintainers' command line: ``check`` (``--stale``), ``define``, ``scan`` and ``search``.

Each term command computes one :class:`Answer` per input and only then chooses how to print it:
readable text, one JSON object (``--json``) or one JSON object per stdin line (``--jsonl``, for
pipelines). Because every output mode prints the same Answer, a flag such as ``scan --all`` or
``search --limit`` acts in all three modes. A broken glossary prints every problem as
``file:line: message``, never a traceback.

Exit codes (also in ``python -m bot --help``): 0 answered; 1 no answer, or ``check`` found
problems (or, with ``--stale --strict``, terms to review); 2 the command could not run (usage,
configuration, a glossary that does not load).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from bot.gc_pause import gc_paused
from bot.terms import Glossary, GlossaryError, LookupResult, Status, Term, read_glossary
from bot.terms.loader import iter_problems
from bot.terms.model import Lifecycle
from bot.terms.review import Why, overdue

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Options:
    """The flags that shape an answer, whatever the output mode."""

    limit: int = 10
    """``search``: at most this many hits."""
    include_all: bool = False
    """``scan``: also terms marked ``auto_expand: false``."""


DEFAULT_OPTIONS = Options()


@dataclass(frozen=True, slots=True)
class Answer:
    """One command's answer to one input; the text is built only when it is printed."""

    data: dict[str, Any]
    text: Callable[[], str]
    code: int


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def check(
    path: Path,
    out: IO[str],
    *,
    stale: bool = False,
    today: date | None = None,
    strict: bool = False,
) -> int:
    """Validate the glossary and print every problem, or a one-line summary.

    With ``stale``, a valid glossary's terms to review follow (see ``stale_report``); with
    ``strict`` as well, having any is exit 1, so CI can fail on them. ``today`` (default: the
    clock's) is the date reviews are measured against and no ``reviewed`` may be after.
    """
    everything, problems = read_glossary(path, today)
    if problems:
        for line in iter_problems(problems):
            print(line, file=out)
        print(f"{len(problems)} problem(s) found in {path}", file=out)
        return EXIT_PROBLEM
    terms = [t for t in everything if t.status != Lifecycle.DRAFT]  # counted as Glossary does
    drafts = len(everything) - len(terms)
    categories = len({t.category for t in terms})
    acronyms = sum(len(t.acronyms) for t in terms)
    aliases = sum(len(t.aliases) for t in terms)
    print(
        f"OK: {_count(len(terms), 'term')} in {_count(categories, 'category', 'categories')} "
        f"({_count(acronyms, 'acronym')}, {_count(aliases, 'alias', 'aliases')}) from {path}"
        + (f", and {_count(drafts, 'draft')} (never shown)" if drafts else ""),
        file=out,
    )
    if stale and stale_report(everything, today or date.today(), out) and strict:
        return EXIT_PROBLEM
    return EXIT_OK


def stale_report(terms: list[Term], today: date, out: IO[str]) -> int:
    """Print each term to review as ``file:line: term: overdue since …`` and a summary line;
    return how many lines were listed. Drafts are included: they need owners too."""
    found = overdue(terms, today)
    for item in found:
        print(item, file=out)
    if not found:
        print(f"No term is overdue or without an owner on {today.isoformat()}.", file=out)
        return 0
    counts = {why: sum(1 for item in found if item.why is why) for why in Why}
    to_review = len({(item.term.source, item.term.line) for item in found})
    print(
        f"{_count(to_review, 'term')} to review on {today.isoformat()}: "
        f"{counts[Why.OVERDUE]} overdue, {counts[Why.NEVER_REVIEWED]} never reviewed, "
        f"{counts[Why.NO_OWNER]} without an owner",
        file=out,
    )
    return len(found)


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def load(path: Path, err: IO[str], cache_dir: Path | None = None) -> Glossary | None:
    """The glossary (validated terms reused from ``cache_dir``), or None after printing why not.

    The cyclic GC is paused while it is built: a big glossary is a large, long-lived object
    graph that collections would only traverse (measured: 1.59× → 0.99× of the pyahocorasick
    script for ``scan --jsonl`` at 10,000 terms without the cache, bench/RESULTS-terms.md)."""
    try:
        with gc_paused():
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


def answer(glossary: Glossary, command: str, text: str, options: Options) -> Answer:
    """What ``command`` (define, scan or search) answers to ``text``."""
    if command == "define":
        result = glossary.define(text)
        found = result.status in (Status.FOUND, Status.AMBIGUOUS)
        return Answer(
            result.to_dict(),
            lambda: format_result(glossary, result),
            EXIT_OK if found else EXIT_PROBLEM,
        )
    if command == "scan":
        matches = glossary.scan(text, include_all=options.include_all)
        return Answer(
            {"matches": [m.to_dict() for m in matches]},
            lambda: (
                "\n".join(f"{m.start}-{m.end}  {m.text!r} → {m.term.title}" for m in matches)
                or "No glossary terms to explain."
            ),
            EXIT_OK,
        )
    hits = glossary.search(text, options.limit)
    return Answer(
        {"query": text, "terms": [{**h.term.to_dict(), "score": h.score} for h in hits]},
        lambda: (
            "\n".join(f"{h.term.title} — {h.term.category}" for h in hits)
            or f"Nothing in the glossary mentions “{text}”."
        ),
        EXIT_OK if hits else EXIT_PROBLEM,
    )


def as_json(
    glossary: Glossary, command: str, text: str, options: Options | None = None
) -> dict[str, Any]:
    """The ``--json`` / ``--jsonl`` answer of one command for one input."""
    return answer(glossary, command, text, options or DEFAULT_OPTIONS).data


def respond(reply: Answer, mode: str, out: IO[str]) -> int:
    """Print one answer as text or (``mode == "json"``) JSON; its exit code."""
    print(_dump(reply.data) if mode == "json" else reply.text(), file=out)
    return reply.code


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
