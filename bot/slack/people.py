"""Who is who in Slack: members of a user group, a person by email, and "is this a maintainer?".

GLOSSARY_MAINTAINERS may name user groups (``S…``) and term owners may be emails; both need a
Web API call (``usergroups.users.list``, scope ``usergroups:read``; ``users.lookupByEmail``,
scope ``users:read.email``) that is rate-limited and too slow to repeat on every click. Answers
are cached per workspace for ``ttl_s``, so a group's new member counts within minutes.

A failure (a missing scope, Slack down) answers "nobody" / None, is logged once per interval,
and is not cached: the next click asks again. An email Slack does not know is a real answer
(``users_not_found``) and is cached like any other. Thread-safe: one ``People`` per process,
shared by every worker thread; the lock is never held during a Slack call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot import metrics
from bot.logs import Throttled
from bot.store.base import Workspace

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

TTL_S = 300.0
MAX_ENTRIES = 10_000
NOT_FOUND = frozenset({"users_not_found", "no_such_subteam"})
"""Errors that are answers: no such person, no such group."""


class People:
    """Cached user-group members and email lookups, per workspace."""

    def __init__(
        self,
        clients: Callable[[Workspace], WebClient],
        *,
        ttl_s: float = TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = clients
        """The Web API client with a workspace's bot token (may raise if it has none)."""
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], tuple[float, Any]] = {}
        """(kind, workspace key, id or email) → (expires at, answer)."""

    def members(self, workspace: Workspace, group_id: str) -> frozenset[str]:
        """The user ids in user group ``group_id`` (empty if Slack cannot say)."""
        found = self._cached("group", workspace, group_id, self._fetch_members)
        return found if isinstance(found, frozenset) else frozenset()

    def user_by_email(self, workspace: Workspace, email: str) -> str | None:
        """The user id of the person with this email address, or None."""
        found = self._cached("email", workspace, email.strip().casefold(), self._fetch_user)
        return found if isinstance(found, str) else None

    def is_maintainer(self, workspace: Workspace, user: str, maintainers: frozenset[str]) -> bool:
        """``user`` is listed in ``maintainers``, or is a member of a user group listed there."""
        if not user:
            return False
        if user in maintainers:
            return True
        groups = sorted(m for m in maintainers if m.startswith("S"))
        return any(user in self.members(workspace, group) for group in groups)

    # -- cache --------------------------------------------------------------------------------
    def _cached(
        self,
        kind: str,
        workspace: Workspace,
        key: str,
        fetch: Callable[[WebClient, str], tuple[bool, Any]],
    ) -> Any:
        """The cached answer, or a fresh one (cached when ``fetch`` says it is an answer)."""
        slot = (kind, workspace.key, key)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(slot)
            if hit is not None and hit[0] > now:
                return hit[1]
        answered, value = fetch(self._clients(workspace), key)
        if answered:
            with self._lock:
                if len(self._cache) >= MAX_ENTRIES:
                    self._cache.clear()  # ids from payloads must not grow memory without bound
                self._cache[slot] = (now + self._ttl_s, value)
        return value

    def _fetch_members(self, client: WebClient, group_id: str) -> tuple[bool, Any]:
        data = _call(client, "usergroups.users.list", group_id, usergroup=group_id)
        if data is None:
            return False, frozenset()
        users = data.get("users")
        ids = [u for u in users if isinstance(u, str)] if isinstance(users, list) else []
        return True, frozenset(ids)

    def _fetch_user(self, client: WebClient, email: str) -> tuple[bool, Any]:
        data = _call(client, "users.lookupByEmail", "an email address", email=email)
        if data is None:
            return False, None
        user = data.get("user")
        found = user.get("id") if isinstance(user, dict) else None
        return True, found if isinstance(found, str) and found else None


def _call(client: WebClient, method: str, what: str, **args: str) -> dict[str, Any] | None:
    """The response's data; ``{}`` for a "no such …" answer; None when Slack could not say."""
    try:
        response = client.api_call(method, http_verb="GET", params=args)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        metrics.slack_call(method, error)
        if error in NOT_FOUND:
            return {}
        throttled.warning((method, error), "Slack %s failed (%s): %s", method, what[:80], error)
        return None
    except (SlackClientError, OSError) as exc:
        metrics.slack_call(method, "connection_error")
        throttled.warning((method, "connection"), "Slack %s failed: %s", method, type(exc).__name__)
        return None
    metrics.slack_call(method, "ok")
    data = response.data
    return data if isinstance(data, dict) else {}
