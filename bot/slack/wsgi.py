"""The HTTP face of the bot: ``POST /slack/events`` (Bolt) and ``GET /healthz``.

Served by gunicorn in production (``python -m bot serve``). Requests larger than Slack ever
sends are refused before Bolt reads them, so a misbehaving client cannot make a worker buffer
megabytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

logger = logging.getLogger(__name__)
MAX_BODY = 1 << 20
"""1 MiB: Slack's largest payloads (views with many blocks) are far below this."""

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def create_wsgi_app(app: App, health: Callable[[], dict[str, Any]]) -> WSGIApp:
    """The WSGI callable; ``health()`` reports ``{"ok": bool, ...}`` for ``/healthz``."""
    slack = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            report = health()
            status = "200 OK" if report.get("ok") else "503 Service Unavailable"
            return _reply(start_response, status, report)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return _reply(start_response, "413 Payload Too Large", {"ok": False})
        try:
            result: Iterable[bytes] = slack(environ, start_response)
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            # Bolt parses the body before it checks the signature, so a malformed body — from
            # anyone — raises here; one line, not a traceback, and a 400.
            logger.warning("refused a malformed request to %s: %s", path, type(exc).__name__)
            return _reply(start_response, "400 Bad Request", {"ok": False})
        return result

    return wsgi
