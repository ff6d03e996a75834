"""Glossary governance, the domain side: suggestions, channel settings, opt-outs, and what the
maintainers' App Home section shows.

Reached from the Slack layer as ``service.governance``. Who counts as a maintainer is decided
in the Slack layer (a user group needs a Web API call, ``bot.slack.people``); this facet holds
the configured ids and everything that needs only the glossary and the store. Suggestions are
kept in the store and reviewed in Slack; the glossary itself only changes through git (an
approval yields YAML to paste, ``bot.suggestions.entry_yaml``).

Store failures: the methods whose job is a store write raise ``StoreError`` (the job runner
retries them); ``home_extras`` only decorates the Home tab, so it carries on without the store
and logs that once per interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import suggestions
from bot.channel_settings import SettingsForm, apply, changes
from bot.logs import Throttled
from bot.store import Store, StoreError
from bot.store.base import ChannelSettings, Miss, NewSuggestion, Suggestion, Workspace
from bot.terms import Glossary
from bot.terms.review import Overdue, overdue
from bot.terms.text import fold

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

PANEL_ROWS = 5
"""Lines per list in the Maintainers section: a glance, not a report (the CLI has those)."""
WEEK_S = 7 * 86400.0
MISSES_SINCE_S = 30 * 86400.0


@dataclass(frozen=True, slots=True)
class MaintainerPanel:
    """App Home's Maintainers section: each list is its first rows, with the full count."""

    misses: tuple[Miss, ...]
    overdue: tuple[Overdue, ...]
    overdue_count: int
    waiting: tuple[Suggestion, ...]
    waiting_count: int
    top: tuple[tuple[str, int], ...]
    channels: tuple[tuple[str, int], ...]
    """Terms explained per channel in the last seven days: (channel id, count)."""


@dataclass(frozen=True, slots=True)
class HomeExtras:
    """What App Home shows beyond browsing, for one person."""

    opted_out: bool | None
    """Their "Don't explain terms in my messages" choice; None: unknown (the store is down),
    so the toggle is not shown rather than shown wrong."""
    panel: MaintainerPanel | None = None
    """Only for maintainers."""


class Governance:
    """Suggestions, channel settings and opt-outs over the service's store and glossary."""

    def __init__(
        self, store: Store, glossary: Callable[[], Glossary], clock: Callable[[], float]
    ) -> None:
        self.store = store
        self._glossary = glossary
        """The glossary in use now (the service's, which hot reload swaps)."""
        self.clock = clock
        self.maintainers: frozenset[str] = frozenset()
        """GLOSSARY_MAINTAINERS: user ids (U…/W…) and user-group ids (S…)."""
        self.suggestions_channel: str | None = None
        self.governance_team: str | None = None

    def configure(
        self,
        *,
        maintainers: frozenset[str],
        suggestions_channel: str | None,
        governance_team: str | None,
    ) -> None:
        """Settings from config (bot.slack.bootstrap.make_service); unset, nobody maintains."""
        self.maintainers = maintainers
        self.suggestions_channel = suggestions_channel
        self.governance_team = governance_team

    def review_workspace(self, origin: Workspace) -> Workspace:
        """Whose token posts for review: GOVERNANCE_TEAM's, else the suggester's own (with one
        bot token, that is the token's workspace whatever the key says)."""
        return Workspace(None, self.governance_team) if self.governance_team else origin

    # -- suggestions -------------------------------------------------------------------------
    def categories(self) -> tuple[str, ...]:
        return tuple(self._glossary().categories())

    def problems(self, draft: NewSuggestion, *, known: str = "") -> dict[str, str]:
        """What is wrong with a suggestion, by field (see ``bot.suggestions.problems``)."""
        return suggestions.problems(draft, self._glossary(), known=known)

    def add(self, workspace: Workspace, draft: NewSuggestion, key: str) -> Suggestion:
        """Store a suggestion once per ``key`` (the modal's view id): a job retried after the
        suggestion was stored finds it instead of storing it twice. Raises ``StoreError``."""
        now = self.clock()
        if not self.store.claim_once(f"suggestion:{key}", now):
            wanted = fold(draft.term)
            for earlier in reversed(self.store.suggestions("waiting", workspace)):
                if earlier.suggester == draft.suggester and fold(earlier.term) == wanted:
                    return earlier
        return self.store.add_suggestion(workspace, _cleaned(draft), now)

    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        return self.store.suggestion(suggestion_id)

    def edit(self, suggestion_id: int, draft: NewSuggestion) -> Suggestion | None:
        """A maintainer's edit; None if it is gone or was decided meanwhile."""
        return self.store.edit_suggestion(suggestion_id, _cleaned(draft), self.clock())

    def decide(self, suggestion_id: int, status: str, by: str) -> Suggestion | None:
        """Approve or reject; only the first decision wins (None for the others)."""
        return self.store.decide_suggestion(suggestion_id, status, by, self.clock())

    def set_review(self, suggestion_id: int, channel: str, ts: str) -> None:
        self.store.set_suggestion_review(suggestion_id, channel, ts)

    # -- channels and people -----------------------------------------------------------------
    def channel_settings(self, workspace: Workspace, channel: str) -> ChannelSettings:
        return self.store.channel_settings(workspace, channel)

    def change_settings(
        self, workspace: Workspace, channel: str, form: SettingsForm, by: str
    ) -> list[str]:
        """Apply a submitted form; returns what changed, worded for the channel notice."""
        now = self.clock()
        old = self.store.channel_settings(workspace, channel)
        new = apply(old, form, by, now)
        self.store.set_channel_settings(workspace, channel, new)
        return changes(old, new, now)

    def set_opted_out(self, workspace: Workspace, user: str, opted_out: bool) -> None:
        self.store.set_opted_out(workspace, user, opted_out, self.clock())

    def home_extras(self, workspace: Workspace, user: str, *, maintainer: bool) -> HomeExtras:
        """The opt-out toggle's state and, for a maintainer, the Maintainers section."""
        try:
            opted_out = self.store.opted_out(workspace, user)
            panel = self._panel(workspace) if maintainer else None
        except StoreError as exc:
            throttled.warning("home_extras", "Home tab shown without its own settings: %s", exc)
            return HomeExtras(None)
        return HomeExtras(opted_out, panel)

    def _panel(self, workspace: Workspace) -> MaintainerPanel:
        """Misses and waiting suggestions from every workspace (one glossary, one set of
        maintainers); lookups and channels from this one."""
        now = self.clock()
        due = overdue(self._glossary().terms, datetime.fromtimestamp(now, UTC).date())
        waiting = self.store.suggestions("waiting")
        return MaintainerPanel(
            misses=tuple(self.store.misses(None, now - MISSES_SINCE_S, PANEL_ROWS)),
            overdue=tuple(due[:PANEL_ROWS]),
            overdue_count=len(due),
            waiting=tuple(waiting[:PANEL_ROWS]),
            waiting_count=len(waiting),
            top=tuple(self.store.top_terms(workspace, PANEL_ROWS)),
            channels=tuple(self.store.explanations_by_channel(workspace, now - WEEK_S, PANEL_ROWS)),
        )


def _cleaned(draft: NewSuggestion) -> NewSuggestion:
    """One-line fields collapsed as the loader would; the reason keeps its line breaks."""
    clean = suggestions.clean
    return NewSuggestion(
        term=clean(draft.term),
        definition=clean(draft.definition),
        category=clean(draft.category),
        acronym=clean(draft.acronym),
        why=draft.why.strip()[: suggestions.MAX_WHY],
        suggester=draft.suggester,
    )
