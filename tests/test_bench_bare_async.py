"""The async bare Bolt app (bench/bare_bolt_async.py) answers what its gunicorn twin answers, so
``bench_serve --bare-async`` compares the two servers on the same work: a signed ``/define``
gets the static definition, a signed message event an empty 200, a forged signature 401."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.bare_bolt import DEFINITION
from bench.bench_serve import wait_ready
from tests.slack.e2e.harness import free_port
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq
from tests.standin.signing import SignedSender

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bare-async-secret"


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """The app on a free port, its Web API the stand-in (Bolt asks ``auth.test`` first)."""
    with FakeSlackWebAPI(lean=True) as api, _serving(api.base_url, tmp_path / "app.log") as url:
        yield url


@contextmanager
def _serving(api_url: str, log: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_bolt_async", "--port", str(port)]
    command += ["--workers", "1", "--api-url", api_url, "--secret", SECRET]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(proc, port, "/healthz", log)  # as bench_serve waits for it
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_async_bare_app_acks_as_its_gunicorn_twin_does(base_url: str) -> None:
    sender = SignedSender(base_url, SECRET)
    define = sender.command(rq.slash_command("eql"))
    assert (define.status, define.json()) == (
        200,
        {"response_type": "ephemeral", "text": DEFINITION},
    )
    event = sender.event(rq.message("what is EQL?"))
    assert (event.status, event.body) == (200, "")
    forged = sender.event(rq.message("what is EQL?"), forge=True)
    assert forged.status == 401
