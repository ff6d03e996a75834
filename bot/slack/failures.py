"""How a piece of work that talks to Slack can fail: for good, or for now.

Its own module so that every performer of work (``bot.slack.perform`` and the governance kinds
in ``bot.slack.governance_perform``) raises and catches the same two types without importing
each other.
"""

from __future__ import annotations


class Failed(Exception):
    """Slack refused for good; ``str(exc)`` is Slack's error code (e.g. ``not_in_channel``)."""


class Retry(Exception):
    """Slack or the network failed in a way worth trying again later."""
