"""bot.logs: JSON/text lines with secrets redacted, gunicorn through the same handler, Throttled."""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from bot import logs
from bot.logs import JsonFormatter, LogHandler, Throttled, configure, redact
from bot.slack.app import make_client
from tests.fakes import Clock
from tests.standin.web_api import FakeSlackWebAPI

ROOT = Path(__file__).resolve().parent.parent
TOKENS = ("xoxb-1111-2222-abcdef", "xapp-1-A0B-3333-fedcba", "s3cr3t-signing", "hunter2")


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """Root configured by ``configure`` into a buffer; our handler removed afterwards."""
    root = logging.getLogger()
    level = root.level
    tested = {name: logging.getLogger(name).level for name in logs.LEVEL_TESTED}
    stream = io.StringIO()
    yield stream
    for handler in [h for h in root.handlers if isinstance(h, LogHandler)]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, old in tested.items():
        logging.getLogger(name).setLevel(old)
    logging.captureWarnings(False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token=xoxb-1111-2222-abcdef", "token=[redacted]"),
        ("posting with xoxb-1111-2222-abcdef now", "posting with xoxb-[redacted] now"),
        ("app xapp-1-A0B-3333-fedcba", "app xapp-[redacted]"),
        (
            "user xoxp-1-2-3, refresh xoxe.xoxp-1-9",
            "user xoxp-[redacted], refresh xoxe.xoxp-[redacted]",
        ),
        ("X-Slack-Signature: v0=" + "a1" * 32, "X-Slack-Signature: [redacted]"),
        ("computed v0=" + "b2" * 32 + " mismatch", "computed v0=[redacted] mismatch"),
        ("signature=v0=abc&ts=1", "signature=[redacted]&ts=1"),
        ("SLACK_SIGNING_SECRET=s3cr3t-signing next", "SLACK_SIGNING_SECRET=[redacted] next"),
        ("{'client_secret': 'hunter2'}", "{'client_secret': '[redacted]'}"),
        ("Authorization: Bearer xoxb-1111", "Authorization: Bearer [redacted]"),
        ("postgresql://bot:hunter2@db:5432/bot", "postgresql://bot:[redacted]@db:5432/bot"),
        ('{"m": "secret=\\"hunter2\\""}', '{"m": "secret=\\"[redacted]\\""}'),
        ("event tokens_revoked: ok, token_count=3", "event tokens_revoked: ok, token_count=3"),
        ("signature verification failed", "signature verification failed"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_json_lines_parse_and_hold_no_secret(configured: io.StringIO) -> None:
    configure("INFO", "json", stream=configured)
    log = logging.getLogger("bot.test")
    log.info("posting with %s", TOKENS[0], extra={"channel": "C1", "attempt": 2})
    log.warning("socket mode app token %s rejected", TOKENS[1])
    log.debug("not shown at INFO")
    try:
        raise ValueError(f"signing_secret={TOKENS[2]} rejected")
    except ValueError:
        log.exception("signature check failed", extra={"password": TOKENS[3]})

    text = configured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert not [token for token in TOKENS if token in text]
    assert [{k: v for k, v in line.items() if k not in ("ts", "exception")} for line in lines] == [
        {
            "level": "INFO",
            "logger": "bot.test",
            "message": "posting with xoxb-[redacted]",
            "channel": "C1",
            "attempt": 2,
        },
        {
            "level": "WARNING",
            "logger": "bot.test",
            "message": "socket mode app token xapp-[redacted] rejected",
        },
        {
            "level": "ERROR",
            "logger": "bot.test",
            "message": "signature check failed",
            "password": "[redacted]",
        },
    ]
    assert lines[2]["exception"].startswith("Traceback (most recent call last):\n")
    assert lines[2]["exception"].endswith("ValueError: signing_secret=[redacted] rejected")
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"]) for line in lines
    )


def test_json_timestamp_is_utc_iso8601() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "at %s", ("epoch",), None)
    record.created = 86_400.25
    assert json.loads(JsonFormatter().format(record)) == {
        "ts": "1970-01-02T00:00:00.250Z",
        "level": "INFO",
        "logger": "bot.x",
        "message": "at epoch",
    }


def test_text_lines_are_redacted(configured: io.StringIO) -> None:
    configure("warning", "text", stream=configured)
    logging.getLogger("bot.test").info("hidden at WARNING")
    logging.getLogger("bot.test").warning("token %s", TOKENS[0])
    line = configured.getvalue()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING bot\.test: token xoxb-\[redacted\]\n", line
    )


def test_configure_twice_keeps_one_handler(configured: io.StringIO) -> None:
    configure("INFO", "text", stream=io.StringIO())
    configure("INFO", "json", stream=configured)
    ours = [h for h in logging.getLogger().handlers if isinstance(h, LogHandler)]
    logging.getLogger("bot.test").info("once")
    assert len(ours) == 1
    assert [json.loads(line)["message"] for line in configured.getvalue().splitlines()] == ["once"]


class RenderCounting(dict[str, Any]):
    """A Web API request body that counts how often it is rendered as text (for a log line)."""

    renders = 0

    def __repr__(self) -> str:
        self.renders += 1
        return super().__repr__()


