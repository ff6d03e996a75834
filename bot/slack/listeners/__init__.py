"""Pure listeners (payload → ``Outcome``) and their registration with Bolt.

Each listener module offers ``listeners(service)``: a mapping from what Bolt matches on (event
type, command, action_id or pattern, callback_id) to a pure listener. ``register`` wraps each in
the one dispatcher adapter and applies Bolt's decorators as calls, so no handler module imports
an ``App``. Catch-alls come last, so every request Slack signs gets its ack: unknown events,
buttons from old messages, unknown shortcuts and views.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.service import GlossaryService
from bot.slack.dispatch import DirectMiddleware, Dispatcher, bolt_listener
from bot.slack.listeners import actions, commands, events, shortcuts
from bot.slack.listeners.guard import guard
from bot.slack.work import NOTHING, Incoming, Outcome

ANY = re.compile(".*")


def ignore(incoming: Incoming) -> Outcome:
    """Ack and do nothing (controls of older messages, callbacks this app no longer has)."""
    return NOTHING


def register(app: App, service: GlossaryService, dispatcher: Dispatcher) -> None:
    """Attach the guard middleware and every listener; they all go through ``dispatcher``."""
    app.use(DirectMiddleware(guard))
    for command, listener in commands.listeners(service).items():
        app.command(command)(bolt_listener(listener, dispatcher))
    for event, listener in events.listeners(service).items():
        app.event(event)(bolt_listener(listener, dispatcher))
    for action, listener in actions.listeners(service).items():
        app.action(action)(bolt_listener(listener, dispatcher))
    for callback, listener in actions.views(service).items():
        app.view(callback)(bolt_listener(listener, dispatcher))
    for callback, listener in shortcuts.listeners(service).items():
        app.shortcut(callback)(bolt_listener(listener, dispatcher))
    app.event(ANY)(bolt_listener(events.UnhandledEvents(), dispatcher))
    app.action(ANY)(bolt_listener(ignore, dispatcher))
    app.shortcut(ANY)(bolt_listener(ignore, dispatcher))
    app.view(ANY)(bolt_listener(ignore, dispatcher))
    app.command(ANY)(bolt_listener(ignore, dispatcher))
