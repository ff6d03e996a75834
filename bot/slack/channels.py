"""Is this channel shared with another organisation (Slack Connect)? Asked where a post goes.

What Slack says, in order:
- a DM (a ``D…`` id) is never shared: it is between the asker and the bot;
- an event whose envelope says ``is_ext_shared_channel: true`` is from a shared channel;
- otherwise ``conversations.info`` (scopes ``channels:read``, ``groups:read``) answers:
  ``is_ext_shared`` (partners are in), ``is_pending_ext_shared`` (they are invited), or
  ``is_shared`` without ``is_org_shared`` (shared with a workspace that is not known to be
  ours). A channel shared only within the Enterprise Grid organisation is not a partner channel.

Answers are cached per (workspace, channel) for ``TTL_S``: a channel rarely changes, and a busy
one must not cost a Web API call per message. When Slack cannot answer (a missing scope, an
outage, a channel the bot cannot see) the channel is treated as shared, the safe side, for
``ERROR_TTL_S``, and the failure is logged once per kind and interval (``Throttled``).
A channel's own settings (``partner_view``) are the store's business, read by the Performer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot import metrics
from bot.logs import Throttled
from bot.store.base import Workspace

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

TTL_S = 600.0
"""How long an answer from Slack is trusted."""
ERROR_TTL_S = 60.0
"""How long a channel Slack could not describe is treated as shared before asking again."""
MAX_CACHED = 10_000
"""Channels remembered at once; past it the cache starts afresh (forgetting costs one call)."""


def is_direct(channel: str) -> bool:
    """A direct message with the bot (``D…``): never shared, whatever else is true."""
    return channel.startswith("D")


def shared_by_info(channel: Mapping[str, Any]) -> bool:
    """Whether a ``conversations.info`` channel object is shared with another organisation."""
    if channel.get("is_ext_shared") is True or channel.get("is_pending_ext_shared") is True:
        return True
    return channel.get("is_shared") is True and channel.get("is_org_shared") is not True


class SharedChannels:
    """Answers "is this channel shared?", cached; thread-safe (the Performer's threads share it)."""

    def __init__(
        self,
        clients: Callable[[Workspace], WebClient],
        clock: Callable[[], float] = time.monotonic,
        ttl_s: float = TTL_S,
        error_ttl_s: float = ERROR_TTL_S,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._ttl_s, self._error_ttl_s = ttl_s, error_ttl_s
        self._cache: dict[tuple[Workspace, str], tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def shared(self, workspace: Workspace, channel: str, *, flagged: bool = False) -> bool:
        """True for a Slack Connect channel; ``flagged``: the event said so already."""
        if is_direct(channel):
            return False
        key, now = (workspace, channel), self._clock()
        if flagged:
            self._remember(key, True, now + self._ttl_s)
            return True
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now < cached[1]:
            return cached[0]
        shared, ttl = self._ask(workspace, channel)
        self._remember(key, shared, now + ttl)
        return shared

    def forget(self, workspace: Workspace, channel: str) -> None:
        """Drop what is known of a channel (e.g. after Slack said it changed)."""
        with self._lock:
            self._cache.pop((workspace, channel), None)

    def _remember(self, key: tuple[Workspace, str], shared: bool, until: float) -> None:
        with self._lock:
            if len(self._cache) >= MAX_CACHED and key not in self._cache:
                self._cache.clear()
            self._cache[key] = (shared, until)

    def _ask(self, workspace: Workspace, channel: str) -> tuple[bool, float]:
        """(shared, how long to trust it) from ``conversations.info``; unsure means shared."""
        method = "conversations.info"
        try:
            response = self._clients(workspace).conversations_info(channel=channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
        except (SlackClientError, OSError) as exc:
            error = type(exc).__name__
        else:
            info = response.get("channel")
            if isinstance(info, dict):
                metrics.slack_call(method, "ok")
                return shared_by_info(info), self._ttl_s
            error = "no_channel_in_answer"
        metrics.slack_call(method, error)
        throttled.warning(
            (method, error),
            "cannot tell whether channel %s is shared with partners (%s): treating it as shared",
            channel,
            error,
        )
        return True, self._error_ttl_s
