"""The argparse side of ``import``, ``export``, ``misses`` and ``suggestions``.

``bot.__main__`` calls ``add_parsers`` while building its parser and ``run`` for these
commands, so the wiring there stays two lines. The house rules of ``python -m bot`` hold:
every refusal is one line on stderr and exit 2 (a missing or unreadable file, an output that
exists without ``--force``, a flag that would be ignored); problems in the data are
``FILE:row: message`` lines on stderr and exit 1; results go to stdout or ``--out``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.config import Settings
from bot.portable import exporter, tables
from bot.terms.loader import GlossaryError, iter_problems, load_glossary, read_glossary
from bot.terms.model import Term
from bot.terms.text import fold

if TYPE_CHECKING:
    from bot.store.base import Store

COMMANDS = ("import", "export", "misses", "suggestions")
EXIT_PROBLEM, EXIT_USAGE = 1, 2
STATUSES = ("waiting", "approved", "rejected")
"""bot.store's SUGGESTION_STATUSES, spelled out: importing bot.store here would load the
database libraries for every command (tests/portable pins that they are equal)."""
_EXPORT_SUFFIXES = {".csv": "csv", ".json": "json", ".md": "markdown", ".html": "html"}
_EXPORT_SUFFIXES[".htm"] = "html"


def add_parsers(sub: Any, whole: Callable[[int, int | None, str], Callable[[str], int]]) -> None:
    """Add the four subcommands; ``whole`` is ``bot.__main__._bounded`` (ranged integers)."""
    p = sub.add_parser("import", help="turn a CSV/TSV/JSON export into glossary YAML")
    p.add_argument("file", type=Path, metavar="FILE", help="the spreadsheet or JSON export")
    p.add_argument("--format", choices=tables.FORMATS, help="default: from FILE's extension")
    p.add_argument(
        "--allow-new-categories",
        action="store_true",
        help="accept categories the glossary does not have yet",
    )
    _output(p, "the YAML")
    p = sub.add_parser("export", help="the glossary as CSV, JSON, Markdown or HTML")
    p.add_argument(
        "--format", choices=exporter.FORMATS, help="default: from --out's extension, else markdown"
    )
    p.add_argument(
        "--audience",
        choices=("internal", "partner"),
        default="internal",
        help="partner: only what partners may read (default: everything)",
    )
    _output(p, "the export")
    p = sub.add_parser("misses", help="the top lookups that found nothing, every workspace")
    p.add_argument("--since", type=whole(1, 3650, "days"), default=30, metavar="DAYS")
    p.add_argument("--limit", type=whole(1, 1000, "a whole number"), default=20, metavar="N")
    p.add_argument("--yaml", action="store_true", help="glossary stubs to fill in and paste")
    p = sub.add_parser("suggestions", help="the terms suggested from Slack")
    p.add_argument("--status", choices=STATUSES, help="default: every status")
    p.add_argument("--yaml", action="store_true", help="one glossary document `check` accepts")


def _output(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--out", type=Path, metavar="PATH", help=f"write {what} here (default: stdout)")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    p.add_argument("--glossary", type=Path, help="glossary file or folder (GLOSSARY_PATH)")


def refuse(command: str, message: str) -> NoReturn:
    """One line on stderr and exit 2, as every refusal of ``python -m bot``."""
    prog = f"python -m bot {command}"
    print(f"{prog}: {message} (see `{prog} --help`)", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one of ``COMMANDS``."""
    if args.command in ("import", "export"):
        if args.force and args.out is None:
            refuse(args.command, "--force only applies with --out")
        if args.out is not None:
            _check_out(args.command, args.out, args.force)
        glossary = args.glossary or settings.glossary_path
        if args.command == "import":
            return _import(args, glossary)
        return _export(args, glossary, settings.cache_dir)
    from bot.portable import maintainers  # the store's types load only for these two

    if args.command == "misses":
        categories: list[str] = []
        if args.yaml:  # named in the stubs' header, to pick from
            categories = sorted({t.category for t in read_glossary(settings.glossary_path)[0]})

        def misses(store: Store) -> int:
            return maintainers.print_misses(
                store,
                sys.stdout,
                since_days=args.since,
                limit=args.limit,
                now=time.time(),
                as_yaml=args.yaml,
                categories=categories,
            )

        return _with_store(settings, misses)

    def suggestions(store: Store) -> int:
        return maintainers.print_suggestions(
            store, sys.stdout, sys.stderr, status=args.status, as_yaml=args.yaml
        )

    return _with_store(settings, suggestions)


