"""Pure listeners (payload → ``Outcome``) and their registration with Bolt.

Each listener module offers ``listeners(service)``: a mapping from what Bolt matches on (event
type, command, action_id or pattern, callback_id) to a pure listener. ``register`` wraps each in
the one dispatcher adapter and adds it to the app (``bolt_adapter``: matched by Bolt's own
matchers), so no handler module imports an ``App``. Catch-alls come last in their kind, so every
request Slack signs gets its ack: unknown events, buttons from old messages, unknown shortcuts
and views.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from slack_bolt import App

from bot.service import GlossaryService
from bot.slack.bolt_adapter import Constraint, DirectMiddleware, Kind, add_listener
from bot.slack.dispatch import Dispatcher, Listener, bolt_listener
from bot.slack.listeners import actions, commands, events, shortcuts
from bot.slack.listeners.guard import guard
from bot.slack.work import NOTHING, Incoming, Outcome

ANY = re.compile(".*")


def ignore(incoming: Incoming) -> Outcome:
    """Ack and do nothing (controls of older messages, callbacks this app no longer has)."""
    return NOTHING


def register(app: App, service: GlossaryService, dispatcher: Dispatcher) -> None:
    """Attach the guard middleware and every listener; they all go through ``dispatcher``.

    Bolt tries listeners in the order they were added, so the kind that floods in (message
    events) comes first; kinds never match each other's requests, so only within a kind does
    the order matter, and there its catch-all comes last."""
    app.use(DirectMiddleware(guard))
    kinds: list[tuple[Kind, Iterable[tuple[Constraint, Listener]], Listener]] = [
        ("event", events.listeners(service).items(), events.UnhandledEvents()),
        ("command", commands.listeners(service).items(), ignore),
        ("action", actions.listeners(service).items(), ignore),
        ("view", actions.views(service).items(), ignore),
        ("shortcut", shortcuts.listeners(service).items(), ignore),
    ]
    for kind, listeners, otherwise in kinds:
        for constraint, listener in listeners:
            add_listener(app, kind, constraint, bolt_listener(listener, dispatcher))
        add_listener(app, kind, ANY, bolt_listener(otherwise, dispatcher))
