"""Doing the governance work: suggestions, reviews, channel settings, opt-outs, App Home's
own part. Registered in ``Performer._kinds`` (``kinds``); uses the Performer's Slack call (its
error handling and logging) and the service's ``governance`` facet.

Maintainer-ness is decided here, when the work runs, not in the listener (a user group needs
``usergroups.users.list``). A decision is atomic in the store, so a double click or two
maintainers approve once; the winner queues what follows (the review post's update, the YAML
in its thread, the suggester's DM) as jobs keyed by the suggestion, so a retry of the decision
or a late second click by the same maintainer adds nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from slack_sdk.web import WebClient

from bot.channel_settings import SettingsForm, notice
from bot.governance import HomeExtras
from bot.service import GlossaryService
from bot.slack import governance_work as gw
from bot.slack import work
from bot.slack.failures import Failed, Retry
from bot.slack.people import People
from bot.slack.render import settings as settings_render
from bot.slack.render import suggest as render
from bot.slack.render.cards import Message
from bot.store import StoreError
from bot.store.base import NewJob, NewSuggestion, Suggestion, Workspace

SETTINGS_UNREADABLE = "I couldn't read this channel's settings just now. Please try again soon."
NOTICE_FAILED = "Saved. I couldn't announce it in the channel: Slack said `{error}`. {advice}"


class Performs(Protocol):
    """What the governance kinds need of ``bot.slack.perform.Performer`` (which registers them):
    its service, its other kinds, and its logged Slack call."""

    service: GlossaryService

    def perform(self, kind: str, payload: dict[str, Any], workspace: Workspace) -> None: ...

    def call(
        self, workspace: Workspace, method: str, where: str, **args: Any
    ) -> dict[str, Any]: ...


class GovernanceWork:
    """The governance job kinds, performed with ``performer``'s Slack calls."""

    def __init__(
        self,
        performer: Performs,
        clients: Callable[[Workspace], WebClient],
        people: People | None = None,
    ) -> None:
        self._performer = performer
        self.people = people or People(clients)
        self.governance = performer.service.governance

    def kinds(self) -> dict[str, Callable[[Workspace, dict[str, Any]], None]]:
        return {
            gw.SUGGEST: self.suggest,
            gw.DECIDE: self.decide,
            gw.REVIEW_UPDATE: self.review_update,
            gw.EDIT_FORM: self.edit_form,
            gw.EDIT: self.edit,
            gw.SETTINGS_FORM: self.settings_form,
            gw.SETTINGS: self.settings,
            gw.OPT_OUT: self.opt_out,
        }

    def is_maintainer(self, workspace: Workspace, user: str) -> bool:
        return self.people.is_maintainer(workspace, user, self.governance.maintainers)

    # -- suggestions ---------------------------------------------------------------------------
    def suggest(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        draft = gw.draft_of(payload.get("suggestion"))
        suggestion = self.governance.add(workspace, draft, str(payload.get("key", "")))
        channel = self.governance.suggestions_channel
        posted = bool(suggestion.review_ts)
        if channel and not posted:
            message = render.review_message(suggestion)
            try:
                data = self._call(
                    self.governance.review_workspace(workspace),
                    "chat.postMessage",
                    channel,
                    channel=channel,
                    text=message.text,
                    blocks=message.blocks,
                    unfurl_links=False,  # a link typed in a suggestion gets no preview card
                    unfurl_media=False,
                )
            except Failed:
                data = None  # logged by the call; it waits in App Home's Maintainers section
            if data is not None:
                self.governance.set_review(suggestion.id, channel, str(data.get("ts", "")))
                posted = True
        self._tell(workspace, draft.suggester, render.received_text(suggestion, posted=posted))

    def decide(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        suggestion_id, status = int(payload["id"]), str(payload["status"])
        user, channel = str(payload["user"]), str(payload.get("channel", ""))
        if not self.is_maintainer(workspace, user):
            self._ephemeral(workspace, channel, user, render.REFUSAL)
            return
        decided = self.governance.decide(suggestion_id, status, user)
        if decided is None:
            current = self.governance.suggestion(suggestion_id)
            if current is None:
                self._ephemeral(workspace, channel, user, render.GONE)
                return
            if (current.status, current.decided_by) != (status, user):
                self._ephemeral(workspace, channel, user, render.already_decided_text(current))
                return
            decided = current  # our own decision, made by an earlier attempt or click
        self._enqueue(self._after_decision(workspace, decided))

    def _after_decision(self, workspace: Workspace, suggestion: Suggestion) -> list[NewJob]:
        """What follows a decision, each once per suggestion (dedupe keys)."""
        key = f"suggestion:{suggestion.id}"
        told = render.approved_text if suggestion.status == "approved" else render.rejected_text
        jobs: list[NewJob] = []
        if suggestion.suggester:  # a DM, with the token of the suggester's own workspace
            message = Message(told(suggestion))
            dedupe = f"{key}:told"
            jobs.append(
                work.post(suggestion.workspace, suggestion.suggester, message, dedupe_key=dedupe)
            )
        if suggestion.review_channel:  # with the token that posted it (GOVERNANCE_TEAM's)
            review = self.governance.review_workspace(workspace)
            jobs.append(gw.review_update(review, suggestion.id))
            if suggestion.status == "approved":
                jobs.append(
                    work.post(
                        review,
                        suggestion.review_channel,
                        render.yaml_message(suggestion),
                        thread_ts=suggestion.review_ts,
                        dedupe_key=f"{key}:yaml",
                    )
                )
        return jobs

    def review_update(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        suggestion = self.governance.suggestion(int(payload["id"]))
        if suggestion is None or not suggestion.review_channel:
            return
        message = render.review_message(suggestion)
        self._call(
            workspace,
            "chat.update",
            suggestion.review_channel,
            channel=suggestion.review_channel,
            ts=suggestion.review_ts,
            text=message.text,
            blocks=message.blocks,
        )

    def edit_form(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        user, channel = str(payload["user"]), str(payload.get("channel", ""))
        if not self.is_maintainer(workspace, user):
            self._ephemeral(workspace, channel, user, render.REFUSAL)
            return
        suggestion = self.governance.suggestion(int(payload["id"]))
        if suggestion is None or suggestion.status != "waiting":
            text = render.GONE if suggestion is None else render.already_decided_text(suggestion)
            self._ephemeral(workspace, channel, user, text)
            return
        draft = NewSuggestion(
            suggestion.term,
            suggestion.definition,
            suggestion.category,
            suggestion.acronym,
            suggestion.why,
        )
        view = render.suggestion_modal(draft, self.governance.categories(), edit_id=suggestion.id)
        trigger = str(payload["trigger_id"])
        self._call(workspace, "views.open", "modal", trigger_id=trigger, view=view)

    def edit(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        user = str(payload["user"])
        suggestion_id = int(payload["id"])
        current = self.governance.suggestion(suggestion_id)
        channel = current.review_channel if current else ""
        if not self.is_maintainer(workspace, user):
            self._ephemeral(workspace, channel, user, render.REFUSAL)
            return
        edited = self.governance.edit(suggestion_id, gw.draft_of(payload.get("suggestion")))
        if edited is None:
            text = render.GONE if current is None else render.already_decided_text(current)
            self._tell(workspace, user, text)
            return
        self.review_update(self.governance.review_workspace(workspace), {"id": suggestion_id})

    # -- channels and people ---------------------------------------------------------------------
    def settings_form(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        channel = str(payload["channel"])
        try:
            current = self.governance.channel_settings(workspace, channel)
        except StoreError:
            url = str(payload.get("response_url", ""))
            if url:
                sorry = work.respond(workspace, url, Message(SETTINGS_UNREADABLE))
                with contextlib.suppress(Failed, Retry):  # logged where it failed
                    self._performer.perform(sorry.kind, sorry.payload, workspace)
            raise
        policy = self._performer.service.policy
        view = settings_render.settings_modal(
            channel,
            current,
            self.governance.clock(),
            default_cooldown_hours=policy.cooldown_s / 3600.0,
            default_max_terms=policy.max_terms,
        )
        trigger = str(payload["trigger_id"])
        self._call(workspace, "views.open", channel, trigger_id=trigger, view=view)

    def settings(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        channel, user = str(payload["channel"]), str(payload["user"])
        form = SettingsForm(**payload["form"])
        said = self.governance.change_settings(workspace, channel, form, user)
        if not said:
            return
        failure = {"user": user, "text": NOTICE_FAILED}
        job = work.post(
            workspace,
            channel,
            Message(notice(user, said)),
            dedupe_key=f"settings-notice:{payload['key']}" if payload.get("key") else None,
            tell_on_failure=failure,
        )
        self._enqueue([job])

    def opt_out(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        user = str(payload["user"])
        self.governance.set_opted_out(workspace, user, payload.get("opted_out") is True)
        home = payload.get("home")
        state = home if isinstance(home, dict) else {}
        with contextlib.suppress(Failed, Retry):  # the choice is stored; the tab is a courtesy
            self._performer.perform(work.HOME, {**state, "user": user}, workspace)

    def home_extras(self, workspace: Workspace, user: str) -> HomeExtras:
        """The Home tab's own part for ``user`` (maintainer-ness decided now)."""
        return self.governance.home_extras(
            workspace, user, maintainer=self.is_maintainer(workspace, user)
        )

    # -- Slack ---------------------------------------------------------------------------------
    def _call(self, workspace: Workspace, method: str, where: str, **args: Any) -> dict[str, Any]:
        return self._performer.call(workspace, method, where, **args)

    def _enqueue(self, jobs: list[NewJob]) -> None:
        """Queue follow-up work (raises ``StoreError``: the job runs again, keys dedupe)."""
        self._performer.service.store.enqueue(jobs, self.governance.clock())

    def _tell(self, workspace: Workspace, user: str, text: str) -> None:
        """A DM; a failure is logged by the call and changes nothing else."""
        if user:
            with contextlib.suppress(Failed, Retry):
                self._call(workspace, "chat.postMessage", user, channel=user, text=text)

    def _ephemeral(self, workspace: Workspace, channel: str, user: str, text: str) -> None:
        """A private note in ``channel``, or a DM when that cannot be posted (to nobody when
        the payload named nobody: Slack would only refuse it)."""
        if not user:
            return
        if not channel:
            self._tell(workspace, user, text)
            return
        try:
            self._call(
                workspace, "chat.postEphemeral", channel, channel=channel, user=user, text=text
            )
        except (Failed, Retry):
            self._tell(workspace, user, text)
