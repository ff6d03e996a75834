"""OAuth v2 install: Bolt's ``OAuthSettings`` over slack_sdk's SQLAlchemy stores in our database.

In OAuth mode (``Settings.oauth``) the bot is installed in many workspaces, or org-wide on
Enterprise Grid. ``GET /slack/install`` shows Bolt's *Add to Slack* page; Slack sends the
installer back to ``GET /slack/oauth_redirect`` with a code, which Bolt exchanges for that
installation's bot token (``oauth.v2.access``) and saves in ``slack_installations`` and
``slack_bots``. Those tables and ``slack_oauth_states`` are made by the bot's migrations, never
by slack_sdk's ``create_tables``, so every replica sees one schema.

The ``state`` parameter protects the redirect against cross-site request forgery. Bolt keeps it
in the state store (one row, consumed once, ``STATE_EXPIRATION_S``) and in a cookie, so a state
completes only in the browser that started the install. ``SLACK_STATE_SECRET`` signs it too:
the state is ``<id>.<issued-at>.<HMAC-SHA256(secret, id.issued-at)>``. A state without a valid
signature was never issued by this app and is refused before any database work; one whose signed
issue time is too old is refused as expired; a valid one must still be in the store (unused).
The signed time is also what lets the failure page say which of these happened. Every replica
must have the same secret.

Token rotation: Bolt's authorize refreshes any stored token that came with a refresh token
(Slack only issues those when rotation is on for the app); ``SLACK_TOKEN_ROTATION`` governs the
job runner's ``InstalledTokens`` and must match the app's ``token_rotation_enabled``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from logging import Logger
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.logs import Throttled
from bot.slack.oauth_pages import EXPIRED, FORGED, failure_page, success_page
from bot.slack.tokens import ROTATE_BEFORE_MIN, InstalledTokens
from bot.store.engine import READ_ONLY

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_S = 600
BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    "im:history",
    "channels:read",  # conversations.info: is this channel shared with partners?
    "groups:read",  # the same for private channels
    "usergroups:read",  # maintainers and owners named by user group (S…)
    "users:read",  # required by users:read.email
    "users:read.email",  # owners named by email
)
"""The bot scopes of ``manifest.oauth.yml`` (tests/test_manifest.py keeps them equal)."""
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,64}")
"""What a Slack error code looks like; the redirect's ``error`` is anyone's to write."""


class SignedStateStore(OAuthStateStore):
    """slack_sdk's state store, with every state it hands out signed and time-stamped."""

    def __init__(
        self,
        inner: OAuthStateStore,
        secret: str,
        *,
        expiration_seconds: int = STATE_EXPIRATION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.inner = inner
        self._key = secret.encode()
        self.expiration_seconds = expiration_seconds
        self.clock = clock

    @property
    def logger(self) -> Logger:
        return logger

    def _mac(self, nonce: str, issued: str) -> str:
        message = f"slack-oauth-state:{nonce}.{issued}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = str(self.inner.issue())
        issued = str(int(self.clock()))
        return f"{nonce}.{issued}.{self._mac(nonce, issued)}"

    def problem(self, state: str | None) -> str | None:
        """``FORGED`` (not signed by us), ``EXPIRED`` (signed, too old) or None (looks valid)."""
        parts = (state or "").split(".")
        if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
            return FORGED
        nonce, issued, mac = parts
        expected = self._mac(nonce, issued).encode()
        if len(issued) > 12 or not hmac.compare_digest(mac.encode(), expected):
            return FORGED
        if self.clock() - int(issued) > self.expiration_seconds:
            return EXPIRED
        return None

    def consume(self, state: str) -> bool:
        """True once for a valid state; a forged or expired one never reaches the database."""
        if self.problem(state) is not None:
            return False
        return bool(self.inner.consume(state.split(".", 1)[0]))


class Installations(SQLAlchemyInstallationStore):
    """slack_sdk's installation store, with two changes. Lookups (one per request, from Bolt's
    authorize) read through a read-only view of the engine: on SQLite they then take no write
    lock, so an ack never waits behind a job's write. A database failure while saving an
    install becomes Bolt's ``storage_error`` (the failure page) instead of a bare 500."""

    def __init__(self, client_id: str, engine: Engine) -> None:
        super().__init__(client_id, engine)
        self.reader = SQLAlchemyInstallationStore(
            client_id, engine.execution_options(**{READ_ONLY: True})
        )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return self.reader.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self.reader.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    def save(self, installation: Installation) -> None:
        try:
            super().save(installation)
        except SQLAlchemyError as exc:
            raise BoltError(f"cannot save the installation: {type(exc).__name__}") from exc


class _Callbacks:
    """Bolt's success and failure callbacks: our pages, the state cookie cleared, one log line."""

    def __init__(self, states: SignedStateStore, settings: OAuthSettings) -> None:
        self.states = states
        self.clear_cookie = settings.state_utils.build_set_cookie_for_deletion()

    def _response(self, status: int, body: str) -> BoltResponse:
        headers: dict[str, str | Sequence[str]] = {
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": self.clear_cookie,
        }
        return BoltResponse(status=status, body=body, headers=headers)

    def success(self, args: SuccessArgs) -> BoltResponse:
        done = args.installation
        logger.info(
            "installed in %s (%s:%s)%s",
            done.team_name or done.enterprise_name,
            done.enterprise_id or "-",
            done.team_id or "-",
            " org-wide" if done.is_enterprise_install else "",
        )
        return self._response(200, success_page(done))

    def failure(self, args: FailureArgs) -> BoltResponse:
        reason = args.reason if _ERROR_CODE.fullmatch(args.reason) else "unknown_error"
        if reason in ("invalid_state", "invalid_browser"):
            state = args.request.query.get("state", [None])[0]
            reason = self.states.problem(state) or reason
        if args.error is not None:
            throttled.error(("install", reason), "install failed (%s): %s", reason, args.error)
        else:
            throttled.warning(("install", reason), "refused an install redirect: %s", reason)
        page = failure_page(reason, install_path=INSTALL_PATH)
        return self._response(args.suggested_status_code, page)


# -- wiring ---------------------------------------------------------------------------------
def _credentials(settings: Settings) -> tuple[str, str, str]:
    client_id, secret = settings.slack_client_id, settings.slack_client_secret
    state_secret = settings.slack_state_secret
    if not (client_id and secret and state_secret):
        raise ValueError("OAuth mode needs the client id, client secret and state secret")
    return client_id, secret, state_secret


def oauth_settings(
    settings: Settings,
    engine: Engine,
    *,
    installation_store: SQLAlchemyInstallationStore | None = None,
    clock: Callable[[], float] = time.time,
) -> OAuthSettings:
    """Bolt's OAuth settings: our stores, scopes, paths, signed states and pages."""
    client_id, client_secret, state_secret = _credentials(settings)
    states = SignedStateStore(
        SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_S, engine=engine),
        state_secret,
        clock=clock,
    )
    oauth = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installation_store or Installations(client_id, engine),
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MIN,
        state_store=states,
        state_expiration_seconds=STATE_EXPIRATION_S,
        logger=logger,
    )
    callbacks = _Callbacks(states, oauth)
    oauth.callback_options = CallbackOptions(success=callbacks.success, failure=callbacks.failure)
    return oauth


