"""What a route answers, and what of a request may be written down: its kind, one access line.

Apart from the routes (bot/slack/wsgi.py) because this decides what of a request reaches the
logs and the metrics, for every route alike: tokens cleaned of anything that could forge a log
line, the kind read only from a signed, parsed body (the routes ask after the signature check),
and never a body, a header or a query string.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

access = logging.getLogger("bot.access")
_UNSAFE = re.compile(r"[^A-Za-z0-9_./:@-]")


@dataclass
class Answer:
    """What a route decided: the response, plus the request's kind for the access log."""

    status: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    kind: str = "-"
    """For the access line: ``event app_mention``, ``command /define``, ``block_actions share``."""
    category: str = "unknown"
    """For the metrics label: event, command, block_actions, url_verification…"""
    outcome: str = "ok"


def json_answer(status: str, body: dict[str, Any], **extra: Any) -> Answer:
    """A JSON answer: every route but the OAuth pages answers JSON."""
    data = json.dumps(body).encode()
    return Answer(status, data, [("Content-Type", "application/json")], **extra)


def refusal(status: str, error: str, outcome: str = "refused", **extra: Any) -> Answer:
    """``{"ok": false, "error": ...}``: every refusal reads the same to a client."""
    return json_answer(status, {"ok": False, "error": error}, outcome=outcome, **extra)


def clean(value: object, limit: int = 80) -> str:
    """A log-safe token: no spaces, newlines or quotes from a request can forge a log line."""
    return _UNSAFE.sub("?", str(value))[:limit] or "-"


def request_kind(body: Any) -> tuple[str, str]:
    """(access-log kind, metrics category) of a signed, parsed Slack request."""
    if not isinstance(body, dict):
        return "-", "unknown"
    if isinstance(body.get("command"), str):
        return f"command {clean(body['command'])}", "command"
    kind, event = body.get("type"), body.get("event")
    if kind == "event_callback" and isinstance(event, dict):
        return f"event {clean(event.get('type'))}", "event"
    if not isinstance(kind, str):
        return "-", "unknown"
    detail = body.get("callback_id")
    actions, view = body.get("actions"), body.get("view")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        detail = actions[0].get("action_id")
    elif isinstance(view, dict):
        detail = view.get("callback_id")
    label = clean(kind, 40)
    return (f"{label} {clean(detail)}" if isinstance(detail, str) else label), label


def log_access(method: str, path: str, answer: Answer, seconds: float) -> None:
    """The request's one access line: cleaned tokens and its kind, nothing the client wrote."""
    method, path = clean(method, 16), clean(path, 120)
    status, duration_ms = int(answer.status[:3]), round(seconds * 1000, 1)
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    access.info(
        "%s %s %d %.1fms %s", method, path, status, duration_ms, answer.kind,
        extra={**fields, "kind": answer.kind},
    )  # fmt: skip
