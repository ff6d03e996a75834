"""The glossary's validation rules: parsed YAML in, Terms and ``file:line`` Problems out.

Kept apart from bot.terms.loader (which finds, reads and caches the files) so the rules read
as one list: every entry-level check in ``_read_entry``, every check that spans entries in
``cross_check``. Every problem is collected, none stops the others, so ``check`` reports them
all at once. ``Problem`` lives here because the rules make them; the loader re-exports it.
The governance rules of issue 9 (audience, owner, review dates, lifecycle, a file's
``defaults:``) are in bot.terms.governance_rules; this module places their problems on lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from bot.terms import governance_rules, yaml_lines
from bot.terms.cache import Source
from bot.terms.governance_rules import NO_DEFAULTS, Defaults
from bot.terms.model import Term
from bot.terms.text import fold
from bot.terms.yaml_lines import Mapping

FIELDS: tuple[str, ...] = ("term", "acronym", "aliases", "category", "definition", "related")
FIELDS += ("auto_expand", *governance_rules.FIELDS)
TOP_LEVEL = ("defaults", "terms")
REQUIRED = ("term", "category", "definition")
_FIELD_SET = frozenset(FIELDS)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the glossary, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _decode(data: bytes) -> str:
    """The text as ``Path.read_text(encoding="utf-8")`` gives it (universal newlines)."""
    text = data.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_file(
    source: Source, broken: list[str], today: date | None = None
) -> tuple[list[Term], list[Problem]]:
    """Terms and problems of one file; names of entries too broken to load go to ``broken``.

    ``today`` (default: the clock's) is what a ``reviewed`` date may not be after.
    """
    name = str(source.path)
    try:
        text = _decode(source.data)
    except UnicodeDecodeError as exc:
        return [], [Problem(name, 0, f"cannot read file: {exc}")]
    try:
        data = yaml_lines.parse(text)
    except yaml.MarkedYAMLError as exc:
        return [], [_syntax_problem(name, exc)]
    except yaml.YAMLError as exc:
        return [], [Problem(name, 0, f"YAML error: {exc}")]
    except (ValueError, TypeError) as exc:  # a tagged value that is not what its tag says
        return [], [Problem(name, 0, f"YAML error: a value does not match its tag ({exc})")]
    if data is None:
        return [], [Problem(name, 1, "file is empty (expected a top-level 'terms:' list)")]
    if not isinstance(data, Mapping) or "terms" not in data:
        return [], [Problem(name, 1, "expected a top-level 'terms:' list")]
    problems = [
        Problem(name, data.key_lines[key], f"unknown top-level field '{key}' (only {_TOP})")
        for key in data
        if key not in TOP_LEVEL
    ]
    defaults = _defaults(name, data, problems)
    today = today or date.today()
    entries = data["terms"]
    if not isinstance(entries, list):
        line = data.key_lines["terms"]
        return [], [*problems, Problem(name, line, "'terms' must be a list of entries")]
    terms: list[Term] = []
    lines = getattr(entries, "item_lines", [])
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else data.key_lines["terms"]
        term, entry_problems = _read_entry(name, entry, line, index, defaults, today)
        if entry_problems:
            problems.extend(entry_problems)
        if term is not None:
            terms.append(term)
        elif isinstance(entry, dict) and isinstance(entry.get("term"), str):
            broken.append(entry["term"])
    return terms, problems


_TOP = " and ".join(f"'{key}'" for key in TOP_LEVEL)


def _defaults(name: str, data: Mapping, problems: list[Problem]) -> Defaults:
    """The file's ``defaults:`` for its terms; its problems are added to ``problems``."""
    if "defaults" not in data:
        return NO_DEFAULTS
    value = data["defaults"]

    def problem(key: str | None, message: str) -> None:
        lines = getattr(value, "key_lines", {})
        line = lines[key] if key in lines else data.key_lines["defaults"]
        problems.append(Problem(name, line, message))

    return governance_rules.read_defaults(value, problem)


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    message = f"YAML syntax error: {exc.problem or exc}"
    if exc.problem and "mapping values are not allowed" in exc.problem:
        message += " (a value containing ': ' must be quoted or written as a '>-' block)"
    return Problem(name, line, message)


def _read_entry(
    name: str, entry: object, line: int, index: int, defaults: Defaults, today: date
) -> tuple[Term | None, list[Problem]]:
    if not isinstance(entry, Mapping):
        where = f"entry {index + 1} of 'terms'"
        return None, [Problem(name, line, f"{where} must be a mapping with term, definition…")]
    problems: list[Problem] = []

    def problem(key: str | None, message: str) -> None:
        line = entry.key_lines.get(key, entry.line) if key else entry.line
        problems.append(Problem(name, line, message))

    for key, line in entry.duplicates:
        problems.append(Problem(name, line, f"field '{key}' appears twice in one entry"))
    for key in entry if not entry.keys() <= _FIELD_SET else ():
        if key not in _FIELD_SET:
            close = difflib.get_close_matches(key, FIELDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problem(key, f"unknown field '{key}'{hint}")
    label = entry.get("term")
    if not isinstance(label, str):
        label = f"entry {index + 1}"
    for key in REQUIRED:
        value = entry.get(key)
        if value is None:
            problem(None, f"'{label}': missing required field '{key}'")
        elif not isinstance(value, str):
            problem(key, f"'{label}': '{key}' must be text, got {yaml_lines.kind(value)}")
        elif not value.strip():
            problem(key, f"'{label}': '{key}' is empty")
    acronyms = _string_list(entry, "acronym", label, problem, allow_single=True)
    aliases = _string_list(entry, "aliases", label, problem, allow_single=False)
    related = _string_list(entry, "related", label, problem, allow_single=False)
    for key, what, values in (
        ("acronym", "acronym", acronyms),
        ("aliases", "alias", aliases),
        ("related", "related term", related),
    ):
        if len(set(values)) < len(values):  # the schema's uniqueItems, so both agree
            for item in sorted({v for v in values if values.count(v) > 1}):
                problem(key, f"'{label}': {what} '{item}' is listed twice")
    for acronym in acronyms:
        if acronym != acronym.upper() or " " in acronym:
            problem("acronym", f"'{label}': acronym '{acronym}' must be one word in capitals")
    auto_expand = entry.get("auto_expand", True)
    if not isinstance(auto_expand, bool):
        problem("auto_expand", f"'{label}': 'auto_expand' must be true or false")
    governance = governance_rules.read_fields(entry, str(label), defaults, today, problem)
    if problems:
        return None, problems
    term = Term(
        _clean(entry["term"]),
        _clean(entry["category"]),
        " ".join(entry["definition"].split()),
        tuple(acronyms),
        tuple([_clean(a) for a in aliases]),
        tuple([_clean(r) for r in related]),
        auto_expand,
        name,
        entry.line,
        **governance,
    )
    return term, problems


def _string_list(
    entry: Mapping, key: str, label: object, problem: Any, *, allow_single: bool
) -> list[str]:
    value = entry.get(key)
    if value is None:
        return []
    if allow_single and isinstance(value, str):
        value = [value]
    what = "text or a list of text" if allow_single else "a list of text"
    if not isinstance(value, list):
        problem(key, f"'{label}': '{key}' must be {what}, got {yaml_lines.kind(value)}")
        return []
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        problem(key, f"'{label}': every item of '{key}' must be non-empty text")
        return []
    return [str(v).strip() for v in value]


def cross_check(terms: list[Term], broken: Sequence[str] = ()) -> list[Problem]:
    """Problems that span entries: duplicates, colliding aliases, unknown related terms,
    and the lifecycle references of bot.terms.governance_rules.cross_check.

    Names, aliases and acronyms are compared folded (case, hyphens, spaces, punctuation).
    A term may repeat its own name as an alias (harmless); two terms may share an acronym on
    purpose (PRM); any other shared form would make lookups ambiguous by accident.
    """
    problems: list[Problem] = []
    claims: dict[str, list[tuple[Term, str, str]]] = {}
    by_name: dict[str, Term] = {}
    for term in terms:
        name = fold(term.term)
        by_name.setdefault(name, term)
        forms = [(name, term.term, "name")]
        forms += [(fold(alias), alias, "alias") for alias in term.aliases]
        forms += [(fold(acronym), acronym, "acronym") for acronym in term.acronyms]
        for key, form, kind in forms:
            claimants = claims.get(key)
            if claimants is None:
                claims[key] = [(term, kind, form)]
            elif claimants[-1][0] is not term:  # a term's own claims are appended together
                claimants.append((term, kind, form))
    for claimants in claims.values():
        if len(claimants) == 1 or all(kind == "acronym" for _, kind, _ in claimants):
            continue
        first_term, first_kind, first_form = claimants[0]
        for term, kind, form in claimants[1:]:
            where = f"{first_term.source}:{first_term.line}"
            if kind == first_kind == "name":
                message = f"duplicate term '{term.term}' (already defined at {where})"
            else:
                message = (
                    f"'{term.term}': {kind} '{form}' collides with the {first_kind} "
                    f"'{first_form}' of '{first_term.term}' ({where})"
                )
            problems.append(Problem(term.source, term.line, message))
    reported_elsewhere = {fold(name) for name in broken}
    for term in terms:
        for name in term.related:
            folded = fold(name)
            target = by_name.get(folded)
            if target is None and folded in reported_elsewhere:
                continue  # that entry's own problems are already reported
            if target is None:
                close = difflib.get_close_matches(name, [t.term for t in terms], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                message = f"'{term.term}': related term '{name}' is not in the glossary{hint}"
                problems.append(Problem(term.source, term.line, message))
            elif target is term:
                message = f"'{term.term}': a term cannot be related to itself"
                problems.append(Problem(term.source, term.line, message))
    for term, message in governance_rules.cross_check(terms, by_name, broken):
        problems.append(Problem(term.source, term.line, message))
    return problems


def _clean(text: str) -> str:
    """Collapse whitespace (including non-breaking spaces) in a one-line value."""
    return " ".join(text.replace("\u00a0", " ").split())
