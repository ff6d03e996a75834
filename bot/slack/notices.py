"""Governance posts nobody asked for: weekly owner reminders and announcements of reloads.

Both run on background threads of every process (reminders on the upkeep thread, announcements
on the glossary watcher's), never on a request's path, and a store claim makes exactly one
replica send each: ``reminders:<ISO week>`` and ``announce:<glossary version>``. They post with
the governance workspace's client (``client``: the single bot token's, or GOVERNANCE_TEAM's
installation in OAuth mode), looked up when needed, so a token rotated or installed later is
used. A store outage or a Slack error costs one log line and never raises into the thread.

A reminder week's claim is stamped with the week's *end*: ``prune`` keeps once-keys for a day
after their stamp, so a claim stamped "now" on Monday would be gone by Wednesday and a second
replica could send the week's reminders again. A claim won but then not delivered (Slack down
all through it, a crash mid-way) is not retried that week: better a week late than twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot.changes import diff_terms
from bot.config import Settings
from bot.logs import Throttled
from bot.reminders import Week, by_owner, owner_kind, recipients
from bot.service import GlossaryService
from bot.slack.channels import shared_by_info
from bot.slack.failures import Failed
from bot.slack.people import People
from bot.slack.render.notices import announcement, reminder
from bot.store import Store, StoreError
from bot.store.base import Workspace
from bot.terms.model import Term
from bot.terms.review import Overdue

__all__ = ["SEND_AFTER_S", "Announcer", "Directory", "Reminders", "governance_notices"]

logger = logging.getLogger(__name__)
QUIET_S = 3600.0
"""A repeated failure (the store down at every check) is logged once in this long."""
SEND_AFTER_S = 9 * 3600.0
"""Reminders go out from Monday 09:00 UTC (or the first check after it) of each week."""
PROBLEMS = (SlackApiError, SlackClientError, OSError, StoreError, Failed)
"""What talking to Slack (and finding the governance token) may raise; logged, never raised."""


@dataclass(frozen=True, slots=True)
class Directory:
    """Owners who are not a user id, as people: ``bot.slack.people.People`` for the governance
    workspace (which answers "nobody" when Slack cannot say, and logs that itself)."""

    members: Callable[[str], Iterable[str]]
    user_by_email: Callable[[str], str | None]


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "unknown_error"))
    return " ".join(str(exc).split())[:200] or type(exc).__name__


class Reminders:
    """Once a week, one replica DMs each owner the list of their overdue terms."""

    def __init__(
        self,
        store: Store,
        client: Callable[[], WebClient],
        overdue: Callable[[date], Iterable[Overdue]],
        directory: Directory,
        *,
        root: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._client = client
        self._overdue = overdue
        self.directory = directory
        self.root = root
        """File names in reminders are relative to this (the glossary's parent folder)."""
        self._clock = clock
        self._throttled = Throttled(logger, QUIET_S)

    def __call__(self, now: float | None = None) -> int | None:
        """A chore for the upkeep thread: DMs sent, or None if not this process's turn."""
        try:
            return self.run_once(self._clock() if now is None else now)
        except Exception:
            self._throttled.exception("bug", "review reminders failed")
            return None

    def run_once(self, now: float) -> int | None:
        week = Week.of(now)
        if now < week.start + SEND_AFTER_S:
            return None
        try:
            if not self.store.claim_once(week.key, week.end):
                return None
        except StoreError as exc:
            self._throttled.warning("store", "review reminders wait for the store: %s", exc)
            return None
        today = datetime.fromtimestamp(now, UTC).date()
        owed = by_owner(self._overdue(today), self.root)
        if not owed:
            logger.info("review reminders %s: no owner has overdue terms", week.key)
            return 0
        try:
            client = self._client()
        except PROBLEMS as exc:
            logger.error("review reminders %s not sent: %s", week.key, _reason(exc))
            return 0
        sent = failed = 0
        for user, dues in recipients(owed, self._resolve).items():
            message = reminder(dues)
            try:
                client.chat_postMessage(channel=user, text=message.text, blocks=message.blocks)
                sent += 1
            except PROBLEMS as exc:
                failed += 1
                logger.warning(
                    "could not DM %s their %d overdue term(s): %s", user, len(dues), _reason(exc)
                )
        logger.info("review reminders %s: %d DM(s) sent, %d failed", week.key, sent, failed)
        return sent

    def _resolve(self, owner: str) -> list[str]:
        """The people to DM for ``owner``; a failure is logged (once) and reaches nobody."""
        kind = owner_kind(owner)
        try:
            if kind == "user":
                return [owner]
            if kind == "group":
                return list(self.directory.members(owner))
            if kind == "email":
                user = self.directory.user_by_email(owner)
                if user is None:
                    logger.warning("term owner %s: no Slack user found by that email", owner)
                return [user] if user else []
        except PROBLEMS as exc:
            logger.warning("cannot find the people of term owner %s: %s", owner, _reason(exc))
            return []
        logger.warning("term owner %r is not a user, user group or email; not reminded", owner)
        return []


class Announcer:
    """After a reload, one replica posts what changed to the announce channel."""

    def __init__(
        self,
        store: Store,
        client: Callable[[], WebClient],
        channel: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._client = client
        self.channel = channel
        self._clock = clock
        self._throttled = Throttled(logger, QUIET_S)

    def __call__(self, before: Sequence[Term], after: Sequence[Term], version: str) -> bool:
        """Called by the watcher after each swap; True if this process posted."""
        try:
            return self._announce(before, after, version)
        except Exception:
            self._throttled.exception("bug", "announcing glossary %s failed", version)
            return False

    def _announce(self, before: Sequence[Term], after: Sequence[Term], version: str) -> bool:
        changes = diff_terms(before, after)
        if not changes:
            return False
        try:
            client = self._client()
            message = announcement(changes, shared=self._shared(client))
            if message is None or not self.store.claim_once(f"announce:{version}", self._clock()):
                return False
            client.chat_postMessage(channel=self.channel, text=message.text, blocks=message.blocks)
        except PROBLEMS as exc:
            logger.warning(
                "glossary %s not announced in %s: %s", version, self.channel, _reason(exc)
            )
            return False
        logger.info("glossary %s announced in %s", version, self.channel)
        return True

    def _shared(self, client: WebClient) -> bool:
        """Do partners read the channel: shared with another organisation, or its members
        forced the partner view (``/define settings``)? If Slack cannot say, assume so; a
        store that cannot say is the announcement's failure (it could not claim it either)."""
        try:
            info = client.conversations_info(channel=self.channel)
            channel = info.get("channel")
            if not isinstance(channel, dict) or shared_by_info(channel):
                return True
            auth = client.auth_test()  # the workspace whose settings apply to the channel
            workspace = Workspace(auth.get("enterprise_id"), auth.get("team_id"))
            return self.store.channel_settings(workspace, self.channel).partner_view
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning(
                "cannot tell whether partners read %s (%s): internal terms left out",
                self.channel,
                _reason(exc),
            )
            return True


def governance_notices(
    settings: Settings,
    service: GlossaryService,
    clients: Callable[[Workspace], WebClient],
) -> tuple[Reminders | None, Announcer | None]:
    """The reminders and announcer the settings ask for (None for each one off).

    Posts go through the governance workspace: with one bot token, its workspace (any key
    finds that client); in OAuth mode, GOVERNANCE_TEAM's installation, and both are off
    (one warning) when that is unset.
    """
    wanted = [
        name
        for name, on in (
            ("REVIEW_REMINDERS", settings.review_reminders),
            ("ANNOUNCE_CHANNEL", settings.announce_channel is not None),
        )
        if on
    ]
    if not wanted:
        return None, None
    if settings.oauth and settings.governance_team is None:
        logger.warning(
            "%s set but GOVERNANCE_TEAM is not: in OAuth mode that names the workspace that "
            "posts them; they are off",
            " and ".join(wanted),
        )
        return None, None
    governance = Workspace(team_id=settings.governance_team)

    def client() -> WebClient:
        return clients(governance)

    reminders = None
    if settings.review_reminders:
        people = People(clients)
        reminders = Reminders(
            service.store,
            client,
            lambda today: service.glossary.overdue(today),
            Directory(
                lambda group: people.members(governance, group),
                lambda email: people.user_by_email(governance, email),
            ),
            root=settings.glossary_path.parent,
        )
    announcer = None
    if settings.announce_channel is not None:
        announcer = Announcer(service.store, client, settings.announce_channel)
    return reminders, announcer
