"""bot.slack.app: what Bolt is allowed to write to the operators' logs."""

from __future__ import annotations

import logging

from bot.slack.app import _BoltLogFilter


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("slack_bolt.X", logging.INFO, __file__, 1, message, None, None)


def test_a_bad_signature_is_logged_without_the_request_body() -> None:
    line = record("Invalid request signature detected (signature: v0=1, timestamp: 2, body: {x})")
    assert _BoltLogFilter().filter(line) is True
    assert line.getMessage() == "Invalid request signature detected (body not logged)"


def test_the_unused_token_warning_is_dropped_and_others_kept() -> None:
    unused = "As you gave `client` as well, `token` will be unused."
    assert _BoltLogFilter().filter(record(unused)) is False
    assert _BoltLogFilter().filter(record("Unhandled request")) is True
