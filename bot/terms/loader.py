"""Read and validate the YAML glossary, reporting every problem with its file and line.

Partner-ops people edit these files by hand, so a mistake must come back as
``glossary/partners.yaml:42: unknown field 'defintion' (did you mean 'definition'?)`` — all of
them at once, never a traceback, and a broken glossary never starts the bot silently.
The loader is the only place in the term service that touches the file system.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.terms.model import Term
from bot.terms.text import fold

FIELDS = ("term", "acronym", "aliases", "category", "definition", "related", "auto_expand")
REQUIRED = ("term", "category", "definition")
GLOSSARY_SUFFIXES = (".yaml", ".yml")

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the glossary, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class GlossaryError(Exception):
    """The glossary cannot be used; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the glossary:\n{summary}")


class _Mapping(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


_FIELD_SET = frozenset((*FIELDS, "terms"))
_PLAIN_SPECIAL = frozenset("yYnNtTfFoO0123456789+-.~<=")
"""First characters for which YAML 1.1 may resolve a plain scalar to something other than text."""


class _LineLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader (libyaml-backed when available) that records line numbers of mappings."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """Skip PyYAML's regex tag resolution for scalars that can only be text.

        It is the loader's hottest function on large glossaries; the result is identical.
        """
        if kind is yaml.ScalarNode and (
            value in _FIELD_SET or (value and value[0] not in _PLAIN_SPECIAL)
        ):
            return "tag:yaml.org,2002:str"
        return str(super().resolve(kind, value, implicit))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Mapping:
        mapping = _Mapping()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        mapping.duplicates = []
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                mapping.duplicates.append((key, line))
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = line
        return mapping


class _Sequence(list[Any]):
    """A YAML sequence that remembers the line of each item."""

    item_lines: list[int]


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _Sequence:
    items = _Sequence(loader.construct_object(child, deep=True) for child in node.value)
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: loader.construct_mapping(node, deep=True),
)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def glossary_files(path: Path) -> list[Path]:
    """The YAML files that make up the glossary: one file, or every YAML file in a folder."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in GLOSSARY_SUFFIXES and p.is_file())
    return [path]


def load_glossary(path: str | Path) -> list[Term]:
    """Load and validate every glossary file under ``path``; raise GlossaryError on any problem."""
    terms, problems = read_glossary(Path(path))
    if problems:
        raise GlossaryError(problems)
    return terms


def read_glossary(path: Path) -> tuple[list[Term], list[Problem]]:
    """Like load_glossary, but returns the problems instead of raising (for ``check``)."""
    if not path.exists():
        return [], [Problem(str(path), 0, "no such file or folder")]
    files = glossary_files(path)
    if not files:
        return [], [Problem(str(path), 0, "no .yaml or .yml glossary files in this folder")]
    terms: list[Term] = []
    problems: list[Problem] = []
    broken: list[str] = []
    for file in files:
        file_terms, file_problems = _read_file(file, broken)
        terms.extend(file_terms)
        problems.extend(file_problems)
    problems.extend(_cross_check(terms, broken))
    return terms, problems


def _read_file(file: Path, broken: list[str]) -> tuple[list[Term], list[Problem]]:
    """Terms and problems of one file; names of entries too broken to load go to ``broken``."""
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 0, f"cannot read file: {exc}")]
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        return [], [_syntax_problem(name, exc)]
    except yaml.YAMLError as exc:
        return [], [Problem(name, 0, f"YAML error: {exc}")]
    if data is None:
        return [], [Problem(name, 1, "file is empty (expected a top-level 'terms:' list)")]
    if not isinstance(data, _Mapping) or "terms" not in data:
        return [], [Problem(name, 1, "expected a top-level 'terms:' list")]
    problems = [
        Problem(name, data.key_lines[key], f"unknown top-level field '{key}' (only 'terms')")
        for key in data
        if key != "terms"
    ]
    entries = data["terms"]
    if not isinstance(entries, list):
        line = data.key_lines["terms"]
        return [], [*problems, Problem(name, line, "'terms' must be a list of entries")]
    terms: list[Term] = []
    lines = getattr(entries, "item_lines", [])
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else data.key_lines["terms"]
        term, entry_problems = _read_entry(name, entry, line, index)
        problems.extend(entry_problems)
        if term is not None:
            terms.append(term)
        elif isinstance(entry, dict) and isinstance(entry.get("term"), str):
            broken.append(entry["term"])
    return terms, problems


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    message = f"YAML syntax error: {exc.problem or exc}"
    if exc.problem and "mapping values are not allowed" in exc.problem:
        message += " (a value containing ': ' must be quoted or written as a '>-' block)"
    return Problem(name, line, message)


