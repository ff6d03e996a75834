"""The async bare Bolt app (bench/bare_bolt_async.py) answers what its gunicorn twin answers, so
``bench_serve --bare-async`` compares the two servers on the same work: a signed ``/define``
gets the static definition, a signed message event an empty 200, an unsigned request 401."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.bare_bolt import DEFINITION
from tests.slack.e2e.harness import free_port
from tests.standin import FakeSlackWebAPI
from tests.standin import requests as rq
from tests.standin.signing import SignedSender

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bare-async-secret"


@pytest.fixture
def base_url() -> Iterator[str]:
    """The app on a free port, its Web API the stand-in (Bolt asks ``auth.test`` first)."""
    with FakeSlackWebAPI(lean=True) as api, _serving(api.base_url) as url:
        yield url


@contextmanager
def _serving(api_url: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_bolt_async", "--port", str(port)]
    command += ["--workers", "1", "--api-url", api_url, "--secret", SECRET]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()[0].decode()[-2000:]
            assert time.monotonic() < deadline, "the async bare app did not start within 30 s"
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


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
