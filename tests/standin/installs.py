"""Workspaces that installed the app through OAuth v2: codes, per-installation tokens, rotation.

Why: in OAuth mode every workspace (or Grid organisation) has its own bot token, and a bot that
mixes them up answers one customer with another's credentials. The fake therefore hands out a
distinct token per installation, answers ``auth.test`` as the installation that owns the token,
and refuses revoked or expired tokens the way Slack does, so tests can tell who a call was for.

A test scripts an install with ``FakeSlackWebAPI.expect_install(...)``, which returns the code
Slack would put in the redirect; ``oauth.v2.access`` exchanges it once. With ``expires_in`` the
installation rotates tokens: the answer carries ``refresh_token`` and ``expires_in``, and
``oauth.v2.access`` with ``grant_type=refresh_token`` issues the next pair (the old access token
keeps working until it expires, as on Slack).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .ids import APP_ID, USER_ID, new_id

Answer = dict[str, Any]
BOT_SCOPES = (
    "commands,chat:write,channels:history,groups:history,app_mentions:read,im:history,"
    "channels:read,groups:read,usergroups:read,users:read,users:read.email"
)


@dataclass
class Install:
    """One installation as Slack knows it; ``team_id`` is None for an org-wide (Grid) install."""

    team_id: str | None
    team_name: str | None = None
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    is_enterprise_install: bool = False
    expires_in: int | None = None
    """Seconds an access token lives; set = token rotation is on for this installation."""
    installer: str = USER_ID
    bot_user_id: str = field(default_factory=lambda: new_id("U"))
    bot_id: str = field(default_factory=lambda: new_id("B"))
    tokens: list[str] = field(default_factory=list)
    """Every bot token issued to this installation, oldest first."""
    refresh_tokens: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        """The newest bot token (fails if the code was never exchanged)."""
        return self.tokens[-1]

    def auth_test(self) -> Answer:
        """What ``auth.test`` says for this installation's bot token."""
        domain = (self.team_name or self.enterprise_name or "org").lower().replace(" ", "-")
        return {
            "ok": True,
            "url": f"https://{domain}.slack.com/",
            "team": self.team_name,
            "user": "glossarybot",
            "team_id": self.team_id or self.enterprise_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "enterprise_id": self.enterprise_id,
            "is_enterprise_install": self.is_enterprise_install,
        }


def _error(error: str) -> Answer:
    return {"ok": False, "error": error}


def _client(params: dict[str, Any], headers: dict[str, str]) -> tuple[str | None, str | None]:
    """The client credentials: HTTP Basic auth (slack_sdk's way) or form fields."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if auth.startswith("Basic "):
        try:
            decoded = base64.b64decode(auth[6:], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return params.get("client_id"), params.get("client_secret")


class Installs:
    """The fake's installation registry; thread-safe (server threads answer concurrently)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.client: tuple[str, str] | None = None
        """(client_id, client_secret) oauth.v2.access insists on; None accepts any."""
        self._lock = threading.Lock()
        self._codes: dict[str, Install] = {}
        self._by_token: dict[str, Install] = {}
        self._by_refresh: dict[str, Install] = {}
        self._expires: dict[str, float] = {}
        self._revoked: set[str] = set()

    def expect(self, install: Install, code: str | None = None) -> str:
        """Make ``code`` (random if omitted) exchangeable, once, for ``install``'s bot token."""
        code = code or f"code-{secrets.token_hex(8)}"
        with self._lock:
            self._codes[code] = install
        return code

    def reset(self) -> None:
        with self._lock:
            self.client = None
            for table in (self._codes, self._by_token, self._by_refresh, self._expires):
                table.clear()
            self._revoked.clear()

    # -- oauth.v2.access ------------------------------------------------------------------

    def access(self, params: dict[str, Any], headers: dict[str, str]) -> Answer:
        client_id, client_secret = _client(params, headers)
        if self.client is not None and client_id != self.client[0]:
            return _error("invalid_client_id")
        if self.client is not None and client_secret != self.client[1]:
            return _error("bad_client_secret")
        if params.get("grant_type") == "refresh_token":
            return self._refresh(str(params.get("refresh_token", "")))
        with self._lock:
            install = self._codes.pop(str(params.get("code", "")), None)
        if install is None:
            return _error("invalid_code")
        answer = {
            "ok": True,
            "app_id": APP_ID,
            "token_type": "bot",
            "scope": BOT_SCOPES,
            "bot_user_id": install.bot_user_id,
            "team": {"id": install.team_id, "name": install.team_name} if install.team_id else None,
            "enterprise": {"id": install.enterprise_id, "name": install.enterprise_name}
            if install.enterprise_id
            else None,
            "authed_user": {"id": install.installer},
            "is_enterprise_install": install.is_enterprise_install,
        }
        return {**answer, **self._issue(install)}

    def _refresh(self, refresh_token: str) -> Answer:
        with self._lock:
            install = self._by_refresh.pop(refresh_token, None)
        if install is None:
            return _error("invalid_refresh_token")
        return {"ok": True, "token_type": "bot", "scope": BOT_SCOPES, **self._issue(install)}

    def _issue(self, install: Install) -> Answer:
        """A new access token (and refresh token when rotating) for ``install``."""
        rotating = install.expires_in is not None
        prefix = "xoxe.xoxb-1-" if rotating else "xoxb-"
        token = f"{prefix}{secrets.token_hex(12)}"
        issued: Answer = {"access_token": token}
        with self._lock:
            install.tokens.append(token)
            self._by_token[token] = install
            if install.expires_in is not None:
                refresh = f"xoxe-1-{secrets.token_hex(12)}"
                install.refresh_tokens.append(refresh)
                self._by_refresh[refresh] = install
                self._expires[token] = self.clock() + install.expires_in
                issued.update(refresh_token=refresh, expires_in=install.expires_in)
        return issued

    # -- every other method ---------------------------------------------------------------

    def refusal(self, token: str | None) -> Answer | None:
        """Slack's answer to a call made with a revoked or expired token, else None."""
        with self._lock:
            if token in self._revoked:
                return _error("token_revoked")
            expires = self._expires.get(token or "")
        if expires is not None and self.clock() >= expires:
            return _error("token_expired")
        return None

    def auth_test(self, token: str | None) -> Answer | None:
        """``auth.test`` for a token this registry issued, else None (the default answer)."""
        with self._lock:
            install = self._by_token.get(token or "")
        return install.auth_test() if install is not None else None

    def uninstall(self, token: str | None) -> Answer:
        """``apps.uninstall``: every token of the calling installation stops working."""
        with self._lock:
            install = self._by_token.get(token or "")
            if install is None:
                return _error("invalid_auth")
            self._revoked.update(install.tokens)
        return {"ok": True}

    def revoke(self, install: Install) -> None:
        """What a workspace admin revoking the bot does: its tokens answer ``token_revoked``."""
        with self._lock:
            self._revoked.update(install.tokens)
