"""http_worker: when a buffered request is whole, and the gunicorn options it contributes.

Pinned down: ``inspect_request`` (gunicorn's own parser over what the poller buffered) waits for
the whole head and Content-Length bytes of body; hands over at once what the app answers
without a body (too large, chunked) and what gunicorn refuses (a malformed head); and says when
a client waits for ``100 Continue``. ``gunicorn_options`` is a configuration gunicorn accepts,
with keep-alive and thread counts that draw no warning. The worker itself runs in
tests/slack/e2e/test_slow_clients.py.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config

from bot.config import load_settings
from bot.slack.http_worker import (
    MAX_BODY,
    MAX_HEAD,
    Arrival,
    SlowClientWorker,
    gunicorn_options,
    inspect_request,
)

HEAD = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"


def post(body: bytes, length: int | None = None, extra: bytes = b"") -> bytes:
    size = len(body) if length is None else length
    return HEAD + b"Content-Length: %d\r\n" % size + extra + b"\r\n" + body


def inspect(data: bytes) -> Arrival:
    return inspect_request(Config(), data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", Arrival("partial")),
        (HEAD, Arrival("partial")),
        (post(b"")[:-1], Arrival("partial")),
        (post(b'{"type":', 500), Arrival("partial", 95 + 500)),
        (post(b'{"a": 1}'), Arrival("whole", 101)),
        (b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n", Arrival("whole", 36)),
        (post(b"x" * 10, 20, b"Expect: 100-continue\r\n"), Arrival("partial", 116 + 20, True)),
        (post(b"", MAX_BODY), Arrival("partial", 99 + MAX_BODY)),
        (post(b"", MAX_BODY + 1), Arrival("head_only")),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Arrival("head_only")),
        (b"GARBAGE\r\n\r\n", Arrival("whole")),
        (HEAD + b"Content-Length: 12abc\r\n\r\n", Arrival("whole")),
        (HEAD + b"X-Pad: " + b"a" * MAX_HEAD, Arrival("head_only")),
        (HEAD + b"X-Pad: " + b"a" * (MAX_HEAD - len(HEAD) - 7), Arrival("partial")),
    ],
    ids=[
        "nothing", "head-unfinished", "head-one-byte-short", "body-partial", "whole-post",
        "whole-get", "expects-continue", "one-mib-partial", "over-one-mib", "chunked",
        "garbage", "bad-length", "head-over-limit", "head-at-limit",
    ],
)  # fmt: skip
def test_inspect_request(data: bytes, expected: Arrival) -> None:
    """Sizes: a 72-byte head start, plus Content-Length's line and the blank line."""
    assert inspect(data) == expected


def test_pipelined_requests_are_measured_one_at_a_time() -> None:
    first, second = post(b'{"a": 1}'), post(b'{"b": 22}')
    assert inspect(first + second[:10]) == Arrival("whole", len(first))
    assert inspect_request(Config(), second, req_number=2) == Arrival("whole", len(second))


def settings(**env: str) -> Any:
    return load_settings({"SLACK_SIGNING_SECRET": "s", **env}, dotenv_path=None)


def test_gunicorn_options() -> None:
    options = gunicorn_options(
        settings(HOST="127.0.0.1", PORT="3100", WEB_CONCURRENCY="3", REQUEST_TIMEOUT_S="2.5")
    )
    worker = options.pop("worker_class")
    assert options == {
        "bind": "127.0.0.1:3100",
        "workers": 3,
        "threads": 8,
        "worker_connections": 256,
        "keepalive": 75,
        "timeout": 30,
        "graceful_timeout": 25,
        "accesslog": None,
    }
    assert issubclass(worker, SlowClientWorker)
    assert worker.request_timeout_s == 2.5
    assert SlowClientWorker.request_timeout_s == 10.0  # the default class is untouched


def test_ipv6_hosts_are_bracketed_and_grace_rounds_up() -> None:
    options = gunicorn_options(settings(HOST="::", PORT="3000", SHUTDOWN_GRACE_S="7.2"))
    assert (options["bind"], options["graceful_timeout"]) == ("[::]:3000", 13)


def test_gunicorn_accepts_the_options_without_a_keepalive_warning(tmp_path: Path) -> None:
    cfg = Config()
    for key, value in gunicorn_options(settings(REQUEST_TIMEOUT_S="1")).items():
        cfg.set(key, value)
    assert (cfg.worker_class.request_timeout_s, cfg.keepalive) == (1.0, 75)
    warnings: list[str] = []
    log = logging.getLogger("test_http_worker")
    log.warning = lambda msg, *args: warnings.append(msg % args)  # type: ignore[method-assign]
    cfg.worker_class.check_config(cfg, log)
    assert warnings == []
