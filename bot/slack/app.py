"""Build the Bolt app: the Web client, the listeners, the global error handler. Wiring only."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack import listeners
from bot.slack.send import Sender

logger = logging.getLogger(__name__)
POST_THREADS = 4
"""Threads per process that post thread explanations and mention replies to Slack."""
BOLT_LOGGER = "bot.slack.bolt"


class _BoltLogFilter(logging.Filter):
    """Keep Bolt's logs useful to operators.

    Bolt reads SLACK_BOT_TOKEN itself even when given a client and warns that it is unused;
    ours carries that same token, so the warning would only alarm. And Bolt logs the whole
    request body of every request with a bad signature, which lets anyone on the internet
    write up to a megabyte into the logs per request: that line keeps its meaning, not the body.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "`token` will be unused" in message:
            return False
        if message.startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected (body not logged)", ()
        return True


logging.getLogger(BOLT_LOGGER).addFilter(_BoltLogFilter())


def make_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    """A Web API client that retries what Slack asks to be retried (429, 5xx, network)."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    service: GlossaryService,
    client: WebClient,
    *,
    signing_secret: str | None = None,
    process_before_response: bool = True,
    token_verification: bool = True,
    background_posts: bool = True,
) -> App:
    """The Bolt app with every listener registered.

    ``signing_secret`` is required for HTTP mode (Bolt then refuses unsigned or stale
    requests); Socket Mode and the console run without one.

    Listeners run in the request's own thread (``process_before_response``): each does well
    under a millisecond of work before its ack, and hands slow Slack calls (thread
    explanations, mention replies) to the Sender's background threads. Measured with
    ``bench/bench_serve.py``, this keeps /define acks at a few milliseconds under load, where
    Bolt's default (listener thread pool + a 10 ms ack poll) let GIL contention between dozens
    of threads push them past 250 ms.
    """
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        token_verification_enabled=token_verification,
        process_before_response=process_before_response,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger(BOLT_LOGGER),
    )
    background = (
        ThreadPoolExecutor(POST_THREADS, thread_name_prefix="post") if background_posts else None
    )
    listeners.register(app, service, Sender(background))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        kind = body.get("type") if isinstance(body, dict) else None
        logger.error("unhandled error in a %s listener", kind, exc_info=error)

    return app
