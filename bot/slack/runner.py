"""Start the bot in one of its modes: Socket Mode, HTTP (gunicorn), the offline console, or
just the schema migration. Each mode is assembled by ``bot.slack.bootstrap`` in the same order.

Every start-up failure is one line naming the setting to fix, and exit code 2, never a
traceback; Ctrl-C and SIGTERM end every mode quietly with exit code 0.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable
from typing import Any

from bot.config import ConfigError, Settings
from bot.errors import StartupError
from bot.slack.bootstrap import (
    build_runtime,
    check_bot_token,
    load_glossary,
    make_service,
    open_store,
    run_migrations,
)
from bot.store import StoreError

logger = logging.getLogger(__name__)
EXIT_STARTUP = 2

BANNER = """\
Partner Glossary Bot — offline console (no Slack tokens found).
Type a message to see what the bot would explain in its thread, `/define <term>` for a private
lookup, or `@glossary <question>` for a mention; `quit` to leave. To connect to Slack: create an
app from manifest.yml at https://api.slack.com/apps, install it, put SLACK_BOT_TOKEN (xoxb-…) and
SLACK_APP_TOKEN (xapp-…, scope connections:write) in .env, invite the bot to your partner
channels, and run the same command again — it then connects with Socket Mode.
"""


def _run(mode: Callable[..., int], settings: Settings, *args: Any) -> int:
    try:
        return int(mode(settings, *args))
    except (StartupError, ConfigError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    except KeyboardInterrupt:
        return 0


def _socket(settings: Settings) -> int:
    from bot.slack.socket_mode import run_socket_mode

    bot_token, app_token = settings.require_socket_mode()
    glossary, version = load_glossary(settings)
    store = open_store(settings, migrate_first=settings.auto_migrate)
    service = make_service(settings, glossary, version, store)
    known = check_bot_token(settings, bot_token)
    runtime = build_runtime(settings, service, bot_token, known).start()

    def drain() -> None:
        runtime.stop(settings.shutdown_grace_s)

    logger.info("connecting to Slack with Socket Mode")
    try:
        return run_socket_mode(
            runtime.app, app_token, ping_interval_s=settings.socket_ping_s, on_stop=drain
        )
    finally:
        store.close()


def _serve(settings: Settings, port: int | None, workers: int | None) -> int:
    from bot.slack.gunicorn import serve_http

    bot_token, secret = settings.require_http()
    settings = dataclasses.replace(
        settings, port=port or settings.port, workers=workers or settings.workers
    )
    return serve_http(settings, bot_token, secret)


def _console(settings: Settings) -> int:
    from bot.slack.console import run_console

    glossary, _ = load_glossary(settings)
    return run_console(settings, glossary)


def _migrate(settings: Settings) -> int:
    print(run_migrations(settings))
    return 0


def _purge(settings: Settings, team: str | None, user: str | None) -> int:
    store = open_store(settings, migrate_first=False)
    try:
        pruned = store.purge(team_id=team, user_id=user)
    except StoreError as exc:
        raise StartupError(f"DATABASE_URL: could not delete the data: {exc}") from None
    finally:
        store.close()
    who = f"workspace {team}" if team else f"user {user}"
    counts = ", ".join(f"{n} {name}" for name, n in dataclasses.asdict(pruned).items() if n)
    print(f"deleted the data of {who}: {counts or 'nothing was stored'}")
    return 0


def socket(settings: Settings) -> int:
    return _run(_socket, settings)


def serve(settings: Settings, port: int | None = None, workers: int | None = None) -> int:
    return _run(_serve, settings, port, workers)


def console(settings: Settings) -> int:
    return _run(_console, settings)


def purge(settings: Settings, *, team: str | None, user: str | None) -> int:
    """``python -m bot purge --team T… | --user U…``: an erasure request, done."""
    return _run(_purge, settings, team, user)


def migrate(settings: Settings) -> int:
    """``python -m bot migrate``: for a one-off job or an init container."""
    return _run(_migrate, settings)


def default(settings: Settings) -> int:
    """Socket Mode when both tokens are set, otherwise the console with a how-to banner."""
    if settings.slack_bot_token and settings.slack_app_token:
        return socket(settings)
    print(BANNER)
    return console(settings)
