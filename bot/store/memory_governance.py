"""``MemoryStore``'s governance state: channel settings, opt-outs and suggestions, in dicts.

``GovernanceTables`` takes no lock of its own: ``GovernanceMethods``, the ``Store`` methods
``MemoryStore`` inherits, call it under the store's one lock, which is what makes ``decide``
atomic (the first decision of a waiting suggestion wins). The rules are ``SqlStore``'s
(``sql_governance``), and the contract tests hold both to them.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
from collections.abc import Callable

from bot.store.base import (
    ChannelSettings,
    NewSuggestion,
    Suggestion,
    Workspace,
    check_decision,
)


class GovernanceTables:
    """The three tables, keyed as ``SqlStore``'s primary keys are."""

    def __init__(self) -> None:
        self.settings: dict[tuple[Workspace, str], ChannelSettings] = {}
        self.opted_out: dict[tuple[Workspace, str], tuple[bool, float]] = {}
        self.suggestions: dict[int, Suggestion] = {}
        self._next_id = 1

    def add(self, workspace: Workspace, new: NewSuggestion, now: float) -> Suggestion:
        made = Suggestion(
            id=self._next_id,
            workspace=workspace,
            term=new.term,
            definition=new.definition,
            category=new.category,
            acronym=new.acronym,
            why=new.why,
            suggester=new.suggester,
            status="waiting",
            created_at=now,
        )
        self.suggestions[made.id] = made
        self._next_id += 1
        return made

    def listed(
        self, status: str | None, workspace: Workspace | None, limit: int
    ) -> list[Suggestion]:
        rows = [
            s
            for s in sorted(self.suggestions.values(), key=lambda s: (s.created_at, s.id))
            if (status is None or s.status == status)
            and (workspace is None or s.workspace == workspace)
        ]
        return rows[: max(limit, 0)]

    def edit(self, suggestion_id: int, new: NewSuggestion) -> Suggestion | None:
        held = self.suggestions.get(suggestion_id)
        if held is None or held.status != "waiting":
            return None
        edited = dataclasses.replace(
            held,
            term=new.term,
            definition=new.definition,
            category=new.category,
            acronym=new.acronym,
            why=new.why,
        )
        self.suggestions[suggestion_id] = edited
        return edited

    def decide(self, suggestion_id: int, status: str, by: str, now: float) -> Suggestion | None:
        held = self.suggestions.get(suggestion_id)
        if held is None or held.status != "waiting":
            return None
        decided = dataclasses.replace(held, status=status, decided_by=by, decided_at=now)
        self.suggestions[suggestion_id] = decided
        return decided

    def set_review(self, suggestion_id: int, channel: str, ts: str) -> None:
        held = self.suggestions.get(suggestion_id)
        if held is not None:
            self.suggestions[suggestion_id] = dataclasses.replace(
                held, review_channel=channel, review_ts=ts
            )

    def prune(self, kept_from: float) -> int:
        """Decided suggestions older than retention go; settings and opt-outs are choices that
        stay until changed or purged (see ``Store.prune``)."""
        old = [
            key
            for key, s in self.suggestions.items()
            if s.status != "waiting" and s.decided_at < kept_from
        ]
        for key in old:
            del self.suggestions[key]
        return len(old)

    def purge_workspaces(self, belongs: Callable[[Workspace], bool]) -> tuple[int, int, int]:
        """Delete every row of the matching workspaces: (settings, preferences, suggestions)."""
        settings = [key for key in self.settings if belongs(key[0])]
        prefs = [key for key in self.opted_out if belongs(key[0])]
        ids = [key for key, s in self.suggestions.items() if belongs(s.workspace)]
        for key in settings:
            del self.settings[key]
        for pref in prefs:
            del self.opted_out[pref]
        for number in ids:
            del self.suggestions[number]
        return len(settings), len(prefs), len(ids)

    def purge_person(self, user: str, belongs: Callable[[Workspace], bool]) -> tuple[int, int, int]:
        """Forget ``user``: their preferences row goes; their id is blanked where it names
        them in a row that is not theirs alone (settings they changed, suggestions they made
        or decided), which stays for the channel and the maintainers. Returns rows touched."""
        settings = 0
        for key, held in list(self.settings.items()):
            if belongs(key[0]) and held.updated_by == user:
                self.settings[key] = dataclasses.replace(held, updated_by="")
                settings += 1
        prefs = [key for key in self.opted_out if key[1] == user and belongs(key[0])]
        for pref in prefs:
            del self.opted_out[pref]
        suggestions = 0
        for number, s in list(self.suggestions.items()):
            if belongs(s.workspace) and user in (s.suggester, s.decided_by):
                self.suggestions[number] = dataclasses.replace(
                    s,
                    suggester="" if s.suggester == user else s.suggester,
                    decided_by="" if s.decided_by == user else s.decided_by,
                )
                suggestions += 1
        return settings, len(prefs), suggestions


class GovernanceMethods:
    """The governance part of ``Store`` for ``MemoryStore``, which provides ``_gov`` and
    ``_open`` (its lock, held on an open store)."""

    _gov: GovernanceTables

    @abc.abstractmethod
    def _open(self) -> contextlib.AbstractContextManager[None]:
        """The store's lock, refusing a closed store."""

    def channel_settings(self, workspace: Workspace, channel: str) -> ChannelSettings:
        with self._open():
            return self._gov.settings.get((workspace, channel), ChannelSettings())

    def set_channel_settings(
        self, workspace: Workspace, channel: str, settings: ChannelSettings
    ) -> None:
        with self._open():
            self._gov.settings[(workspace, channel)] = settings

    def opted_out(self, workspace: Workspace, user: str) -> bool:
        with self._open():
            return self._gov.opted_out.get((workspace, user), (False, 0.0))[0]

    def set_opted_out(self, workspace: Workspace, user: str, opted_out: bool, now: float) -> None:
        with self._open():
            self._gov.opted_out[(workspace, user)] = (opted_out, now)

    def add_suggestion(
        self, workspace: Workspace, suggestion: NewSuggestion, now: float
    ) -> Suggestion:
        with self._open():
            return self._gov.add(workspace, suggestion, now)

    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        with self._open():
            return self._gov.suggestions.get(suggestion_id)

    def suggestions(
        self, status: str | None = None, workspace: Workspace | None = None, limit: int = 1000
    ) -> list[Suggestion]:
        with self._open():
            return self._gov.listed(status, workspace, limit)

    def edit_suggestion(
        self, suggestion_id: int, suggestion: NewSuggestion, now: float
    ) -> Suggestion | None:
        with self._open():
            return self._gov.edit(suggestion_id, suggestion)

    def decide_suggestion(
        self, suggestion_id: int, status: str, by: str, now: float
    ) -> Suggestion | None:
        check_decision(status)
        with self._open():
            return self._gov.decide(suggestion_id, status, by, now)

    def set_suggestion_review(self, suggestion_id: int, channel: str, ts: str) -> None:
        with self._open():
            self._gov.set_review(suggestion_id, channel, ts)
