"""``python -m bot serve``: the Bolt app behind gunicorn (threaded workers).

The master process validates everything first — the glossary and the bot token — so a
mistake is one line at start, not a crash loop of workers. Each worker then builds its own
store connection and Bolt app after the fork (database connections must not cross a fork),
sharing the already-loaded glossary copy-on-write.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.slack.app import make_client
from bot.slack.runner import Parts, StartupError, build_slack_app, make_service
from bot.slack.wsgi import WSGIApp, create_wsgi_app
from bot.terms import Glossary


class _BotApplication(BaseApplication):  # type: ignore[misc]
    """A gunicorn application configured in code rather than from a config file."""

    def __init__(self, factory: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self._factory()


def _check_token(settings: Settings, token: str) -> None:
    try:
        make_client(token, settings.slack_api_url).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise StartupError(f"Slack did not accept the bot token ({error})") from None
    except Exception as exc:  # unreachable: network, TLS, a wrong SLACK_API_URL
        reason = " ".join(str(exc).split())  # keep the promised single line
        raise StartupError(f"cannot reach Slack at {settings.slack_api_url}: {reason}") from None


def serve_http(
    settings: Settings,
    glossary: Glossary,
    token: str,
    secret: str,
    port: int,
    workers: int | None = None,
    host: str | None = None,
) -> int:
    """Run gunicorn until it is stopped (SIGTERM/SIGINT)."""
    _check_token(settings, token)

    def factory() -> WSGIApp:
        parts = Parts(settings, glossary, make_service(settings, glossary))
        app = build_slack_app(parts, token, secret)

        def health() -> dict[str, Any]:
            return {"ok": True, "terms": len(glossary), "store": parts.service.store.healthy()}

        return create_wsgi_app(app, health)

    options = {
        "bind": f"{host or os.environ.get('HOST', '0.0.0.0')}:{port}",
        "workers": workers or 2,
        "worker_class": "gthread",
        "threads": 8,
        # A worker takes no more connections than it has threads, so Slack's (or a load
        # balancer's) keep-alive connections spread over the workers instead of piling onto
        # whichever accepted first: measured, one worker ran at 100% while the other idled.
        "worker_connections": 8,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "proc_name": "glossary-bot",
        "control_socket_disable": True,  # no shared $HOME/.gunicorn socket between instances
    }
    _BotApplication(factory, options).run()
    return 0
