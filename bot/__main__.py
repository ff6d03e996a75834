"""``python -m bot``: the command line. Wiring only; the work is in bot.cli and bot.slack.

Without a command it runs the bot: Socket Mode when Slack tokens are configured, otherwise the
offline console with a short note on how to connect to Slack.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot import cli
from bot.config import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("check", help="validate the glossary and report every problem")
    p.add_argument("path", nargs="?", type=Path, help="glossary file or folder (GLOSSARY_PATH)")
    for name, what in (
        ("define", "look a term up"),
        ("scan", "list the terms the bot would explain in a message"),
        ("search", "full-text search over the glossary"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("words", nargs="*", help="the query or message (scan: stdin if omitted)")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--json", action="store_const", const="json", dest="mode")
        mode.add_argument(
            "--jsonl", action="store_const", const="jsonl", dest="mode", help="one JSON per line"
        )
        p.add_argument("--glossary", type=Path, help="glossary file or folder")
        if name == "scan":
            p.add_argument("--all", action="store_true", help="include auto_expand: false terms")
        if name == "search":
            p.add_argument("--limit", type=int, default=10)
    sub.add_parser("console", help="try the bot offline in the terminal")
    sub.add_parser("socket", help="connect to Slack with Socket Mode")
    p = sub.add_parser("serve", help="serve Slack's HTTP requests (production)")
    p.add_argument("--port", type=int, help="port (default: PORT, else 3000)")
    p.add_argument("--workers", type=int, default=None, help="gunicorn worker processes")
    return parser


def _term_command(args: argparse.Namespace, settings: Settings) -> int:
    path = args.glossary or settings.glossary_path
    glossary = cli.load(path, sys.stderr, settings.cache_dir)
    if glossary is None:
        return cli.EXIT_PROBLEM
    mode = args.mode or "text"
    text = " ".join(args.words)
    if mode == "jsonl":
        field = "text" if args.command == "scan" else "query"

        def answer(value: str) -> dict[str, object]:
            return cli.as_json(glossary, args.command, value)

        return cli.jsonl(sys.stdin, field, answer, sys.stdout)
    if args.command == "scan":
        message = text if args.words else cli.read_stdin()
        return cli.scan(glossary, message, mode, args.all, sys.stdout)
    if not text.strip():
        print(f"usage: python -m bot {args.command} WORDS", file=sys.stderr)
        return cli.EXIT_USAGE
    if args.command == "define":
        return cli.define(glossary, text, mode, sys.stdout)
    return cli.search(glossary, text, mode, args.limit, sys.stdout)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return cli.EXIT_USAGE
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    command = args.command
    if command == "check":
        return cli.check(args.path or settings.glossary_path, sys.stdout)
    if command in ("define", "scan", "search"):
        return _term_command(args, settings)
    from bot.slack import runner  # Slack libraries load only for the Slack commands

    if command == "serve":
        return runner.serve(settings, port=args.port, workers=args.workers)
    modes = {"socket": runner.socket, "console": runner.console}
    return modes.get(command, runner.default)(settings)


def run() -> int:
    """``main`` with the output closed early handled quietly (``python -m bot define x | head``)."""
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(run())
