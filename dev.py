#!/usr/bin/env python3
"""The two quick-start commands: ``python3 dev.py run`` and ``python3 dev.py test``.

Each one prepares ``.venv`` itself (created once, reinstalled only when ``pyproject.toml``
changes), so a fresh machine needs nothing but Python 3.11 and pip. ``.ci/run`` calls
``python3 dev.py test`` so CI and developers run exactly the same checks.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def ensure_venv() -> None:
    """Create the virtualenv and install the project with its dev extra when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is
        sys.exit(f"Python 3.11 or newer is required (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        print("dev.py: creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("dev.py: installing dependencies …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(digest)


def run(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command not in {"run", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    if command == "run":
        return run("-m", "bot", *argv[1:])
    checks = [
        ("ruff", ["-m", "ruff", "check", "bot", "tests", "bench", "dev.py"]),
        ("mypy", ["-m", "mypy"]),
        ("pytest", ["-m", "pytest", *argv[1:]]),
    ]
    failed = [name for name, args in checks if run(*args) != 0]
    if failed:
        print(f"dev.py: failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