@dataclass(frozen=True)
class OAuthMode:
    """What OAuth mode gives one process: the Bolt App's arguments and the job runner's tokens."""

    settings: OAuthSettings
    authorize: InstallationStoreAuthorize
    tokens: InstalledTokens

    def app_kwargs(self) -> dict[str, Any]:
        """Pass to ``slack_bolt.App(...)`` in place of ``authorize=identity.authorizer()``."""
        return {
            "oauth_settings": self.settings,
            "authorize": self.authorize,
            "installation_store_bot_only": True,
        }


def oauth_mode(
    settings: Settings, engine: Engine, client: WebClient, *, clock: Callable[[], float] = time.time
) -> OAuthMode:
    """Everything OAuth mode needs, over one installation store.

    ``client`` is the App's token-less client (its ``base_url`` is where token refreshes go).
    Bolt's installation-store authorize finds the bot per request (``find_bot``: the bots table,
    which its ``tokens_revoked`` handling keeps current) and caches ``auth.test`` per token, so
    an ack waits for Slack once per token and process, not once per request.
    """
    client_id, client_secret, _ = _credentials(settings)
    store = Installations(client_id, engine)
    authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MIN,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    tokens = InstalledTokens(
        store, client_id, client_secret, settings.slack_token_rotation, client=client
    )
    return OAuthMode(
        oauth_settings(settings, engine, installation_store=store, clock=clock), authorize, tokens
    )
