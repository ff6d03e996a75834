#!/usr/bin/env python3
"""The two quick-start commands: ``python3 dev.py run`` and ``python3 dev.py test``.

Each one prepares ``.venv`` itself (created once, reinstalled only when ``pyproject.toml``
changes), so a fresh machine needs nothing but Python 3.11 and its venv module. ``.ci/run`` calls
``python3 dev.py test`` so CI and developers run exactly the same checks.

A ``.venv`` whose python cannot run pip (made where ``ensurepip`` was missing, e.g. Debian or
Ubuntu without ``python3-venv``, or interrupted half-way) is rebuilt, with one line saying what
to install. When the venv cannot be built at all, dev.py says so in one line and exits 1.

Ctrl-C reaches the running command directly (it shares the terminal), and dev.py waits for it
to shut down in its own way (the bot finishes what it is doing), runs nothing after it, prints
no traceback and exits 130, the shell's code for "interrupted".
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
EXIT_INTERRUPTED = 130
CHECKS = (
    ("ruff", ("-m", "ruff", "check", "bot", "tests", "bench", "dev.py")),
    ("mypy", ("-m", "mypy")),
    ("pytest", ("-m", "pytest")),
)


class SetupError(Exception):
    """The venv cannot be prepared; the message is one line saying what to do."""


def python_of(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_package(version: tuple[int, ...] = sys.version_info[:2]) -> str:
    """The Debian/Ubuntu package that provides ``ensurepip`` for this Python."""
    return f"python{version[0]}.{version[1]}-venv"


def pip_works(python: Path) -> bool:
    """Whether ``python -m pip`` runs: a venv made without ``ensurepip`` has python but no pip."""
    try:
        done = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True)
    except OSError:  # missing, or not an executable
        return False
    return done.returncode == 0


def create_venv(venv_dir: Path) -> None:
    """A fresh venv with pip; ``clear`` drops leftovers such as a link to a removed Python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)


def prepare_venv(venv_dir: Path, create: Callable[[Path], None] = create_venv) -> Path:
    """A venv at ``venv_dir`` whose pip works, rebuilt if it is half-made; its python."""
    python = python_of(venv_dir)
    if python.exists() and not pip_works(python):
        print(
            f"dev.py: {venv_dir.name} has no pip (made without ensurepip: on Debian/Ubuntu "
            f"`apt-get install python3-venv` or {venv_package()}); rebuilding it …",
            flush=True,
        )
        try:
            shutil.rmtree(venv_dir)
        except OSError as exc:
            raise SetupError(f"cannot remove {venv_dir.name} to rebuild it: {exc}") from None
    if python.exists():
        return python
    print(f"dev.py: creating {venv_dir.name} …", flush=True)
    try:
        create(venv_dir)
    except OSError as exc:  # no permission, disk full: nothing to install would help
        raise SetupError(f"cannot create {venv_dir.name}: {exc}") from None
    except subprocess.CalledProcessError:
        pass  # ensurepip failed (Debian's is a stub): reported just below, as when it is absent
    if not pip_works(python):
        shutil.rmtree(venv_dir, ignore_errors=True)
        raise SetupError(
            f"cannot create {venv_dir.name}: this Python has no working ensurepip; on "
            f"Debian/Ubuntu `sudo apt-get install python3-venv` (or {venv_package()}), "
            "then run again"
        )
    return python


def install(python: Path, project: Path, stamp: Path) -> None:
    """Install the project with its dev extra, unless ``pyproject.toml`` is unchanged since."""
    digest = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("dev.py: installing dependencies …", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if subprocess.run([*pip, "-e", f"{project}[dev]"], cwd=project).returncode != 0:
        raise SetupError("installing the dependencies failed (pip's messages are above)")
    stamp.write_text(digest)


def run(python: Path, *args: str) -> int:
    """Run ``python ARGS`` in the project and wait for it, even through Ctrl-C.

    The child gets the terminal's SIGINT itself; dev.py only notes it (so the child is never
    killed mid-shutdown), then raises KeyboardInterrupt once the child has exited. The note
    handler is set before the child starts: a caught signal reverts to default across exec, so
    the child still turns Ctrl-C into its own KeyboardInterrupt.
    """
    interrupted = False

    def note(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True

    previous = signal.signal(signal.SIGINT, note)
    try:
        with subprocess.Popen([str(python), *args], cwd=ROOT) as child:
            code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt
    return code


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command not in {"run", "test"}:
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is
        print(f"dev.py: Python 3.11 or newer is required (this is {sys.version.split()[0]})")
        return 1
    try:
        python = prepare_venv(VENV)
        install(python, ROOT, VENV / ".installed")
        if command == "run":
            return run(python, "-m", "bot", *argv[1:])
        return check(python, argv[1:])
    except SetupError as exc:
        print(f"dev.py: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def check(python: Path, pytest_args: list[str]) -> int:
    """Every check, each run even when an earlier one failed; 1 if any failed."""
    failed = []
    for name, args in CHECKS:
        extra = pytest_args if name == "pytest" else []
        if run(python, *args, *extra) != 0:
            failed.append(name)
    if failed:
        print(f"dev.py: failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
