"""Where the bot token for a workspace comes from, for Slack calls made outside a request.

Requests get their token from Bolt's authorize. Jobs run later, on worker threads, with only the
job's ``Workspace`` to go on; ``Tokens.bot_token(workspace)`` answers for them:

- ``SingleToken``: token mode (``SLACK_BOT_TOKEN``), one token for everything, as before.
- ``InstalledTokens``: OAuth mode, the installation store (slack_sdk's, in our database). An
  org-wide Grid install serves every workspace of its organisation, so the lookup tries the
  organisation's install first (``find_bot(enterprise_id=E, team_id=None,
  is_enterprise_install=True)``, which is how the store keys org-wide installs) and then the
  workspace's own (``(E, T)``, or ``(None, T)`` outside Grid). With rotation on, a token within
  ``ROTATE_BEFORE_MIN`` of expiring is refreshed with slack_sdk's ``TokenRotator`` and the new
  bot saved, as Bolt's authorize does for requests. Answers are cached for a few seconds, so a
  burst of jobs costs one database read per workspace, and an uninstall is noticed within
  that time even when another process handled it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk.errors import SlackClientError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import Throttled
from bot.store.base import StoreError, Workspace
from bot.store.engine import reason

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

ROTATE_BEFORE_MIN = 120
"""Refresh a rotating token this many minutes before it expires (Bolt's default)."""
CACHE_S = 5.0


class Tokens(Protocol):
    """The bot token to use for a workspace's Slack calls; None if the app is not installed."""

    def bot_token(self, workspace: Workspace) -> str | None: ...


class SingleToken:
    """Token mode: the one ``SLACK_BOT_TOKEN``, whatever the workspace."""

    def __init__(self, token: str) -> None:
        self.token = token

    def bot_token(self, workspace: Workspace) -> str:
        return self.token


class InstalledTokens:
    """OAuth mode: each workspace's token from the installation store (see the module doc)."""

    def __init__(
        self,
        installation_store: InstallationStore,
        client_id: str,
        client_secret: str,
        rotation: bool,
        *,
        client: WebClient | None = None,
        cache_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = installation_store
        self.rotation = rotation
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=client)
        self.cache_s = cache_s
        self.clock = clock
        self._cache: dict[Workspace, tuple[float, str | None]] = {}
        self._lock = threading.Lock()
        self._rotating = threading.Lock()
        """One refresh at a time in this process: a refresh token is spent by its use."""

    def bot_token(self, workspace: Workspace) -> str | None:
        """The token, or None when nothing is installed; ``StoreError`` if the database fails."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(workspace)
        if cached is not None and now < cached[0]:
            return cached[1]
        bot = self.find(workspace)
        if bot is not None and bot.bot_refresh_token is not None:
            bot = self._rotated(workspace, bot)
        token = bot.bot_token if bot is not None else None
        with self._lock:
            if len(self._cache) > 10_000:  # workspaces come and go; never grow without bound
                self._cache.clear()
            self._cache[workspace] = (now + self.cache_s, token)
        return token

    def forget(self, workspace: Workspace) -> None:
        """Drop the cached answer (after this process saw an uninstall or a revocation)."""
        with self._lock:
            self._cache.pop(workspace, None)

    def find(self, workspace: Workspace) -> Bot | None:
        """The organisation's org-wide install first, then the workspace's own."""
        enterprise_id, team_id = workspace.enterprise_id, workspace.team_id
        try:
            if enterprise_id is not None:
                bot = self.store.find_bot(
                    enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
                )
                if bot is not None or team_id is None:
                    return bot
            if team_id is None:
                return None
            return self.store.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=False
            )
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot read the installation of {workspace.key}: {reason(exc)}"
            ) from exc

    def _rotated(self, workspace: Workspace, bot: Bot) -> Bot:
        """``bot``, or its refreshed copy (saved) when its token is about to expire."""
        if not self.rotation:
            throttled.warning(
                ("rotation off", workspace.key),
                "the bot token of %s expires (Slack rotates it) but SLACK_TOKEN_ROTATION is "
                "off: set SLACK_TOKEN_ROTATION=true",
                workspace.key,
            )
            return bot
        with self._rotating:
            fresh = self.find(workspace) or bot  # another thread may have refreshed it
            try:
                refreshed = self.rotator.perform_bot_token_rotation(
                    bot=fresh, minutes_before_expiration=ROTATE_BEFORE_MIN
                )
            except (SlackTokenRotationError, SlackClientError, OSError) as exc:
                throttled.error(
                    ("rotation", workspace.key),
                    "cannot refresh the bot token of %s: %s",
                    workspace.key,
                    exc,
                )
                return fresh
            if refreshed is None:
                return fresh
            try:
                self.store.save_bot(refreshed)
            except SQLAlchemyError as exc:
                # The new token works now; the next refresh needs the saved refresh token.
                throttled.error(
                    ("rotation save", workspace.key),
                    "cannot save the refreshed bot token of %s: %s",
                    workspace.key,
                    reason(exc),
                )
            return refreshed