def _read_entry(
    name: str, entry: object, line: int, index: int
) -> tuple[Term | None, list[Problem]]:
    if not isinstance(entry, _Mapping):
        where = f"entry {index + 1} of 'terms'"
        return None, [Problem(name, line, f"{where} must be a mapping with term, definition…")]
    problems: list[Problem] = []

    def problem(key: str | None, message: str) -> None:
        line = entry.key_lines.get(key, entry.line) if key else entry.line
        problems.append(Problem(name, line, message))

    for key, line in entry.duplicates:
        problems.append(Problem(name, line, f"field '{key}' appears twice in one entry"))
    for key in entry:
        if key not in FIELDS:
            close = difflib.get_close_matches(key, FIELDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problem(key, f"unknown field '{key}'{hint}")
    label = entry.get("term") if isinstance(entry.get("term"), str) else f"entry {index + 1}"
    for key in REQUIRED:
        value = entry.get(key)
        if key not in entry or value is None:
            problem(None, f"'{label}': missing required field '{key}'")
        elif not isinstance(value, str):
            problem(key, f"'{label}': '{key}' must be text, got {_kind(value)}")
        elif not value.strip():
            problem(key, f"'{label}': '{key}' is empty")
    acronyms = _string_list(entry, "acronym", label, problem, allow_single=True)
    aliases = _string_list(entry, "aliases", label, problem, allow_single=False)
    related = _string_list(entry, "related", label, problem, allow_single=False)
    for alias in {a for a in aliases if aliases.count(a) > 1}:
        problem("aliases", f"'{label}': alias '{alias}' is listed twice")
    for acronym in acronyms:
        if acronym != acronym.upper() or " " in acronym:
            problem("acronym", f"'{label}': acronym '{acronym}' must be one word in capitals")
    auto_expand = entry.get("auto_expand", True)
    if not isinstance(auto_expand, bool):
        problem("auto_expand", f"'{label}': 'auto_expand' must be true or false")
    if problems:
        return None, problems
    return (
        Term(
            term=_clean(entry["term"]),
            category=_clean(entry["category"]),
            definition=" ".join(entry["definition"].split()),
            acronyms=tuple(acronyms),
            aliases=tuple(_clean(a) for a in aliases),
            related=tuple(_clean(r) for r in related),
            auto_expand=auto_expand,
            source=name,
            line=entry.line,
        ),
        [],
    )


def _string_list(
    entry: _Mapping, key: str, label: object, problem: Any, *, allow_single: bool
) -> list[str]:
    value = entry.get(key)
    if value is None:
        return []
    if allow_single and isinstance(value, str):
        value = [value]
    what = "text or a list of text" if allow_single else "a list of text"
    if not isinstance(value, list):
        problem(key, f"'{label}': '{key}' must be {what}, got {_kind(value)}")
        return []
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        problem(key, f"'{label}': every item of '{key}' must be non-empty text")
        return []
    return [str(v).strip() for v in value]


def _cross_check(terms: list[Term], broken: Sequence[str] = ()) -> list[Problem]:
    """Problems that span entries: duplicates, colliding aliases, unknown related terms.

    Names, aliases and acronyms are compared folded (case, hyphens, spaces, punctuation).
    A term may repeat its own name as an alias (harmless); two terms may share an acronym on
    purpose (PRM); any other shared form would make lookups ambiguous by accident.
    """
    problems: list[Problem] = []
    claims: dict[str, list[tuple[Term, str, str]]] = {}
    for term in terms:
        forms = [(term.term, "name")]
        forms += [(alias, "alias") for alias in term.aliases]
        forms += [(acronym, "acronym") for acronym in term.acronyms]
        for form, kind in forms:
            claimants = claims.setdefault(fold(form), [])
            if all(owner is not term for owner, _, _ in claimants):
                claimants.append((term, kind, form))
    for claimants in claims.values():
        first_term, first_kind, first_form = claimants[0]
        if all(kind == "acronym" for _, kind, _ in claimants):
            continue
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
    by_name = {fold(t.term): t for t in reversed(terms)}
    reported_elsewhere = {fold(name) for name in broken}
    for term in terms:
        for name in term.related:
            target = by_name.get(fold(name))
            if target is None and fold(name) in reported_elsewhere:
                continue  # that entry's own problems are already reported
            if target is None:
                close = difflib.get_close_matches(name, [t.term for t in terms], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                message = f"'{term.term}': related term '{name}' is not in the glossary{hint}"
                problems.append(Problem(term.source, term.line, message))
            elif target is term:
                message = f"'{term.term}': a term cannot be related to itself"
                problems.append(Problem(term.source, term.line, message))
    return problems


def _clean(text: str) -> str:
    """Collapse whitespace (including non-breaking spaces) in a one-line value."""
    return " ".join(text.replace("\u00a0", " ").split())


def _kind(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list", str: "text"}
    for kind, label in {**names, dict: "a mapping"}.items():
        if isinstance(value, kind):
            return label
    return type(value).__name__


def iter_problems(problems: Iterable[Problem]) -> Iterable[str]:
    """Problems sorted by file and line, as the lines ``check`` prints."""
    return (str(p) for p in sorted(problems, key=lambda p: (p.file, p.line, p.message)))