@pytest.mark.parametrize(("level", "renders"), [("INFO", 0), ("DEBUG", 1)])
def test_web_api_requests_are_rendered_only_for_debug_lines(
    configured: io.StringIO, level: str, renders: int
) -> None:
    """slack_sdk renders a call's whole request for a debug line when its logger's own level is
    unset, whatever the root's; ``configure`` gives that logger LOG_LEVEL's level."""
    configure(level, "text", stream=configured)
    body = RenderCounting(channel="C1", text="hello")
    with FakeSlackWebAPI() as slack:
        answer = make_client("xoxb-1", slack.base_url).api_call("chat.postMessage", json=body)
    assert answer["ok"] is True
    assert body.renders == renders
    assert [logging.getLogger(name).level for name in logs.LEVEL_TESTED] == [
        logging.getLevelName(level)
    ] * 3


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format must be text or json, got 'xml'"):
        logs.gunicorn_logconfig("INFO", "xml")


def test_gunicorn_logs_through_our_handler(tmp_path: Path) -> None:
    """A real gunicorn with ``logconfig_dict``: its lines and the app's are JSON and redacted."""
    (tmp_path / "conf.py").write_text(
        dedent("""\
        from bot.logs import gunicorn_logconfig
        logconfig_dict = gunicorn_logconfig("INFO", "json")
        bind = "127.0.0.1:0"
        workers = 1
        control_socket_disable = True
        """)
    )
    (tmp_path / "app.py").write_text(
        dedent("""\
        import logging
        from bot.logs import LEVEL_TESTED
        logging.getLogger("app").warning("loaded with token=xoxb-1111-2222-abcdef")
        levels = [logging.getLevelName(logging.getLogger(n).level) for n in LEVEL_TESTED]
        logging.getLogger("app").warning("levels %s", levels)
        def app(environ, start_response):
            start_response("200 OK", [])
            return [b""]
        """)
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "conf.py", "app:app"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:

        def read() -> None:
            for line in proc.stderr or ():
                lines.put(line)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            while not any("loaded with" in line for line in seen):
                seen.append(lines.get(timeout=30))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            reader.join()
        out = proc.stdout.read() if proc.stdout else ""
    seen.extend(lines.queue)
    pairs = [(r["logger"], r["message"]) for r in map(json.loads, seen)]
    assert out == ""
    assert "xoxb-1111" not in "".join(seen)
    assert ("app", "loaded with token=[redacted]") in pairs
    assert ("app", "levels ['INFO', 'INFO', 'INFO']") in pairs
    assert ("gunicorn.error", "Shutting down: Master") in pairs
    assert len([m for _, m in pairs if m.startswith("Booting worker with pid: ")]) == 1


# -- Throttled ----------------------------------------------------------------------------------


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records]


def test_throttled_logs_first_then_counts(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(1000.0)
    throttled = Throttled(logging.getLogger("bot.test"), interval_s=60.0, clock=clock)
    caplog.set_level(logging.WARNING, logger="bot.test")

    assert throttled.error("post", "cannot post to %s", "C1") is True
    clock.now += 10
    assert throttled.error("post", "cannot post to %s", "C2") is False
    assert throttled.warning("store", "store down") is True  # another key: its own budget
    clock.now += 30
    assert throttled.error("post", "cannot post to %s", "C3") is False
    clock.now += 20  # 60 s after the first line
    assert throttled.error("post", "cannot post to %s", "C4") is True
    clock.now += 61
    assert throttled.error("post", "cannot post to %s", "C5") is True  # nothing to summarise

    assert messages(caplog) == [
        ("ERROR", "cannot post to C1"),
        ("WARNING", "store down"),
        ("ERROR", "cannot post to C4 (and 2 more like this in the last 60s)"),
        ("ERROR", "cannot post to C5"),
    ]
    assert {r.funcName for r in caplog.records} == {"test_throttled_logs_first_then_counts"}


def test_throttled_exception_carries_the_traceback(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(1000.0)
    throttled = Throttled(logging.getLogger("bot.test"), clock=clock)
    for attempt in range(3):
        try:
            raise ConnectionError(f"attempt {attempt}")
        except ConnectionError:
            throttled.exception(("job", "explain"), "explain job failed", extra={"job": attempt})
    assert messages(caplog) == [("ERROR", "explain job failed")]
    record = caplog.records[0]
    assert record.exc_info is not None and str(record.exc_info[1]) == "attempt 0"
    assert record.__dict__["job"] == 0


def test_throttled_forgets_the_least_recent_key_beyond_its_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    throttled = Throttled(logging.getLogger("bot.test"), clock=Clock(1000.0), max_keys=2)
    for key in ("a", "b", "a", "c", "a", "b"):
        throttled.warning(key, "failure %s", key)
    # "b" was the least recently seen when "c" arrived, so it counts as new again.
    assert messages(caplog) == [
        ("WARNING", "failure a"),
        ("WARNING", "failure b"),
        ("WARNING", "failure c"),
        ("WARNING", "failure b"),
    ]


def test_throttled_counts_every_repeat_across_threads(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(1000.0)
    throttled = Throttled(logging.getLogger("bot.test"), clock=clock)
    start = threading.Barrier(8)

    def hammer() -> None:
        start.wait()
        for _ in range(500):
            throttled.error("outage", "slack unreachable")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    clock.now += 60
    throttled.error("outage", "slack unreachable")
    assert messages(caplog) == [
        ("ERROR", "slack unreachable"),
        ("ERROR", "slack unreachable (and 3999 more like this in the last 60s)"),
    ]


def test_dotted_code_names_are_not_taken_for_secret_keys() -> None:
    line = "ERROR slack_bolt.MultiTeamsAuthorization: Although the app should be installed"
    assert redact(line) == line
    assert redact("Authorization: Bearer xoxb-1-a") == "Authorization: Bearer [redacted]"
