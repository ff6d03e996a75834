"""``python -m bot`` refusing what it cannot do: one line on stderr, a known exit code.

Every usage error (an unknown or contradictory flag, a value out of range, WORDS given to
``--jsonl``) and every configuration error is one line and exit 2 (stdout empty), ``--help``
lists the exit codes, and Ctrl-C ends quietly with 130. Output contracts are in test_cli.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.test_cli import ROOT, bot


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["define"], "python -m bot define: give WORDS, or --jsonl to read one JSON object per "
         "stdin line (see `python -m bot define --help`)"),
        (["define", "--jsonl", "EQL"], "python -m bot define: --jsonl reads its input from stdin, "
         "one JSON object per line; drop WORDS (see `python -m bot define --help`)"),
        (["scan", "--jsonl", "our VARs"], "python -m bot scan: --jsonl reads its input from stdin, "
         "one JSON object per line; drop WORDS (see `python -m bot scan --help`)"),
        (["search", " "], "python -m bot search: give WORDS, or --jsonl to read one JSON object "
         "per stdin line (see `python -m bot search --help`)"),
        (["define", "--all", "agent"], "python -m bot define: unrecognized arguments: --all "
         "(see `python -m bot define --help`)"),
        (["scan", "--limit", "2", "EQL"], "python -m bot scan: unrecognized arguments: --limit "
         "(see `python -m bot scan --help`)"),
        (["check", "--json"], "python -m bot check: unrecognized arguments: --json "
         "(see `python -m bot check --help`)"),
        (["define", "--json", "--jsonl"], "python -m bot define: argument --jsonl: not allowed "
         "with argument --json (see `python -m bot define --help`)"),
        (["search", "--limit", "0", "x"], "python -m bot search: argument --limit: expected a "
         "whole number of at least 1, not '0' (see `python -m bot search --help`)"),
        (["serve", "--port", "99999"], "python -m bot serve: argument --port: expected a port "
         "from 1 to 65535, not '99999' (see `python -m bot serve --help`)"),
        (["serve", "--port", "http"], "python -m bot serve: argument --port: expected a port "
         "from 1 to 65535, not 'http' (see `python -m bot serve --help`)"),
        (["serve", "--workers", "0"], "python -m bot serve: argument --workers: expected a "
         "worker count from 1 to 64, not '0' (see `python -m bot serve --help`)"),
        (["serve", "--verbose"], "python -m bot serve: unrecognized arguments: --verbose "
         "(see `python -m bot serve --help`)"),
        (["srve"], "python -m bot: argument COMMAND: invalid choice: 'srve' (choose from "
         "'check', 'define', 'scan', 'search', 'console', 'migrate', 'purge', 'socket', 'serve', "
         "'import', 'export', 'misses', 'suggestions') "
         "(see `python -m bot --help`)"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    assert bot(*args) == (2, "", message + "\n")


def test_a_configuration_error_is_one_line_and_exit_2() -> None:
    assert bot("define", "EQL", PORT="0") == (
        2,
        "",
        "Configuration error: PORT must be a whole number from 1 to 65535, got '0'\n",
    )


def test_help_lists_the_exit_codes() -> None:
    code, out, _ = bot("--help")
    assert (code, out[out.index("exit codes:") :]) == (
        0,
        "exit codes:\n"
        "  0    success (define, search: answered; check: the glossary is valid)\n"
        "  1    no answer (define: no entry, search: no hit); check: the glossary has problems\n"
        "       (check --stale --strict: overdue or ownerless terms); import: bad rows (nothing "
        "written)\n"
        "  2    could not run: a usage error, a configuration error, a glossary that does not "
        "load,\n"
        "       or the bot could not start\n"
        "  130  interrupted (Ctrl-C)\n",
    )


def test_ctrl_c_ends_quietly_with_130() -> None:
    """Interrupted once ``--jsonl`` has answered a line, i.e. while it waits for the next one."""
    environ = os.environ | {"PYTHONPATH": str(ROOT), "GLOSSARY_PATH": str(ROOT / "glossary")}
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "scan", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=environ,
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        process.stdin.write('{"text": "EQL"}\n')
        process.stdin.flush()
        first = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
        assert (first, process.stdout.read(), process.stderr.read()) == (
            '{"matches": [{"term": "Ecosystem Qualified Lead", "text": "EQL", "start": 0, '
            '"end": 3}]}\n',
            "",
            "",
        )
