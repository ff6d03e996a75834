"""dev.py's decisions, without creating a real venv or installing anything.

A "python" here is a two-line shell script whose ``-m pip --version`` succeeds or fails, and
venv creation is a function passed in, so the half-made-venv repair, the one-line failures and
the Ctrl-C handling are tested in milliseconds and in a temporary folder.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import dev

PKG = dev.venv_package()
"""The package named in messages (python3.11-venv on 3.11; pinned in test_venv_package)."""


def fake_python(venv_dir: Path, *, pip: bool) -> Path:
    """A stand-in interpreter at the venv's python path: ``-m pip --version`` exits 0 or 1."""
    python = dev.python_of(venv_dir)
    python.parent.mkdir(parents=True, exist_ok=True)
    python.write_text(f"#!/bin/sh\nexit {0 if pip else 1}\n")
    python.chmod(0o755)
    return python


def creating(*, pip: bool, calls: list[Path]) -> Callable[[Path], None]:
    """A venv builder that records its calls and leaves a python with or without pip."""

    def create(venv_dir: Path) -> None:
        calls.append(venv_dir)
        fake_python(venv_dir, pip=pip)

    return create


def failing(error: Exception) -> Callable[[Path], None]:
    def create(venv_dir: Path) -> None:
        fake_python(venv_dir, pip=False)  # what EnvBuilder leaves when ensurepip fails
        raise error

    return create


def test_venv_package() -> None:
    assert dev.venv_package((3, 11)) == "python3.11-venv"
    assert dev.venv_package((3, 13)) == "python3.13-venv"


def test_pip_works(tmp_path: Path) -> None:
    assert dev.pip_works(fake_python(tmp_path / "good", pip=True)) is True
    assert dev.pip_works(fake_python(tmp_path / "bad", pip=False)) is False
    assert dev.pip_works(tmp_path / "missing" / "python") is False
    not_executable = tmp_path / "python"
    not_executable.write_text("")
    assert dev.pip_works(not_executable) is False


def test_a_working_venv_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    venv_dir = tmp_path / ".venv"
    python = fake_python(venv_dir, pip=True)
    calls: list[Path] = []
    assert dev.prepare_venv(venv_dir, creating(pip=True, calls=calls)) == python
    assert (calls, capsys.readouterr().out) == ([], "")


def test_a_venv_without_pip_is_rebuilt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    venv_dir = tmp_path / ".venv"
    fake_python(venv_dir, pip=False)
    (venv_dir / ".installed").write_text("stale")
    calls: list[Path] = []
    python = dev.prepare_venv(venv_dir, creating(pip=True, calls=calls))
    assert calls == [venv_dir]
    assert dev.pip_works(python) is True
    assert not (venv_dir / ".installed").exists()
    assert capsys.readouterr().out == (
        "dev.py: .venv has no pip (made without ensurepip: on Debian/Ubuntu `apt-get install "
        f"python3-venv` or {PKG}); rebuilding it …\n"
        "dev.py: creating .venv …\n"
    )


def test_a_missing_venv_is_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    venv_dir = tmp_path / ".venv"
    calls: list[Path] = []
    assert dev.prepare_venv(venv_dir, creating(pip=True, calls=calls)) == dev.python_of(venv_dir)
    assert (calls, capsys.readouterr().out) == ([venv_dir], "dev.py: creating .venv …\n")


NO_ENSUREPIP = (
    "cannot create .venv: this Python has no working ensurepip; on Debian/Ubuntu "
    f"`sudo apt-get install python3-venv` (or {PKG}), then run again"
)


@pytest.mark.parametrize(
    "create",
    [
        failing(subprocess.CalledProcessError(1, ["python", "-Im", "ensurepip"])),
        creating(pip=False, calls=[]),  # created "successfully", but without pip
    ],
    ids=["ensurepip fails", "no pip afterwards"],
)
def test_without_ensurepip_one_line_and_no_leftovers(
    tmp_path: Path, create: Callable[[Path], None]
) -> None:
    venv_dir = tmp_path / ".venv"
    with pytest.raises(dev.SetupError) as caught:
        dev.prepare_venv(venv_dir, create)
    assert (str(caught.value), venv_dir.exists()) == (NO_ENSUREPIP, False)


