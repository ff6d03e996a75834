"""What gunicorn is told to serve the bot with: bind, workers, threads, connections, keep-alive.

Apart from the worker (bot/slack/http_worker.py), which is how a connection is buffered and run,
because these are the figures chosen for Slack's traffic and the load balancer in front; the
runtime (bot/slack/gunicorn.py) adds its hooks and logging to them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gunicorn.glogging import Logger

from bot.slack.http_worker import worker_class
from bot.slack.wsgi import EVENTS_PATH

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.slack.priority import AckPriority

THREADS = 8
WORKER_CONNECTIONS = 256
"""Per worker; waiting connections cost no thread, and their buffers at most BUFFER_CAP."""
KEEPALIVE_S = 75
"""Longer than load balancers' idle timeouts (AWS ALB: 60 s), so the balancer, not the bot,
closes an idle connection: otherwise it may reuse one the bot just closed and answer 502."""
SHARED_MEMORY = Path("/dev/shm")


def heartbeat_dir(candidate: Path = SHARED_MEMORY) -> str | None:
    """Where each worker's heartbeat file lives: memory (``/dev/shm``, there in containers and
    in Kubernetes pods) when the bot may write there, else gunicorn's default, the temp folder.

    The heartbeat is a metadata write the worker's main loop makes (see ``HEARTBEAT_EVERY_S``
    in bot/slack/http_worker.py); on a disk-backed folder it can block the loop, which is why
    gunicorn's documentation recommends a memory-backed one.
    """
    usable = candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return str(candidate) if usable else None


def gunicorn_options(settings: Settings, priority: AckPriority | None = None) -> dict[str, Any]:
    """The HTTP-serving part of gunicorn's configuration (the runtime adds hooks and logging)."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": f"{host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": worker_class(settings.request_timeout_s, priority, inline_paths(settings)),
        "threads": THREADS,
        "worker_connections": WORKER_CONNECTIONS,
        "keepalive": KEEPALIVE_S,
        "timeout": 30,
        "worker_tmp_dir": heartbeat_dir(),
        # The runtime drains its jobs for shutdown_grace_s; gunicorn waits a little longer.
        "graceful_timeout": math.ceil(settings.shutdown_grace_s) + 5,
        "accesslog": None,  # the WSGI app writes one access line per request itself
        "logger_class": NoAccessLog,
    }


def inline_paths(settings: Settings) -> frozenset[str]:
    """Routes the worker's poller answers itself (bot/slack/ack_hold.py): Slack's requests,
    whose ack waits on nothing but the jobs it stores. Not in OAuth mode, whose ``authorize``
    reads the installations table before every ack (bot/slack/app.py ``RequestAuthorize``): a
    read that a stalled database would make the whole poller wait for."""
    return frozenset() if settings.oauth else frozenset({EVENTS_PATH})


class NoAccessLog(Logger):  # type: ignore[misc]
    """gunicorn's logger without its access log, which the WSGI app writes itself.

    With ``logconfig_dict`` set (the runtime sets it), gunicorn counts its access log as enabled
    and builds each request's log atoms before its ``gunicorn.access`` logger drops the line:
    3% of a busy worker's CPU (py-spy, bench/RESULTS-serve.md).
    """

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None
