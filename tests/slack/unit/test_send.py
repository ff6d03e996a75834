"""Sender: Slack's refusals are logged once per channel and error, and never raised.

Pinned down: ``post`` sends the message with unfurling off and reports success; an expected
refusal (not_in_channel) is one WARNING per channel however often it recurs; anything else is an
ERROR; client-side failures are logged by type; ``post_soon`` uses the background executor when
there is one and posts at once when it is shutting down.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import Mock, call

import pytest
from slack_sdk.errors import SlackRequestError

from bot.slack.render.cards import Message
from bot.slack.send import Sender

from .conftest import slack_error

MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
LOGGER = "bot.slack.send"


def post_call(channel: str, **extra: object) -> object:
    return call(
        channel=channel,
        text="Glossary: EQL",
        blocks=[{"type": "divider"}],
        unfurl_links=False,
        unfurl_media=False,
        **extra,
    )


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LOGGER]


def test_post_sends_with_unfurling_off(sender: Sender, client: Mock) -> None:
    assert sender.post(client, "C1", MESSAGE, thread_ts="1.0") is True
    assert client.chat_postMessage.call_args_list == [post_call("C1", thread_ts="1.0")]


def test_not_in_channel_warns_once_per_channel(
    sender: Sender, client: Mock, caplog: pytest.LogCaptureFixture
) -> None:
    client.chat_postMessage.side_effect = slack_error("not_in_channel")
    results = [sender.post(client, channel, MESSAGE) for channel in ("C1", "C1", "C2", "C1")]
    assert results == [False] * 4
    assert client.chat_postMessage.call_count == 4
    assert logged(caplog) == [
        ("WARNING", "Slack refused a post in C1: not_in_channel (reported once)"),
        ("WARNING", "Slack refused a post in C2: not_in_channel (reported once)"),
    ]


def test_an_unexpected_error_is_an_error_once(
    sender: Sender, client: Mock, caplog: pytest.LogCaptureFixture
) -> None:
    client.chat_postMessage.side_effect = slack_error("invalid_blocks")
    assert [sender.post(client, "C1", MESSAGE) for _ in range(2)] == [False, False]
    ((level, text),) = logged(caplog)
    assert level == "ERROR"
    assert text.startswith("Slack call failed for C1: invalid_blocks (The request to the Slack")


def test_a_client_failure_is_logged_by_type(
    sender: Sender, client: Mock, caplog: pytest.LogCaptureFixture
) -> None:
    client.views_publish.side_effect = SlackRequestError("connection reset")
    assert sender.call(client.views_publish, "home", user_id="U1", view={}) is False
    assert logged(caplog) == [
        ("ERROR", "Slack call failed for home: SlackRequestError (connection reset)")
    ]


def test_errors_are_remembered_per_error_and_place(
    sender: Sender, client: Mock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    for error in ("not_in_channel", "is_archived", "not_in_channel"):
        client.chat_postMessage.side_effect = slack_error(error)
        sender.post(client, "C1", MESSAGE)
    assert [text for _, text in logged(caplog)] == [
        "Slack refused a post in C1: not_in_channel (reported once)",
        "Slack refused a post in C1: is_archived (reported once)",
    ]


def test_later_uses_the_background_executor(client: Mock) -> None:
    executor = Mock(spec=ThreadPoolExecutor)
    sender = Sender(executor)
    sender.later(sender.post, client, "C1", MESSAGE, thread_ts="1.0")
    assert executor.submit.call_args_list == [
        call(Sender._run, sender.post, client, "C1", MESSAGE, thread_ts="1.0")
    ]
    assert client.mock_calls == []


def test_later_runs_at_once_when_the_executor_is_shutting_down(client: Mock) -> None:
    executor = ThreadPoolExecutor(1)
    executor.shutdown()
    sender = Sender(executor)
    sender.later(sender.post, client, "C1", MESSAGE)
    assert client.chat_postMessage.call_args_list == [post_call("C1")]


def test_later_without_an_executor_runs_at_once(sender: Sender, client: Mock) -> None:
    sender.later(sender.post, client, "C1", MESSAGE)
    assert client.chat_postMessage.call_args_list == [post_call("C1")]


def test_failing_background_work_is_logged_not_raised(
    sender: Sender, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    sender.later(broken)
    assert [r.getMessage() for r in caplog.records] == ["background work broken failed"]
