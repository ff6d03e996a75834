"""``python -m bot``: the command line. Wiring only; the work is in bot.cli and bot.slack.

Without a command it runs the bot: Socket Mode when Slack tokens are configured, otherwise the
offline console with a short note on how to connect to Slack.

Every refusal before real work starts is one line on stderr and exit 2: argparse errors (a
parser whose ``error`` drops the usage block), flag combinations that would be ignored, and
configuration errors. The exit codes are listed in ``--help``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import NoReturn

from bot import cli, logs
from bot.config import ConfigError, Settings, load_settings
from bot.portable import commands as portable

EXIT_CODES = """\
exit codes:
  0    success (define, search: answered; check: the glossary is valid)
  1    no answer (define: no entry, search: no hit); check: the glossary has problems
       (check --stale --strict: overdue or ownerless terms); import: bad rows (nothing written)
  2    could not run: a usage error, a configuration error, a glossary that does not load,
       or the bot could not start
  130  interrupted (Ctrl-C)
"""


def _refuse(prog: str, message: str) -> NoReturn:
    """A usage error: one line naming the command, then exit 2."""
    print(f"{prog}: {message} (see `{prog} --help`)", file=sys.stderr)
    raise SystemExit(cli.EXIT_USAGE)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        _refuse(self.prog, message)


def _bounded(low: int, high: int | None, what: str) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers in [low, high], so bad values stop at once."""

    def parse(raw: str) -> int:
        try:
            value: int | None = int(raw)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"expected {what} {bound}, not {raw!r}")
        return value

    return parse


def _iso_date(raw: str) -> date:
    """An argparse ``type`` for ``--today``: exactly YYYY-MM-DD, and a real date."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(raw)
    raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {raw!r}")


def _parser() -> _Parser:
    parser = _Parser(
        prog="python -m bot",
        description="Partner Glossary Bot: run it for Slack, or look terms up in the terminal.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("check", help="validate the glossary and report every problem")
    p.add_argument("path", nargs="?", type=Path, help="glossary file or folder (GLOSSARY_PATH)")
    p.add_argument(
        "--stale", action="store_true", help="also list overdue, never-reviewed and ownerless terms"
    )
    p.add_argument(
        "--today",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the date to check reviews against (default: today)",
    )
    p.add_argument("--strict", action="store_true", help="with --stale: exit 1 if it lists any")
    for name, what, words in (
        ("define", "look a term up", "the term or question"),
        ("scan", "list the terms the bot would explain in a message", "the message (else stdin)"),
        ("search", "full-text search over the glossary", "the words to search for"),
    ):
        p = sub.add_parser(name, help=what, description=what)
        p.add_argument("words", nargs="*", metavar="WORDS", help=words)
        mode = p.add_mutually_exclusive_group()
        mode.add_argument(
            "--json", action="store_const", const="json", dest="mode", help="one JSON object"
        )
        field = "text" if name == "scan" else "query"
        mode.add_argument(
            "--jsonl",
            action="store_const",
            const="jsonl",
            dest="mode",
            help=f'read {{"{field}": …}} per stdin line, answer one JSON object per line',
        )
        p.add_argument("--glossary", type=Path, help="glossary file or folder (GLOSSARY_PATH)")
        if name == "scan":
            p.add_argument(
                "--all",
                action="store_true",
                dest="include_all",
                default=argparse.SUPPRESS,
                help="include auto_expand: false terms",
            )
        if name == "search":
            p.add_argument(
                "--limit",
                type=_bounded(1, None, "a whole number"),
                default=argparse.SUPPRESS,
                help="at most this many hits (default: 10)",
            )
    sub.add_parser("console", help="try the bot offline in the terminal")
    sub.add_parser(
        "migrate", help="bring the database schema up to date (idempotent; for a one-off job)"
    )
    p = sub.add_parser("purge", help="delete a workspace's or a person's data (erasure requests)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--team", metavar="T…", help="a workspace id: every row of that workspace")
    who.add_argument("--user", metavar="U…", help="a person's id: every lookup they made")
    sub.add_parser("socket", help="connect to Slack with Socket Mode")
    p = sub.add_parser("serve", help="serve Slack's HTTP requests (production)")
    p.add_argument("--port", type=_bounded(1, 65535, "a port"), help="default: PORT, else 3000")
    p.add_argument(
        "--workers",
        type=_bounded(1, 64, "a worker count"),
        default=None,
        help="gunicorn worker processes (default: WEB_CONCURRENCY, else 2)",
    )
    portable.add_parsers(sub, _bounded)  # import, export, misses, suggestions
    return parser


def _refuse_ignored_flags(args: argparse.Namespace) -> None:
    """Stop (exit 2) when flags contradict each other: a term command's WORDS and output
    mode, or ``check --strict`` without the ``--stale`` it applies to."""
    if args.command == "check" and args.strict and not args.stale:
        _refuse("python -m bot check", "--strict applies to --stale; add --stale")
    if args.command not in ("define", "scan", "search"):
        return
    prog = f"python -m bot {args.command}"
    if args.mode == "jsonl" and args.words:
        _refuse(prog, "--jsonl reads its input from stdin, one JSON object per line; drop WORDS")
    if args.command != "scan" and args.mode != "jsonl" and not " ".join(args.words).strip():
        _refuse(prog, "give WORDS, or --jsonl to read one JSON object per stdin line")


def _term_command(args: argparse.Namespace, settings: Settings) -> int:
    glossary = cli.load(args.glossary or settings.glossary_path, sys.stderr, settings.cache_dir)
    if glossary is None:
        return cli.EXIT_USAGE
    # Flags a command lacks (or that were not given) keep the Options defaults.
    options = cli.Options(
        **{f.name: getattr(args, f.name) for f in fields(cli.Options) if f.name in args}
    )
    if args.mode == "jsonl":
        field = "text" if args.command == "scan" else "query"

        def answer(value: str) -> dict[str, object]:
            return cli.answer(glossary, args.command, value, options).data

        return cli.jsonl(sys.stdin, field, answer, sys.stdout)
    text = " ".join(args.words) if args.words else sys.stdin.read()
    reply = cli.answer(glossary, args.command, text, options)
    return cli.respond(reply, args.mode or "text", sys.stdout)


def main(argv: list[str] | None = None) -> int:
    args, unknown = _parser().parse_known_args(argv)
    if unknown:  # named here rather than by the top parser, so the message names the command
        prog = " ".join(filter(None, ("python -m bot", args.command)))
        _refuse(prog, f"unrecognized arguments: {' '.join(unknown)}")
    _refuse_ignored_flags(args)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return cli.EXIT_USAGE
    logs.configure(settings.log_level, settings.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # our own line says what it did
    command = args.command
    if command == "check":
        path = args.path or settings.glossary_path
        return cli.check(path, sys.stdout, stale=args.stale, today=args.today, strict=args.strict)
    if command in ("define", "scan", "search"):
        return _term_command(args, settings)
    if command in portable.COMMANDS:
        return portable.run(args, settings)
    from bot.slack import runner  # Slack libraries load only for the Slack commands

    if command == "serve":
        return runner.serve(settings, port=args.port, workers=args.workers)
    if command == "purge":
        return runner.purge(settings, team=args.team, user=args.user)
    modes = {"socket": runner.socket, "console": runner.console, "migrate": runner.migrate}
    return modes.get(command, runner.default)(settings)


def run() -> int:
    """``main``, ending quietly when the output closes early (``… | head``) or on Ctrl-C."""
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(run())
