"""Calling action listeners the way Bolt routes a click, for test_actions and test_share.

A click is routed by its ``action_id`` to exactly one listener (keys are strings or patterns),
then called like the dispatcher would (``conftest.call``: Block Kit and JSON checks included).
"""

from __future__ import annotations

import re
from typing import Any

from bot.service import GlossaryService
from bot.slack.dispatch import Listener
from bot.slack.listeners import actions
from bot.slack.work import Outcome
from bot.store.base import NewJob

from .conftest import EQL_TITLE, WORKSPACE, call

URL = "https://hooks.slack.com/actions/T0TEST/1/abc"
GONE = "That term is no longer in the glossary."
SHARE_FAILED = f"I couldn't share “{EQL_TITLE}”: Slack said `{{error}}`. {{advice}}"
"""Filled in by the Performer once Slack's refusal is known (see test_perform)."""


def reply(body: dict[str, Any]) -> NewJob:
    """A private answer to a click, sent to its response_url with the workspace's token."""
    return NewJob("respond", {"url": URL, "body": body}, workspace=WORKSPACE)


def route(service: GlossaryService, action_id: str) -> Listener:
    """The one listener Bolt would call for ``action_id``."""
    matching = [
        listener
        for key, listener in actions.listeners(service).items()
        if key == action_id or (isinstance(key, re.Pattern) and key.search(action_id))
    ]
    assert len(matching) == 1, action_id
    return matching[0]


def click(service: GlossaryService, body: dict[str, Any]) -> Outcome:
    return call(route(service, body["actions"][0]["action_id"]), body)