def _import(args: argparse.Namespace, glossary: Path) -> int:
    name = str(args.file)
    fmt = args.format or tables.format_of(name)
    if fmt is None:
        refuse("import", f"cannot tell the format of {name}; give --format csv, tsv or json")
    known = read_glossary(glossary)[0]
    existing = {fold(t.term): f"{t.source}:{t.line}" for t in known}
    categories: set[str] | None = None
    if not args.allow_new_categories:
        categories = {t.category for t in known}
        if not categories:
            refuse(
                "import",
                f"no glossary at {glossary} to take categories from; give "
                "--glossary PATH or --allow-new-categories",
            )
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        refuse("import", f"cannot read {name}: {exc.strerror or exc}")
    try:
        table = tables.read_table(data, fmt)
    except tables.TableError as exc:
        print(f"{name}:{exc.line}: {exc.message}", file=sys.stderr)
        return EXIT_PROBLEM
    from bot.portable.importer import convert  # the YAML writer loads only for import

    header = f"Imported from {args.file.name} by `python -m bot import`."
    result = convert(table, categories, header, existing)
    for row, note in result.notes:
        print(f"{name}:{row}: note: {note}", file=sys.stderr)
    for row, message in result.problems:
        print(f"{name}:{row}: {message}", file=sys.stderr)
    if result.problems:
        count = len(result.problems)
        print(f"{count} problem(s) in {name}; nothing written", file=sys.stderr)
        return EXIT_PROBLEM
    _emit(result.yaml, args.out, "import")
    where = f" into {args.out}" if args.out else ""
    print(f"imported {result.count} term(s) from {name}{where}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, glossary: Path, cache_dir: Path | None) -> int:
    fmt = args.format
    if fmt is None:
        suffix = args.out.suffix.casefold() if args.out else ""
        fmt = _EXPORT_SUFFIXES.get(suffix, "markdown")
    try:
        terms: list[Term] = load_glossary(glossary, cache_dir)
    except GlossaryError as exc:
        for line in iter_problems(exc.problems):
            print(line, file=sys.stderr)
        print(
            f"The glossary has {len(exc.problems)} problem(s); run `python -m bot check`.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    text = exporter.WRITERS[fmt](terms, args.audience == "partner")
    # A byte-order mark tells Excel the file is UTF-8 (``import`` reads it either way).
    _emit("\ufeff" + text if fmt == "csv" and args.out else text, args.out, "export")
    return 0


def _check_out(command: str, out: Path, force: bool) -> None:
    """Refuse before any work an ``--out`` that cannot be written: caught after an import's
    checks, it would cost the user a second run to learn it."""
    if out.is_dir():
        refuse(command, f"{out} is a folder; give the name of a file in it")
    if out.exists() and not force:
        refuse(command, f"{out} exists; pass --force to overwrite it")
    folder = out.parent if str(out.parent) else Path()
    if not folder.is_dir():
        refuse(command, f"cannot write {out}: there is no folder {folder}")


def _emit(text: str, out: Path | None, command: str) -> None:
    """Print ``text``, or write it to ``out`` whole or not at all (a temp file, renamed)."""
    if out is None:
        sys.stdout.write(text)
        return
    folder = out.parent if str(out.parent) else Path()
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        refuse(command, f"cannot write {out}: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _with_store(settings: Settings, work: Callable[[Store], int]) -> int:
    """Open the store once, with no retries: the server waits for a database that starts with
    it (bot.slack.bootstrap), but a person at a terminal wants one line and exit 2 at once."""
    from bot.slack.bootstrap import make_store  # the database libraries load only here
    from bot.store.base import StoreError

    try:
        store = make_store(settings)
    except StoreError as exc:
        print(f"Cannot read the store (DATABASE_URL): {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        health = store.health()
        if not health.ok:
            print(f"Cannot read the store (DATABASE_URL): {health.detail}", file=sys.stderr)
            return EXIT_USAGE
        return work(store)
    except StoreError as exc:
        print(f"Cannot read the store (DATABASE_URL): {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
