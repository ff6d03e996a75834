"""Thin Slack listeners: ack, parse, call the service, render, send.

Each module has ``register(app, service)``, which applies Bolt's decorators as calls so the
handler modules never import a global ``app`` and can be tested with plain mocks.
"""

from __future__ import annotations

from slack_bolt import App

from bot.service import GlossaryService
from bot.slack.listeners.actions import register as register_actions
from bot.slack.listeners.commands import register as register_commands
from bot.slack.listeners.events import register as register_events
from bot.slack.listeners.shortcuts import register as register_shortcuts
from bot.slack.send import Sender


def register(app: App, service: GlossaryService, sender: Sender) -> None:
    """Attach every listener the bot has; they all send through ``sender``."""
    for register_kind in (register_commands, register_events, register_actions, register_shortcuts):
        register_kind(app, service, sender)
