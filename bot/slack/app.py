"""Build the Bolt app: the Web client, the listeners, the global error handler. Wiring only."""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)
BOLT_LOGGER = "bot.slack.bolt"


class _ClientGivenFilter(logging.Filter):
    """Drop Bolt's warning that the token from SLACK_BOT_TOKEN is unused.

    Bolt reads SLACK_BOT_TOKEN itself even when given a client; ours carries that same token
    (and the configured API URL), so the warning would only alarm operators.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger(BOLT_LOGGER).addFilter(_ClientGivenFilter())


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
    process_before_response: bool = False,
    token_verification: bool = True,
) -> App:
    """The Bolt app with every listener registered.

    ``signing_secret`` is required for HTTP mode (Bolt then refuses unsigned or stale
    requests); Socket Mode and the console run without one.
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
    listeners.register(app, service)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        kind = body.get("type") if isinstance(body, dict) else None
        logger.error("unhandled error in a %s listener", kind, exc_info=error)

    return app
