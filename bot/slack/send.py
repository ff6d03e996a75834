"""Sending to Slack without ever crashing a listener.

Rate limits (429 + Retry-After), 5xx answers and dropped connections are retried by the Web
client's retry handlers (see ``bot.slack.app.make_client``). What is left — the bot was removed
from a channel, the channel was archived or deleted, a token was revoked — is logged once per
channel and error, so a channel that keeps talking to a bot that may not answer doesn't flood
the logs, and the listener carries on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot.slack.render.cards import Message

logger = logging.getLogger(__name__)

EXPECTED_ERRORS = frozenset(
    {"not_in_channel", "is_archived", "channel_not_found", "restricted_action", "cant_reply"}
)
"""Errors that describe the channel, not a bug: worth one warning, not a stack trace."""


class Sender:
    """Posts messages and views; remembers which failures it already reported.

    With a ``background`` executor, ``later`` runs work after the ack on it; without one
    (tests, the console) the work runs at once, in order.
    """

    MAX_REMEMBERED = 10_000

    def __init__(self, background: Executor | None = None) -> None:
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._background = background

    def later(self, work: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Run ``work`` after the ack, on the background executor when there is one.

        Listeners ack first and leave everything slow — store writes, posts to Slack — to
        this, so Slack hears back in a few milliseconds whatever the database or network do.
        """
        if self._background is not None:
            try:
                self._background.submit(self._run, work, *args, **kwargs)
                return
            except RuntimeError:  # the executor is shutting down: do it now rather than lose it
                pass
        self._run(work, *args, **kwargs)

    @staticmethod
    def _run(work: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        try:
            work(*args, **kwargs)
        except Exception:
            logger.exception("background work %s failed", getattr(work, "__name__", work))

    def post(self, client: WebClient, channel: str, message: Message, **extra: Any) -> bool:
        """chat.postMessage with links unfurled off; True if Slack accepted it."""
        return self.call(
            client.chat_postMessage,
            channel,
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )

    def call(self, method: Any, where: str, **kwargs: Any) -> bool:
        """Any Web API call; failures are logged (once per channel and error) and swallowed."""
        try:
            method(**kwargs)
            return True
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            self._report(error, where, exc)
        except SlackClientError as exc:
            self._report(type(exc).__name__, where, exc)
        return False

    def _report(self, error: str, where: str, exc: Exception) -> None:
        key = (error, where)
        with self._lock:
            if key in self._reported:
                return
            if len(self._reported) >= self.MAX_REMEMBERED:
                self._reported.clear()
            self._reported.add(key)
        if error in EXPECTED_ERRORS:
            logger.warning("Slack refused a post in %s: %s (reported once)", where, error)
        else:
            logger.error("Slack call failed for %s: %s (%s)", where, error, exc)
