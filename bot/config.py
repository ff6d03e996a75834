"""Every setting, read once from the environment and ``.env`` into one frozen ``Settings``.

The rest of the bot takes ``Settings`` as an argument instead of reading ``os.environ``, so tests
build it from a plain dict, and a bad value stops start-up with one line naming the setting
(``ConfigError``) instead of failing mid-request. Environment variables win over ``.env``; empty
values count as unset, so a copy of ``.env.example`` with blank tokens still loads. Secrets are
kept out of ``repr`` and out of error messages.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Where ``.env``, ``data/`` and ``glossary/`` are found, whatever the current directory is."""
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_GLOSSARY_PATH = PROJECT_ROOT / "glossary"
DEFAULT_DOTENV = PROJECT_ROOT / ".env"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
SETTING_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_STATE_SECRET",
    "SLACK_TOKEN_ROTATION",
    "SLACK_API_URL",
    "DATA_DIR",
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "DATABASE_MAX_OVERFLOW",
    "DATABASE_CONNECT_TIMEOUT_S",
    "DATABASE_STATEMENT_TIMEOUT_S",
    "AUTO_MIGRATE",
    "GLOSSARY_PATH",
    "GLOSSARY_RELOAD_S",
    "EXPLAIN_COOLDOWN_HOURS",
    "EXPLAIN_MAX_TERMS",
    "EXPLAIN_IN_SLACK_CONNECT",
    "EXPLAIN_IN_CHANNELS",
    "RETENTION_DAYS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "HOST",
    "PORT",
    "WEB_CONCURRENCY",
    "REQUEST_TIMEOUT_S",
    "SHUTDOWN_GRACE_S",
    "JOB_WORKERS",
    "JOB_PROCESSES",
    "JOB_LEASE_S",
    "JOB_MAX_ATTEMPTS",
    "SOCKET_PING_S",
    "PROMETHEUS_MULTIPROC_DIR",
    "GLOSSARY_MAINTAINERS",
    "SUGGESTIONS_CHANNEL",
    "ANNOUNCE_CHANNEL",
    "REVIEW_REMINDERS",
    "GOVERNANCE_TEAM",
)
"""Every environment variable the bot reads (deploy files are checked against this list)."""
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line that names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The bot's whole configuration. Build it with ``load_settings``."""

    slack_bot_token: str | None = field(repr=False)
    slack_app_token: str | None = field(repr=False)
    slack_signing_secret: str | None = field(repr=False)
    slack_api_url: str
    database_url: str = field(repr=False)  # may hold a database password
    glossary_path: Path
    explain_cooldown_hours: float
    explain_max_terms: int
    explain_in_slack_connect: bool
    explain_in_channels: bool
    log_level: str
    port: int
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "0.0.0.0"
    workers: int = 2
    database_pool_size: int = 10
    """Connections a process keeps once opened. With 5, the job worker's steady need (its
    threads' reads plus a batch's write) spilled into overflow connections, each closed when
    returned: 246 new PostgreSQL connections in 9 s (bench/RESULTS-serve.md)."""
    database_max_overflow: int = 0
    """More connections for peaks, closed again when returned (SQLAlchemy's overflow)."""
    database_connect_timeout_s: float = 5.0
    database_statement_timeout_s: float = 10.0
    auto_migrate: bool = True
    glossary_reload_s: float = 10.0
    retention_days: int = 90
    log_format: str = "text"
    request_timeout_s: float = 10.0
    shutdown_grace_s: float = 20.0
    job_workers: int = 6
    job_processes: int = 1
    """``serve``: gunicorn workers that only perform jobs (bot/slack/job_process.py), with the
    replica's ``job_workers × workers`` job threads; 0 runs them in the HTTP workers instead."""
    job_lease_s: float = 30.0
    job_max_attempts: int = 5
    socket_ping_s: float = 5.0
    metrics_dir: Path | None = None
    """PROMETHEUS_MULTIPROC_DIR; ``serve`` makes one under DATA_DIR when it is unset."""
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_state_secret: str | None = field(default=None, repr=False)
    slack_token_rotation: bool = False
    glossary_maintainers: frozenset[str] = frozenset()
    """GLOSSARY_MAINTAINERS: Slack user ids (``U…``/``W…``) and user-group ids (``S…``) who
    review suggestions and see App Home's Maintainers section."""
    suggestions_channel: str | None = None
    """SUGGESTIONS_CHANNEL: where new suggestions are posted for review (a channel id)."""
    announce_channel: str | None = None
    """ANNOUNCE_CHANNEL: where a reload that changes what terms say is summarised."""
    review_reminders: bool = False
    """REVIEW_REMINDERS: DM each owner their overdue terms once a week."""
    governance_team: str | None = None
    """GOVERNANCE_TEAM: in OAuth mode, the workspace (``T…``) whose token posts suggestions,
    announcements and reminders; with one bot token, that token's workspace."""

    @property
    def oauth(self) -> bool:
        """OAuth mode (installable in many workspaces): client id, secret and state secret set."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_state_secret)

    @property
    def cache_dir(self) -> Path:
        """The validated-glossary cache (bot.terms.cache): ``<DATA_DIR>/cache``."""
        return self.data_dir / "cache"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def explain_cooldown_s(self) -> float:
        """The cooldown in the unit the store takes."""
        return self.explain_cooldown_hours * 3600.0

    def require_socket_mode(self) -> tuple[str, str]:
        """The (bot token, app token) Socket Mode needs, or a ``ConfigError`` naming the gap."""
        bot, app = _require(
            "Socket Mode",
            SLACK_BOT_TOKEN=self.slack_bot_token,
            SLACK_APP_TOKEN=self.slack_app_token,
        )
        return bot, app

    def require_http(self) -> tuple[str, str]:
        """The (bot token, signing secret) HTTP mode needs, or a ``ConfigError`` naming the gap.

        In OAuth mode each installation has its own token: the bot token is then "".
        """
        if self.oauth:
            (secret,) = _require("HTTP mode", SLACK_SIGNING_SECRET=self.slack_signing_secret)
            return "", secret
        bot, secret = _require(
            "HTTP mode",
            SLACK_BOT_TOKEN=self.slack_bot_token,
            SLACK_SIGNING_SECRET=self.slack_signing_secret,
        )
        return bot, secret


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = DEFAULT_DOTENV
) -> Settings:
    """Read every setting from ``environ`` (default ``os.environ``) over the ``.env`` file.

    ``.env`` is the project's (next to ``pyproject.toml``), not the current directory's, so the
    CLI behaves the same from any folder; a missing file is fine, ``None`` skips it. A relative
    ``DATA_DIR`` is resolved against the project too.
    """
    env = _read(os.environ if environ is None else environ, dotenv_path)
    _oauth_complete(env)
    data_dir = _data_dir(env.get("DATA_DIR"))
    metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR")
    return Settings(
        slack_bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-", "a bot token"),
        slack_app_token=_token(env, "SLACK_APP_TOKEN", "xapp-", "an app-level token"),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET"),
        slack_api_url=_api_url(env.get("SLACK_API_URL", DEFAULT_SLACK_API_URL)),
        database_url=_database_url(
            env.get("DATABASE_URL", f"sqlite:///{data_dir}/glossary-bot.sqlite3")
        ),
        glossary_path=Path(env.get("GLOSSARY_PATH", DEFAULT_GLOSSARY_PATH)),
        explain_cooldown_hours=_hours(env, "EXPLAIN_COOLDOWN_HOURS", 24.0),
        explain_max_terms=_whole(env, "EXPLAIN_MAX_TERMS", 3, 1, 10),
        explain_in_slack_connect=_flag(env, "EXPLAIN_IN_SLACK_CONNECT", True),
        explain_in_channels=_flag(env, "EXPLAIN_IN_CHANNELS", True),
        log_level=_log_level(env.get("LOG_LEVEL", "INFO")),
        port=_whole(env, "PORT", 3000, 1, 65535),
        data_dir=data_dir,
        host=env.get("HOST", "0.0.0.0"),
        workers=_whole(env, "WEB_CONCURRENCY", 2, 1, 64),
        database_pool_size=_whole(env, "DATABASE_POOL_SIZE", 10, 1, 100),
        database_max_overflow=_whole(env, "DATABASE_MAX_OVERFLOW", 0, 0, 100),
        database_connect_timeout_s=_seconds(env, "DATABASE_CONNECT_TIMEOUT_S", 5.0, 0.1),
        database_statement_timeout_s=_seconds(env, "DATABASE_STATEMENT_TIMEOUT_S", 10.0, 0.1),
        auto_migrate=_flag(env, "AUTO_MIGRATE", True),
        glossary_reload_s=_seconds(env, "GLOSSARY_RELOAD_S", 10.0, 0.0),
        retention_days=_whole(env, "RETENTION_DAYS", 90, 1, 3650),
        log_format=_choice(env, "LOG_FORMAT", "text", LOG_FORMATS),
        request_timeout_s=_seconds(env, "REQUEST_TIMEOUT_S", 10.0, 0.5),
        shutdown_grace_s=_seconds(env, "SHUTDOWN_GRACE_S", 20.0, 0.0),
        job_workers=_whole(env, "JOB_WORKERS", 6, 1, 64),
        job_processes=_whole(env, "JOB_PROCESSES", 1, 0, 16),
        job_lease_s=_seconds(env, "JOB_LEASE_S", 30.0, 1.0),
        job_max_attempts=_whole(env, "JOB_MAX_ATTEMPTS", 5, 1, 100),
        socket_ping_s=_seconds(env, "SOCKET_PING_S", 5.0, 0.5),
        metrics_dir=Path(metrics_dir) if metrics_dir else None,
        slack_client_id=env.get("SLACK_CLIENT_ID"),
        slack_client_secret=env.get("SLACK_CLIENT_SECRET"),
        slack_state_secret=env.get("SLACK_STATE_SECRET"),
        slack_token_rotation=_flag(env, "SLACK_TOKEN_ROTATION", False),
        glossary_maintainers=_ids(env, "GLOSSARY_MAINTAINERS", "UWS", "user or user-group ids"),
        suggestions_channel=_channel(env, "SUGGESTIONS_CHANNEL"),
        announce_channel=_channel(env, "ANNOUNCE_CHANNEL"),
        review_reminders=_flag(env, "REVIEW_REMINDERS", False),
        governance_team=_slack_id(env, "GOVERNANCE_TEAM", "T", "a workspace id"),
    )


_SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{2,31}$")


def _ids(env: Mapping[str, str], name: str, prefixes: str, what: str) -> frozenset[str]:
    """A comma- or space-separated list of Slack ids, each starting with one of ``prefixes``."""
    raw = env.get(name, "")
    ids = [part for part in re.split(r"[\s,]+", raw) if part]
    bad = [i for i in ids if not _SLACK_ID.match(i) or i[0] not in prefixes]
    if bad:
        starts = "/".join(f"{p}…" for p in prefixes)
        raise ConfigError(f"{name} must list {what} ({starts}), got {bad[0]!r}")
    return frozenset(ids)


def _slack_id(env: Mapping[str, str], name: str, prefixes: str, what: str) -> str | None:
    raw = env.get(name)
    if raw is None:
        return None
    if not _SLACK_ID.match(raw) or raw[0] not in prefixes:
        starts = "/".join(f"{p}…" for p in prefixes)
        raise ConfigError(f"{name} must be {what} ({starts}), got {raw!r}")
    return raw


def _channel(env: Mapping[str, str], name: str) -> str | None:
    """A channel id (``C…`` public, ``G…`` private): names change, ids do not."""
    return _slack_id(env, name, "CG", "a channel id, not a name")


def _oauth_complete(env: Mapping[str, str]) -> None:
    """OAuth mode takes all three settings or none: with only some, Bolt would quietly build
    an install flow with file-based stores under $HOME."""
    names = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")
    given = [name for name in names if env.get(name)]
    if given and len(given) < len(names):
        missing = [name for name in names if name not in given]
        raise ConfigError(
            f"OAuth mode needs {', '.join(names)}; set {' and '.join(missing)} too, "
            f"or unset {' and '.join(given)} to use SLACK_BOT_TOKEN"
        )


def _data_dir(raw: str | None) -> Path:
    if raw is None:
        return DEFAULT_DATA_DIR
    path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _seconds(env: Mapping[str, str], name: str, default: float, low: float) -> float:
    return _number(env, name, default, low, f"a number of seconds ≥ {low:g}")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, default).lower()
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _read(environ: Mapping[str, str], dotenv_path: str | Path | None) -> dict[str, str]:
    """``.env`` values overlaid by the environment, stripped, with empty values dropped."""
    merged: dict[str, str | None] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        merged.update(dotenv_values(dotenv_path))
    merged.update(environ)
    return {key: value.strip() for key, value in merged.items() if value and value.strip()}


def _require(mode: str, **values: str | None) -> list[str]:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(
            f"{mode} needs {' and '.join(values)}; set {' and '.join(missing)} "
            "in the environment or .env"
        )
    return [value for value in values.values() if value]


def _token(env: Mapping[str, str], name: str, prefix: str, kind: str) -> str | None:
    value = env.get(name)
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} must be {kind} starting with {prefix!r} (value not shown)")
    return value


def _api_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


def _database_url(value: str) -> str:
    """A SQLAlchemy URL; plain ``postgres(ql)://`` means psycopg 3, not the legacy psycopg2."""
    if "://" not in value:
        raise ConfigError(
            "DATABASE_URL must be a SQLAlchemy URL such as 'sqlite:///data/glossary-bot.sqlite3' "
            "or 'postgresql://user:password@host/db' (value not shown)"
        )
    scheme, rest = value.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return value


def _hours(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, 0.0, "a number ≥ 0")


def _number(env: Mapping[str, str], name: str, default: float, low: float, what: str) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= low):
        raise ConfigError(f"{name} must be {what}, got {raw!r}")
    return value


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (or 1/0, yes/no, on/off), got {raw!r}")


def _log_level(raw: str) -> str:
    if raw.upper() not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return raw.upper()
