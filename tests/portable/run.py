"""``python -m bot …`` as a real subprocess, for the tests of the portable commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import _parser
from bot.config import load_settings
from bot.portable import commands as portable

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "glossary"


def bot(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``python -m bot ARGS``; never a traceback."""
    environ = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "DATA_DIR": str(cwd)}
    environ |= {"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    environ |= {"GLOSSARY_PATH": str(GLOSSARY), **env}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=environ,
        timeout=60,
    )
    assert "Traceback" not in done.stderr + done.stdout
    return done.returncode, done.stdout, done.stderr


def cli(*args: str, cwd: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The same in this process (parser and command as ``python -m bot`` wires them), for speed.

    Settings come from an explicit environment (no ``.env``, no logging set-up), relative
    paths from ``cwd``.
    """
    settings = load_settings({"GLOSSARY_PATH": str(GLOSSARY), "DATA_DIR": str(cwd)}, None)
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        parsed = _parser().parse_args(args)
        code = portable.run(parsed, settings)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        os.chdir(previous)
    out, err = capsys.readouterr()
    return code, out, err
