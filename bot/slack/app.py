"""Build the Bolt app: the Web client, the bot's identity, the listeners. Wiring only.

Booting an app needs neither Slack nor the database. Bolt's usual single-workspace setup calls
``auth.test`` when the app is created; a gunicorn worker replacing a dead one while Slack is
unreachable would then fail to boot and take the server down. Instead the identity (bot user
id, bot id, team) is an ``Identity`` that the process fetched once at start (or keeps trying to
fetch in the background), and Bolt's ``authorize`` reads it per request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import WebClient

from bot.logs import BOLT_LOGGER, Throttled
from bot.service import GlossaryService
from bot.slack import listeners
from bot.slack.bolt_adapter import DirectMiddleware
from bot.slack.dispatch import Dispatcher
from bot.slack.listeners.guard import rate_limited
from bot.slack.web_client import ConnectionPool, KeepAliveWebClient
from bot.store import StoreError
from bot.store.base import Workspace

logger = logging.getLogger(__name__)
throttled = Throttled(logger)
REJECTED = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
"""auth.test errors that mean the token itself is wrong: no retry will help."""


def make_client(
    token: str | None, base_url: str, *, timeout: int = 10, pool: ConnectionPool | None = None
) -> WebClient:
    """A Web API client that retries what Slack asks to be retried (429, 5xx, network) and
    keeps its connections open (``pool``: one shared by several clients)."""
    return KeepAliveWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        pool=pool,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass(frozen=True, slots=True)
class BotIdentity:
    user_id: str | None = None
    bot_id: str | None = None
    team_id: str | None = None


class Identity:
    """Who the bot is, from ``auth.test``; unknown until fetched (then events' own
    ``authorizations`` tell listeners the bot's user id)."""

    RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

    def __init__(self, known: BotIdentity | None = None) -> None:
        self.current = known or BotIdentity()
        self.rejected: str | None = None
        """Slack's error code once it refused the token (readiness turns 503)."""
        self._stop = threading.Event()

    def token_error(self, error: str) -> None:
        """A Slack call said the token is no good (revoked, uninstalled)."""
        if error in REJECTED and self.rejected is None:
            self.rejected = error
            logger.error("Slack rejected the bot token (%s); readiness now fails", error)

    @staticmethod
    def fetch(client: WebClient) -> BotIdentity:
        """One auth.test; raises SlackApiError (refused), SlackClientError/OSError (unreachable)."""
        data = client.auth_test()
        return BotIdentity(data.get("user_id"), data.get("bot_id"), data.get("team_id"))

    def fetch_in_background(self, client: WebClient) -> None:
        """Keep trying auth.test with back-off until it answers (Slack was unreachable at start)."""

        def keep_trying() -> None:
            for delay in (*self.RETRY_S, *([60.0] * 1000)):
                if self._stop.wait(delay):
                    return
                try:
                    self.current = self.fetch(client)
                    logger.info("reached Slack: bot user %s", self.current.user_id)
                    return
                except SlackApiError as exc:
                    self.token_error(str(exc.response.get("error", "unknown_error")))
                    return
                except (SlackClientError, OSError):
                    continue

        threading.Thread(target=keep_trying, name="auth-test", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def authorizer(self) -> IdentityAuthorize:
        """Bolt's ``authorize`` (token mode): the bot's identity, whatever the workspace."""
        return IdentityAuthorize(self)


class IdentityAuthorize(Authorize):
    """Token mode's Bolt ``authorize``: an ``Authorize``, which Bolt calls as it is (a plain
    function it would wrap in one that picks its arguments by name on every request)."""

    def __init__(self, identity: Identity) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._identity = identity

    def __call__(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        context: Any = None,
        user_id: str | None = None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        known = self._identity.current
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or known.team_id,
            bot_user_id=known.user_id,
            bot_id=known.bot_id,
        )


class RequestAuthorize(Authorize):
    """OAuth mode's Bolt ``authorize``: is the workspace installed? Nothing more.

    Bolt's installation-store authorize also calls ``auth.test`` per token and refreshes tokens
    before the ack, and turns a database error into "please reinstall": a Slack or database
    outage would then break every ack. The listeners need no token (jobs look up the
    workspace's installation when they run, ``bot.slack.tokens``) and the bot's own user id
    comes from the event's ``authorizations``. So this only asks, with one fresh indexed read,
    whether an installation exists (an uninstalled workspace's events queue nothing), and
    answers yes when the database cannot say: the ack must not depend on it.
    """

    def __init__(self, installed: Callable[[Workspace], bool]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._installed = installed

    def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        try:
            if not self._installed(Workspace(enterprise_id, team_id)):
                return None  # Bolt answers "not installed" (200), and nothing is queued
        except StoreError as exc:
            throttled.warning("authorize", "cannot check installations, acking anyway: %s", exc)
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


class _BoltLogFilter(logging.Filter):
    """Keep Bolt's own lines useful.

    Bolt reads SLACK_BOT_TOKEN itself and warns that it is unused when given a client: ours
    carries that same token, so the warning would only alarm. And after an uninstall Slack may
    go on sending a workspace's events for a while; Bolt logs an error for each one ("the
    AuthorizeResult … was not found"): one such line per minute is enough.
    """

    NOT_INSTALLED = "AuthorizeResult (returned value from authorize) for it was not found"

    def __init__(self) -> None:
        super().__init__()
        self._not_installed_at = -60.0

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "`token` will be unused" in message:
            return False
        if self.NOT_INSTALLED in message:
            if record.created - self._not_installed_at < 60.0:
                return False
            self._not_installed_at = record.created
        return True


logging.getLogger(BOLT_LOGGER).addFilter(_BoltLogFilter())


def build_app(
    service: GlossaryService, dispatcher: Dispatcher, auth: dict[str, Any], *, base_url: str
) -> App:
    """The Bolt app with every listener registered.

    Listeners run in the request's own thread (``process_before_response``) and only decide;
    the dispatcher stores durable work, and the ack goes out when the listener returns, so Slack
    hears back in milliseconds whatever its Web API or the database are doing. Signatures are
    checked before Bolt sees a request (``bot.slack.wsgi``); Socket Mode has none. Bolt's
    per-request steps this app needs not (function tokens, assistant helpers) are off.

    ``auth`` is how Bolt learns who the bot is per request: ``{"authorize": …}`` from an
    ``Identity`` in token mode, or the installation store's in OAuth mode (``bot.slack.oauth``).
    """
    app = App(
        client=make_client(None, base_url),
        before_authorize=DirectMiddleware(rate_limited),
        **auth,
        request_verification_enabled=False,
        process_before_response=True,
        ignoring_self_events_enabled=True,
        # Per-request steps for features this app does not use (custom workflow functions,
        # assistant threads' say/set_status): skipped, they cost CPU on every ack.
        attaching_function_token_enabled=False,
        attaching_conversation_kwargs_enabled=False,
        logger=logging.getLogger(BOLT_LOGGER),
    )
    listeners.register(app, service, dispatcher)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        """Bolt's own steps (matchers, authorization) raise on signed bodies of odd shapes;
        those are the sender's fault: a 400 and one throttled line, never a 500."""
        kind = body.get("type") if isinstance(body, dict) else None
        throttled.warning(
            ("bolt", type(error).__name__, kind),
            "refused a %s request Bolt could not handle: %s",
            kind,
            type(error).__name__,
        )
        return BoltResponse(status=400, body='{"ok": false, "error": "malformed request"}')

    return app
