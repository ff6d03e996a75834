"""Start the bot in one of its modes: Socket Mode, HTTP (gunicorn), or the offline console.

Everything is loaded and checked before anything listens: settings, the glossary (a broken
one prints every problem and stops), the store, and — against Slack — the bot token. Each
failure is one clear line and exit code 1, never a traceback.
"""

from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import ConfigError, Settings
from bot.service import GlossaryService, Policy
from bot.store import RememberingStore, SqlStore, StoreError
from bot.terms import Glossary, GlossaryError
from bot.terms.loader import iter_problems

logger = logging.getLogger(__name__)

BANNER = """\
Partner Glossary Bot — offline console (no Slack tokens found).
Type a message to see what the bot would explain in its thread, `/define <term>` for a private
lookup, or `@glossary <question>` for a mention; `quit` to leave. To connect to Slack: create an
app from manifest.yml at https://api.slack.com/apps, install it, put SLACK_BOT_TOKEN (xoxb-…) and
SLACK_APP_TOKEN (xapp-…, scope connections:write) in .env, invite the bot to your partner
channels, and run the same command again — it then connects with Socket Mode.
"""


class StartupError(Exception):
    """Start-up cannot go on; the message says why in one line."""


@dataclass
class Parts:
    """What every mode needs, built once."""

    settings: Settings
    glossary: Glossary
    service: GlossaryService


def load_glossary(path: Path, cache_dir: Path | None = None) -> Glossary:
    try:
        glossary = Glossary.from_path(path, cache_dir).warm()
    except GlossaryError as exc:
        for line in iter_problems(exc.problems):
            print(line, file=sys.stderr)
        raise StartupError(
            f"the glossary at {path} has {len(exc.problems)} problem(s); fix them and restart"
        ) from None
    logger.info("glossary loaded: %d terms from %s", len(glossary), path)
    return glossary


def make_service(
    settings: Settings, glossary: Glossary, database_url: str | None = None
) -> GlossaryService:
    try:
        store = RememberingStore(SqlStore(database_url or settings.database_url))
    except StoreError as exc:
        raise StartupError(f"cannot open the state store: {exc}") from None
    policy = Policy(
        cooldown_s=settings.explain_cooldown_s,
        max_terms=settings.explain_max_terms,
        in_channels=settings.explain_in_channels,
        in_slack_connect=settings.explain_in_slack_connect,
    )
    return GlossaryService(glossary, store, policy)


def build_slack_app(parts: Parts, token: str, signing_secret: str | None = None) -> App:
    from bot.slack.app import build_app, make_client

    client = make_client(token, parts.settings.slack_api_url)
    try:
        return build_app(parts.service, client, signing_secret=signing_secret)
    except (SlackApiError, SlackClientError, OSError) as exc:
        raise StartupError(f"cannot reach Slack at {parts.settings.slack_api_url}: {exc}") from None
    except BoltError as exc:  # Bolt's auth.test at start refused the token
        raise StartupError(f"Slack refused the bot token: {exc}") from None


def _run(mode: Any, settings: Settings, *args: Any) -> int:
    try:
        return int(mode(settings, *args))
    except (StartupError, ConfigError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    bot_token, app_token = settings.require_socket_mode()
    glossary = load_glossary(settings.glossary_path, settings.cache_dir)
    parts = Parts(settings, glossary, make_service(settings, glossary))
    app = build_slack_app(parts, bot_token)
    logger.info("connecting to Slack with Socket Mode")
    # SIGTERM (docker stop, systemd) ends like Ctrl-C: a normal exit, which lets the posting
    # threads finish what is queued before the process goes.
    signal.signal(signal.SIGTERM, _interrupt)
    SocketModeHandler(app, app_token).start()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _serve(settings: Settings, port: int | None, workers: int | None) -> int:
    from bot.slack.gunicorn import serve_http

    bot_token, secret = settings.require_http()
    glossary = load_glossary(settings.glossary_path, settings.cache_dir)
    return serve_http(settings, glossary, bot_token, secret, port or settings.port, workers)


def _console(settings: Settings) -> int:
    from bot.slack.console import run_console

    glossary = load_glossary(settings.glossary_path, settings.cache_dir)
    return run_console(settings, glossary)


def socket(settings: Settings) -> int:
    return _run(_socket, settings)


def serve(settings: Settings, port: int | None = None, workers: int | None = None) -> int:
    return _run(_serve, settings, port, workers)


def console(settings: Settings) -> int:
    return _run(_console, settings)


def default(settings: Settings) -> int:
    """Socket Mode when both tokens are set, otherwise the console with a how-to banner."""
    if settings.slack_bot_token and settings.slack_app_token:
        return socket(settings)
    print(BANNER)
    return console(settings)
