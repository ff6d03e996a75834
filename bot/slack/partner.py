"""Posts in two versions: what the workspace reads, and what partners may read.

A listener cannot know whether the channel it answers in is shared with partners (that takes a
Web API call or a store read, and listeners make neither), so a job that posts where others read
(a mention answer, a Share, a shortcut reply) carries both versions when they differ. The
Performer picks the partner one when the target channel turns out to be shared, or when it
cannot tell (``Performer._variant``). A variant is:

- for a ``post`` job: ``{"text", "blocks"}``, or ``{"withheld": {"user", "text"}}`` when there is
  nothing partners may see (an internal term shared from a modal): the sharer is told why;
- for a ``respond`` job: ``{"body", "then"?}``: an internal term shared from a card becomes a
  private notice, with no "Shared ✓" after it.

The payload's ``channel`` names the target and ``shared: true`` records that the event already
said the channel is shared.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot import metrics
from bot.logs import Throttled
from bot.replies import View
from bot.service import GlossaryService
from bot.slack import work
from bot.slack.channels import SharedChannels, is_direct
from bot.slack.render.cards import Message, shared_message, withheld_message
from bot.store import StoreError
from bot.store.base import ChannelSettings, NewJob, Workspace

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

VARIANT = "partner"
WITHHELD = "withheld"


class Readers:
    """Who reads a channel, decided when a job runs: Slack's word (``SharedChannels``) and the
    channel's own settings (``partner_view``)."""

    def __init__(self, service: GlossaryService, channels: SharedChannels) -> None:
        self.service = service
        self.channels = channels

    def explain_view(
        self, workspace: Workspace, channel: str, settings: ChannelSettings, flagged: bool
    ) -> View | None:
        """The view to explain a channel message in; None in a Slack Connect channel while
        EXPLAIN_IN_SLACK_CONNECT is off (a channel forced to the partner view is not one)."""
        connect = self.channels.shared(workspace, channel, flagged=flagged)
        if connect and not self.service.policy.in_slack_connect:
            return None
        return View.PARTNER if connect or settings.partner_view else View.INTERNAL

    def variant(self, workspace: Workspace, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The payload's partner variant when partners may read its channel, else None.

        Unsure counts as shared: no channel named, the store cannot say whether the channel's
        settings force the partner view, or Slack cannot describe the channel."""
        variant = payload.get(VARIANT)
        if not isinstance(variant, dict):
            return None
        channel = str(payload.get("channel") or "")
        if not channel or payload.get("shared") is True:
            return variant
        if is_direct(channel):
            return None
        try:
            if self.service.partner_view(workspace, channel):
                return variant
        except StoreError as exc:
            metrics.store_error("channel_settings")
            throttled.warning("partner_view", "channel settings unreadable, partner view: %s", exc)
            return variant
        return variant if self.channels.shared(workspace, channel) else None


def post_variant(job: NewJob, partner: Message, *, shared: bool = False) -> NewJob:
    """A ``post`` job that sends ``partner`` instead where partners read (unchanged if equal)."""
    if partner.text == job.payload.get("text") and partner.blocks == job.payload.get("blocks"):
        return job
    return _with(job, {"text": partner.text, "blocks": partner.blocks}, shared=shared)


def respond_variant(
    job: NewJob, channel: str, partner: Message, *, private: bool = False, shared: bool = False
) -> NewJob:
    """A ``respond`` job that sends ``partner`` instead where partners read; ``private``: as an
    ephemeral reply that replaces nothing and is followed by nothing."""
    body = {**job.payload["body"], "text": partner.text, "blocks": partner.blocks}
    if private:
        body.update(response_type="ephemeral", replace_original=False)
    if body == job.payload["body"]:
        return job
    variant: dict[str, Any] = {"body": body}
    if not private and "then" in job.payload:
        variant["then"] = job.payload["then"]
    return _with(job, variant, channel=channel, shared=shared)


def share(service: GlossaryService, job: NewJob, name: str, user: str, channel: str) -> NewJob:
    """A Share job (``respond`` from a card, ``post`` from a modal) with its partner version:
    the partner card, or, for an internal term, a private word to the sharer instead."""
    internal = service.card(name)
    if internal is None:
        return job
    card = service.card(name, View.PARTNER)
    if card is None:
        notice = withheld_message(internal.term.title)
        if job.kind == work.RESPOND:
            return respond_variant(job, channel, notice, private=True)
        return _with(job, {WITHHELD: {"user": user, "text": notice.text}})
    message = shared_message(card, user)
    if job.kind == work.RESPOND:
        return respond_variant(job, channel, message)
    return post_variant(job, message)


def _with(
    job: NewJob, variant: dict[str, Any], *, channel: str | None = None, shared: bool = False
) -> NewJob:
    payload = {**job.payload, VARIANT: variant}
    if channel is not None:
        payload["channel"] = channel
    if shared:
        payload["shared"] = True
    return replace(job, payload=payload)
