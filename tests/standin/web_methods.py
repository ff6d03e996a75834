"""What the fake Web API records per call, and the Slack-shaped answers it gives by default.

Answers copy the fields real Slack returns that bots actually read (``ts`` of a posted message,
``view.id``/``hash`` of a published view, ``auth.test`` ids used by Bolt's self-event filter),
plus the two validation errors a buggy bot most often triggers (``channel_not_found``,
``no_text``).  Everything else answers ``{"ok": true}`` so new API usage is recorded, not refused.
OAuth installs (``oauth.v2.access``, per-token ``auth.test``, ``apps.uninstall``) are answered
from an ``Installs`` registry (:mod:`.installs`); a token it never issued gets the defaults.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .ids import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, new_id, next_ts
from .installs import Installs

Answer = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it.

    ``params`` holds exactly what the client sent: JSON bodies keep their structure, while
    form-encoded bodies (slack_sdk's choice for most non-chat methods) arrive as strings, with
    booleans as "1"/"0" and structured fields (blocks, view) as JSON text -- use
    :meth:`decoded` to read those either way.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    http_method: str = "POST"
    received_at: float = field(default_factory=time.time)

    def decoded(self, name: str, default: Any = None) -> Any:
        """Return param ``name``, parsing it if it is JSON text (form-encoded blocks/view)."""
        value = self.params.get(name, default)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


def _error(error: str) -> Answer:
    return {"ok": False, "error": error}


class DefaultAnswers:
    """Slack-like default responses; per-channel / per-user info is configurable."""

    def __init__(self) -> None:
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, list[str]] = {}
        """User-group id → member ids (``usergroups.users.list``)."""
        self.emails: dict[str, str] = {}
        """Email → user id (``users.lookupByEmail``)."""
        # Returns the ws:// URL of an attached FakeSocketModeServer, or None.
        self.socket_mode_url: Callable[[], str | None] = lambda: None
        self.installs = Installs()
        self._table: dict[str, Callable[[Call], Answer]] = {
            "auth.test": self._auth_test,
            "oauth.v2.access": lambda call: self.installs.access(call.params, call.headers),
            "apps.uninstall": lambda call: self.installs.uninstall(call.token),
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "views.publish": self._view,
            "views.open": self._view,
            "views.push": self._view,
            "views.update": self._view,
            "conversations.info": self._conversation_info,
            "users.info": self._user_info,
            "usergroups.users.list": self._group_members,
            "users.lookupByEmail": self._user_by_email,
            "apps.connections.open": self._connections_open,
        }

    def answer(self, call: Call) -> Answer:
        handler = self._table.get(call.method)
        return handler(call) if handler else {"ok": True}

    # -- auth / connections ---------------------------------------------------------------

    def _auth_test(self, call: Call) -> Answer:
        installed = self.installs.auth_test(call.token)
        if installed is not None:
            return installed
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Test",
            "user": "glossarybot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _connections_open(self, call: Call) -> Answer:
        # Real Slack refuses bot/user tokens here; catching that mistake is the point of a fake.
        if call.token and not call.token.startswith("xapp-"):
            return _error("not_allowed_token_type")
        url = self.socket_mode_url()
        if url is None:
            return _error("standin_no_socket_mode_server")
        return {"ok": True, "url": url}

    # -- chat -----------------------------------------------------------------------------

    @staticmethod
    def _message(call: Call, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": call.params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if call.params.get(key) not in (None, ""):
                message[key] = call.decoded(key)
        return message

    def _post_message(self, call: Call) -> Answer:
        channel = call.params.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not any(call.params.get(k) for k in ("text", "blocks", "attachments")):
            return _error("no_text")
        ts = next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": self._message(call, ts)}

    @staticmethod
    def _post_ephemeral(call: Call) -> Answer:
        if not call.params.get("channel"):
            return _error("channel_not_found")
        return {"ok": True, "message_ts": next_ts()}

    def _update(self, call: Call) -> Answer:
        channel, ts = call.params.get("channel"), call.params.get("ts")
        if not channel:
            return _error("channel_not_found")
        if not ts:
            return _error("message_not_found")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": call.params.get("text", ""),
            "message": self._message(call, ts),
        }

    @staticmethod
    def _delete(call: Call) -> Answer:
        channel, ts = call.params.get("channel"), call.params.get("ts")
        if not channel:
            return _error("channel_not_found")
        if not ts:
            return _error("message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    @staticmethod
    def _permalink(call: Call) -> Answer:
        channel, ts = call.params.get("channel", ""), str(call.params.get("message_ts", ""))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    # -- views ----------------------------------------------------------------------------

    @staticmethod
    def _view(call: Call) -> Answer:
        view = call.decoded("view") or {}
        if not isinstance(view, dict):
            return _error("invalid_arguments")
        view_id = call.params.get("view_id") or new_id("V")
        default_type = "home" if call.method == "views.publish" else "modal"
        return {
            "ok": True,
            "view": {
                "id": view_id,
                "team_id": TEAM_ID,
                "type": view.get("type", default_type),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": call.params.get("external_id") or view.get("external_id", ""),
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "title": view.get("title"),
                "close": view.get("close"),
                "submit": view.get("submit"),
                "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": APP_ID,
                "app_installed_team_id": TEAM_ID,
                "bot_id": BOT_ID,
            },
        }

    # -- conversations / users ------------------------------------------------------------

    def _conversation_info(self, call: Call) -> Answer:
        channel = call.params.get("channel")
        if not channel:
            return _error("channel_not_found")
        info = {"id": channel, "is_ext_shared": False, "is_member": True}
        return {"ok": True, "channel": {**info, **self.channels.get(channel, {})}}

    def _user_info(self, call: Call) -> Answer:
        user = call.params.get("user")
        if not user:
            return _error("user_not_found")
        info: dict[str, Any] = {
            "id": user,
            "team_id": TEAM_ID,
            "name": user.lower(),
            "real_name": f"User {user}",
            "deleted": False,
            "is_bot": False,
            "tz": "Etc/UTC",
            "profile": {"real_name": f"User {user}", "display_name": user.lower()},
        }
        return {"ok": True, "user": {**info, **self.users.get(user, {})}}

    def _group_members(self, call: Call) -> Answer:
        group = str(call.params.get("usergroup", ""))
        if group not in self.groups:
            return _error("no_such_subteam")
        return {"ok": True, "users": list(self.groups[group])}

    def _user_by_email(self, call: Call) -> Answer:
        email = str(call.params.get("email", "")).casefold()
        user = self.emails.get(email)
        if user is None:
            return _error("users_not_found")
        return {"ok": True, "user": {"id": user, "team_id": TEAM_ID, "profile": {"email": email}}}
