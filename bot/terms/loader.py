"""Read and validate the YAML glossary, reporting every problem with its file and line.

Partner-ops people edit these files by hand, so a mistake must come back as
``glossary/partners.yaml:42: unknown field 'defintion' (did you mean 'definition'?)`` — all of
them at once, never a traceback, and a broken glossary never starts the bot silently.
The loader (with its cache, bot.terms.cache) is the only place in the term service that touches
the file system; the rules themselves are in bot.terms.entries, the YAML reading in
bot.terms.yaml_lines. Each file is read once, and the same bytes are both hashed for the cache
and parsed, so a file edited mid-load can never be cached under the wrong digest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from bot.terms import cache
from bot.terms.cache import Source
from bot.terms.entries import FIELDS, REQUIRED, Problem, cross_check, read_file
from bot.terms.model import Term

__all__ = [
    "FIELDS",
    "GLOSSARY_SUFFIXES",
    "LOADER_VERSION",
    "REQUIRED",
    "GlossaryError",
    "Problem",
    "glossary_files",
    "iter_problems",
    "load_glossary",
    "read_glossary",
]

GLOSSARY_SUFFIXES = (".yaml", ".yml")
LOADER_VERSION = 3
"""Bump when validation or cleaning changes the terms a file yields: it voids every cache."""


class GlossaryError(Exception):
    """The glossary cannot be used; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the glossary:\n{summary}")


def glossary_files(path: Path) -> list[Path]:
    """The YAML files that make up the glossary: one file, or every YAML file in a folder."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in GLOSSARY_SUFFIXES and p.is_file())
    return [path]


def load_glossary(path: str | Path, cache_dir: Path | None = None) -> list[Term]:
    """Load and validate every glossary file under ``path``; raise GlossaryError on any problem.

    With ``cache_dir``, a glossary already validated with exactly these files is read from the
    cache there (see bot.terms.cache), and a freshly validated one is written to it.
    """
    path = Path(path)
    files, problems = _files(path)
    if problems:
        raise GlossaryError(problems)
    sources = _read_sources(files)
    readable = [s for s in sources if isinstance(s, Source)]
    names = [str(file) for file in files]
    cached = None
    if cache_dir is not None and len(readable) == len(sources):
        cached = cache.cache_file(cache_dir, path, readable, LOADER_VERSION)
        # The JSON is about as big as the YAML; anything far bigger was not written by us.
        limit = 16 * sum(source.size for source in readable) + (1 << 20)
        terms = cache.read(cached, names, limit)
        if terms is not None:
            return terms
    terms, problems = _validate(sources)
    if problems:
        raise GlossaryError(problems)
    if cached is not None:
        cache.write(cached, terms, names)
    return terms


def read_glossary(path: Path, today: date | None = None) -> tuple[list[Term], list[Problem]]:
    """Like load_glossary, but returns the problems instead of raising (for ``check``).

    Never uses a cache: ``check`` validates every file every time. ``today`` (default: the
    clock's) is the date no ``reviewed`` may be after (``check --today``).
    """
    files, problems = _files(path)
    if problems:
        return [], problems
    return _validate(_read_sources(files), today)


def _files(path: Path) -> tuple[list[Path], list[Problem]]:
    if not path.exists():
        return [], [Problem(str(path), 0, "no such file or folder")]
    files = glossary_files(path)
    if not files:
        return [], [Problem(str(path), 0, "no .yaml or .yml glossary files in this folder")]
    return files, []


def _read_sources(files: list[Path]) -> list[Source | Problem]:
    """Each file's bytes and stat, read once: the cache digest and the parse see the same bytes."""
    sources: list[Source | Problem] = []
    for file in files:
        try:
            with open(file, "rb") as stream:
                status = os.fstat(stream.fileno())
                sources.append(Source(file, stream.read(), status.st_size, status.st_mtime_ns))
        except OSError as exc:
            sources.append(Problem(str(file), 0, f"cannot read file: {exc}"))
    return sources


def _validate(
    sources: list[Source | Problem], today: date | None = None
) -> tuple[list[Term], list[Problem]]:
    terms: list[Term] = []
    problems: list[Problem] = []
    broken: list[str] = []
    for source in sources:
        if isinstance(source, Problem):
            problems.append(source)
            continue
        file_terms, file_problems = read_file(source, broken, today)
        terms.extend(file_terms)
        problems.extend(file_problems)
    problems.extend(cross_check(terms, broken))
    return terms, problems


def iter_problems(problems: Iterable[Problem]) -> Iterable[str]:
    """Problems sorted by file and line, as the lines ``check`` prints."""
    return (str(p) for p in sorted(problems, key=lambda p: (p.file, p.line, p.message)))
