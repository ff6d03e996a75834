"""Our listeners and middleware inside Bolt, called with the request itself.

Bolt lets a listener, a matcher or a middleware function ask for any argument by name (``body``,
``ack``, ``say``, ``action``…), so before each call it builds every argument any function could
want (``build_required_kwargs``: the action, view, event… read out of the payload, say, respond):
once for each listener's matcher it tries and once more for the listener it runs: half of what
Bolt's dispatch cost an ack, for functions that need the request and nothing else. So ours are
wrapped in Bolt's own abstract types, which Bolt calls with the request as it is:

- ``DirectListener``: a ``slack_bolt.listener.Listener`` whose ack function gets the request,
  matched by Bolt's own built-in matcher of its kind (the predicate ``App.event(…)``,
  ``App.command(…)``… would build), called with the body;
- ``DirectMiddleware``: a global middleware function, called with the body.

Everything else stays Bolt's: its middleware chain (ssl_check, authorization, ignoring the bot's
own events, url_verification) runs first, then its dispatch loop tries the listeners in the
order they were added and runs the first that matches, with its listener runner, automatic
acks for events, and error handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from re import Pattern
from typing import Any, Literal

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener import Listener
from slack_bolt.listener_matcher import ListenerMatcher
from slack_bolt.listener_matcher import builtins as matchers
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.middleware import Middleware

Kind = Literal["event", "command", "action", "view", "shortcut"]
Handler = Callable[[BoltRequest], None]
Constraint = str | Pattern[str]

_MATCHERS: Mapping[Kind, Callable[..., Any]] = {
    "event": matchers.event,
    "command": matchers.command,
    "action": matchers.action,
    "view": matchers.view,
    "shortcut": matchers.shortcut,
}
"""The built-in matcher that ``App.event``, ``App.command``… build for each kind."""


class BodyMatcher(ListenerMatcher):
    """One of Bolt's built-in matchers, called with the body: they ask for nothing else."""

    def __init__(self, kind: Kind, constraint: Constraint) -> None:
        self.builtin: ListenerMatcher = _MATCHERS[kind](constraint)
        builtin = self.builtin
        body_only = isinstance(builtin, BuiltinListenerMatcher) and builtin.arg_names == ["body"]
        self._predicate = builtin.func if body_only else None

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        if self._predicate is None:  # a later Bolt whose matcher asks for more: its own way
            return self.builtin.matches(req, resp)
        return bool(self._predicate(req.body))


class DirectListener(Listener):
    """A listener Bolt tries and runs as any other, whose ack function gets the request."""

    def __init__(self, kind: Kind, constraint: Constraint, handle: Handler) -> None:
        self.matchers = [BodyMatcher(kind, constraint)]
        self.middleware = []
        self.ack_function = handle  # type: ignore[assignment]  # (Bolt's name; returns None)
        self.lazy_functions = []
        self.auto_acknowledgement = kind == "event"  # as App.event registers: events ack anyway

    def run_ack_function(
        self, *, request: BoltRequest, response: BoltResponse
    ) -> BoltResponse | None:
        self.ack_function(request)
        return None


def add_listener(app: App, kind: Kind, constraint: Constraint, handle: Handler) -> None:
    """``app.<kind>(constraint)(handle)``, as a ``DirectListener``: tried after those added
    before it. Bolt offers no public call that takes a ``Listener`` object; its list of
    listeners is the one its ``dispatch`` walks, in order."""
    app._listeners.append(DirectListener(kind, constraint, handle))


BodyMiddleware = Callable[[Any, BoltResponse, Callable[[], Any]], BoltResponse | None]
"""A global middleware that reads only the body: ``(body, resp, next) -> response``."""


class DirectMiddleware(Middleware):
    """A ``BodyMiddleware`` as Bolt middleware, called with the body directly."""

    def __init__(self, func: BodyMiddleware) -> None:
        self.func = func

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        return self.func(req.body, resp, next)

    @property
    def name(self) -> str:
        return f"DirectMiddleware({getattr(self.func, '__name__', 'middleware')})"