def test_an_unwritable_folder_is_named(tmp_path: Path) -> None:
    error = PermissionError(13, "Permission denied", str(tmp_path / ".venv"))
    with pytest.raises(dev.SetupError) as caught:
        dev.prepare_venv(tmp_path / ".venv", failing(error))
    assert (
        str(caught.value)
        == f"cannot create .venv: [Errno 13] Permission denied: '{tmp_path}/.venv'"
    )


def test_install_runs_pip_only_when_pyproject_changed(tmp_path: Path) -> None:
    """The fake python fails every pip call, so "no error" proves pip was not run."""
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    stamp = tmp_path / ".installed"
    stamp.write_text("the digest of an older pyproject.toml")
    python = fake_python(tmp_path / ".venv", pip=False)
    with pytest.raises(dev.SetupError) as caught:
        dev.install(python, tmp_path, stamp)
    assert str(caught.value) == "installing the dependencies failed (pip's messages are above)"
    assert stamp.read_text() == "the digest of an older pyproject.toml"
    stamp.write_text(hashlib.sha256(b"[project]\n").hexdigest())
    dev.install(python, tmp_path, stamp)


def test_run_returns_the_exit_code() -> None:
    assert dev.run(Path(sys.executable), "-c", "raise SystemExit(3)") == 3


INTERRUPTED_RUN = """\
import sys
import dev
child = "import os, signal, time; os.kill(os.getppid(), signal.SIGINT); time.sleep(1)"
child += "; print('finished')"
try:
    dev.run(sys.executable, "-c", child)
except KeyboardInterrupt:
    print("interrupted")
"""
"""dev.run on a child that sends Ctrl-C's SIGINT to dev.py (in a process of its own, so a
broken run() cannot interrupt pytest), then takes a second to finish: longer than the 0.25 s
after which subprocess.run kills a child on Ctrl-C. A correct run() passes at any speed."""


def test_ctrl_c_lets_the_child_finish_then_interrupts() -> None:
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_RUN],
        capture_output=True,
        text=True,
        cwd=dev.ROOT,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "finished\ninterrupted\n", "")


class FakeRun:
    """Records each command dev.py runs; raises KeyboardInterrupt or returns its code."""

    def __init__(self, *results: int | None) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.results = list(results)

    def __call__(self, python: Path, *args: str) -> int:
        self.calls.append(args)
        result = self.results.pop(0) if self.results else 0
        if result is None:
            raise KeyboardInterrupt
        return result


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeRun]:
    """dev.main with the venv steps skipped and ``run`` replaced by a FakeRun."""

    def install(*results: int | None) -> FakeRun:
        fake = FakeRun(*results)
        monkeypatch.setattr(dev, "prepare_venv", lambda venv_dir: Path("python"))
        monkeypatch.setattr(dev, "install", lambda python, project, stamp: None)
        monkeypatch.setattr(dev, "run", fake)
        return fake

    return install


def test_run_passes_the_arguments_to_the_bot(fake_run: Callable[..., FakeRun]) -> None:
    fake = fake_run(4)
    assert dev.main(["run", "define", "EQL"]) == 4
    assert fake.calls == [("-m", "bot", "define", "EQL")]


def test_test_runs_every_check_and_names_the_failures(
    fake_run: Callable[..., FakeRun], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = fake_run(1, 0, 1)
    assert dev.main(["test", "-x"]) == 1
    assert fake.calls == [
        ("-m", "ruff", "check", "bot", "tests", "bench", "dev.py"),
        ("-m", "mypy"),
        ("-m", "pytest", "-x"),
    ]
    assert capsys.readouterr().out == "dev.py: failed: ruff, pytest\n"


@pytest.mark.parametrize("command", [["run"], ["test"]])
def test_ctrl_c_stops_quietly_with_130(
    fake_run: Callable[..., FakeRun], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    fake = fake_run(None)
    assert dev.main(command) == 130
    assert len(fake.calls) == 1  # nothing runs after the interrupted command
    assert capsys.readouterr() == ("", "")


def test_a_setup_failure_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(venv_dir: Path) -> Path:
        raise dev.SetupError(NO_ENSUREPIP)

    monkeypatch.setattr(dev, "prepare_venv", broken)
    assert dev.main(["run"]) == 1
    assert capsys.readouterr() == ("", f"dev.py: {NO_ENSUREPIP}\n")


def test_an_unknown_command_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert dev.main(["tset"]) == 2
    assert capsys.readouterr().out == f"{dev.__doc__}\n"
