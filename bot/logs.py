"""Logging set-up: text or JSON lines, secrets redacted, and repeated failures logged once.

``configure(level, fmt)`` gives the root logger one handler of ours (calling it again replaces
it, never stacks a second). Redaction happens in our formatters, on the finished line, so it
covers the message, its arguments, ``extra`` fields and tracebacks alike: Slack tokens, values
after ``secret``/``signature``/``password``/``token`` keys, bearer tokens, request signatures and
passwords in URLs. gunicorn's own loggers go through the same handler via
``gunicorn_logconfig`` (its ``logconfig_dict`` setting).

``Throttled`` is the house rule "logged once means once": an outage that fails every request
writes one line per kind of failure per interval, with a count, not one traceback per request.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = [
    "BOLT_LOGGER",
    "LEVEL_TESTED",
    "SOCKET_MODE_SDK_LOGGER",
    "WEB_API_LOGGER",
    "JsonFormatter",
    "LogHandler",
    "TextFormatter",
    "Throttled",
    "configure",
    "gunicorn_logconfig",
    "redact",
]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
BOLT_LOGGER = "bot.slack.bolt"
"""The logger the Bolt app is given (its own lines, and its middleware's)."""
SOCKET_MODE_SDK_LOGGER = "bot.slack.socket_mode.sdk"
"""The logger slack_sdk's Socket Mode client is given."""
WEB_API_LOGGER = "slack_sdk.web.base_client"
"""The logger slack_sdk's ``WebClient`` uses when given none."""
LEVEL_TESTED = (WEB_API_LOGGER, BOLT_LOGGER, SOCKET_MODE_SDK_LOGGER)
"""Loggers whose library tests ``logger.level <= DEBUG`` itself rather than asking
``isEnabledFor``. Left unset (level 0) they pass that test whatever ``LOG_LEVEL`` says: slack_sdk
then renders every Web API call's whole request (blocks, text, headers) into a debug line that
is thrown away, ~18 µs of CPU per post (``bench/bench_web_call.py``), and Bolt a line per
middleware per request. They get ``LOG_LEVEL``'s level, so the test means what it should."""
REDACTED = "[redacted]"
_SECRETS = (
    # key=value, key: value, "key": "value" (also inside a JSON string, quotes escaped) where the
    # key ends in a secret-sounding word. First, so the rules below never see half a value.
    # Values stop at quotes and backslashes: a redacted JSON line is still valid JSON. A dotted
    # name is code, not a key ("slack_bolt.MultiTeamsAuthorization: Although …").
    (
        re.compile(
            r"(?i)(?<![.\w-])([\w-]*(?:secret|signature|password|passwd|token|api[_-]?key|authorization))"
            r"((?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?(?:bearer\s+|basic\s+)?)"
            r"(?!\[redacted\])[^\s\"'\\&,;}\]]+"
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]+"), rf"\1{REDACTED}"),
    (re.compile(r"\b(xox[abeposr]-|xoxe\.xox[bp]-|xapp-)[A-Za-z0-9-]+"), rf"\1{REDACTED}"),
    (re.compile(r"\b(v0=)[0-9a-f]{16,}"), rf"\1{REDACTED}"),
    (re.compile(r"\b([a-z][a-z0-9+.-]*://[^:/\s@\"]*:)[^@\s/\"]+@"), rf"\1{REDACTED}@"),
)
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


def redact(text: str) -> str:
    """``text`` with every secret-looking value replaced by ``[redacted]``."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class TextFormatter(logging.Formatter):
    """``2026-11-30 21:25:00,123 ERROR bot.slack.jobs: message``, redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the ``extra`` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line: dict[str, Any] = {
            "ts": ts.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS:
                line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(line, ensure_ascii=False, default=str))


class LogHandler(logging.StreamHandler[TextIO]):
    """The bot's handler (a class of its own so ``configure`` can find and replace it)."""


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter()
    if fmt == "text":
        return TextFormatter()
    raise ValueError(f"log format must be text or json, got {fmt!r}")


def configure(level: str, fmt: str, stream: TextIO | None = None) -> None:
    """Send every log record to ``stream`` (default stderr) as ``fmt`` ("text" or "json").

    Idempotent: our previous handler is replaced, other handlers (pytest's) are left alone.
    Python warnings are logged too, so they come out in the same format.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, LogHandler)]:
        root.removeHandler(old)
        old.close()
    handler = LogHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(_formatter(fmt))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in LEVEL_TESTED:
        logging.getLogger(name).setLevel(level.upper())
    logging.captureWarnings(True)


def gunicorn_logconfig(level: str, fmt: str, *, access_log: bool = False) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: root and gunicorn's loggers through our handler.

    gunicorn applies it with ``dictConfig`` in the master (workers inherit it), replacing the
    root handlers, so the app's own records come out the same way. ``access_log=False`` keeps
    gunicorn's access lines out (the WSGI app writes its own access log).
    """
    _formatter(fmt)  # validate now, not inside gunicorn
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"bot": {"()": _formatter, "fmt": fmt}},
        "handlers": {"bot": {"()": LogHandler, "formatter": "bot", "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["bot"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {
                "level": "INFO" if access_log else "WARNING",
                "handlers": [],
                "propagate": True,
            },
            **{
                name: {"level": level.upper(), "handlers": [], "propagate": True}
                for name in LEVEL_TESTED
            },
        },
    }


class Throttled:
    """Log a failure the first time, then at most once per ``interval_s`` per key, with a count.

    ``key`` names the kind of failure ("enqueue", ("job", kind)…). A repeat within the interval
    is only counted; the first line after it says ``(and N more like this in the last Ns)``.
    At most ``max_keys`` kinds are remembered (least recently seen dropped), so keys built from
    data cannot grow memory. Thread-safe; the logging itself happens outside the lock.
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 1000,
    ) -> None:
        self.logger = logger
        self.interval_s = interval_s
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._seen: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()
        """key → (when it was last logged, repeats counted since)."""

    def warning(self, key: Hashable, msg: str, *args: object, **kw: Any) -> bool:
        return self._log(logging.WARNING, key, msg, args, kw)

    def error(self, key: Hashable, msg: str, *args: object, **kw: Any) -> bool:
        return self._log(logging.ERROR, key, msg, args, kw)

    def exception(self, key: Hashable, msg: str, *args: object, **kw: Any) -> bool:
        """Like ``error`` with the traceback of the exception being handled (when logged)."""
        return self._log(logging.ERROR, key, msg, args, {"exc_info": True, **kw})

    def _log(
        self, level: int, key: Hashable, msg: str, args: tuple[object, ...], kw: dict[str, Any]
    ) -> bool:
        """Log or count; True if a line was written. ``kw`` is ``extra``/``exc_info``…"""
        now = self._clock()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last[0] < self.interval_s:
                self._seen[key] = (last[0], last[1] + 1)
                self._seen.move_to_end(key)
                return False
            self._seen[key] = (now, 0)
            self._seen.move_to_end(key)
            while len(self._seen) > self._max_keys:
                self._seen.popitem(last=False)
        if last is not None and last[1]:
            msg = f"{msg} (and {last[1]} more like this in the last {now - last[0]:.0f}s)"
        self.logger.log(level, msg, *args, stacklevel=3, **kw)
        return True
