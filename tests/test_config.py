"""Settings: defaults, every setting read, ``.env`` below the environment, one-line errors."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.config import SETTING_NAMES, ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
BOT_TOKEN = "xoxb-1111-2222-secretbot"
APP_TOKEN = "xapp-1-A111-3333-secretapp"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ALL_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "DATA_DIR",
    "GLOSSARY_PATH",
    "EXPLAIN_COOLDOWN_HOURS",
    "EXPLAIN_MAX_TERMS",
    "EXPLAIN_IN_SLACK_CONNECT",
    "EXPLAIN_IN_CHANNELS",
    "LOG_LEVEL",
    "PORT",
)


def load(**env: str) -> Settings:
    return load_settings(env, dotenv_path=None)


def test_defaults() -> None:
    assert load() == Settings(
        slack_bot_token=None,
        slack_app_token=None,
        slack_signing_secret=None,
        slack_api_url="https://slack.com/api/",
        database_url=f"sqlite:///{REPO}/data/glossary-bot.sqlite3",
        glossary_path=REPO / "glossary",
        explain_cooldown_hours=24.0,
        explain_max_terms=3,
        explain_in_slack_connect=True,
        explain_in_channels=True,
        log_level="INFO",
        port=3000,
    )


def test_every_setting_is_read() -> None:
    settings = load(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL="http://localhost:8090/api",
        DATABASE_URL="postgresql+psycopg://bot:pw@db:5432/glossary",
        GLOSSARY_PATH="/srv/glossary",
        EXPLAIN_COOLDOWN_HOURS="1.5",
        EXPLAIN_MAX_TERMS="10",
        EXPLAIN_IN_SLACK_CONNECT="off",
        EXPLAIN_IN_CHANNELS="No",
        LOG_LEVEL="debug",
        PORT="8080",
    )
    assert settings == Settings(
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url="http://localhost:8090/api/",
        database_url="postgresql+psycopg://bot:pw@db:5432/glossary",
        glossary_path=Path("/srv/glossary"),
        explain_cooldown_hours=1.5,
        explain_max_terms=10,
        explain_in_slack_connect=False,
        explain_in_channels=False,
        log_level="DEBUG",
        port=8080,
    )
    assert settings.explain_cooldown_s == 5400.0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"DATA_DIR": "/var/lib/glossary-bot"},
            "sqlite:////var/lib/glossary-bot/glossary-bot.sqlite3",
        ),
        (
            {"DATA_DIR": "/var/lib/glossary-bot/"},
            "sqlite:////var/lib/glossary-bot/glossary-bot.sqlite3",
        ),
        ({"DATA_DIR": "state"}, f"sqlite:///{REPO}/state/glossary-bot.sqlite3"),
        ({"DATA_DIR": "/x", "DATABASE_URL": "sqlite:///other.db"}, "sqlite:///other.db"),
    ],
)
def test_database_url_follows_data_dir_unless_given(env: dict[str, str], expected: str) -> None:
    assert load(**env).database_url == expected


def test_api_url_keeps_an_existing_trailing_slash() -> None:
    assert load(SLACK_API_URL="https://slack.example/api/").slack_api_url == (
        "https://slack.example/api/"
    )


@pytest.mark.parametrize("raw", ["true", "TRUE", "1", "yes", "Yes", "on", "ON"])
def test_true_spellings(raw: str) -> None:
    settings = load(EXPLAIN_IN_SLACK_CONNECT=raw, EXPLAIN_IN_CHANNELS=raw)
    assert (settings.explain_in_slack_connect, settings.explain_in_channels) == (True, True)


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "NO", "off", "Off"])
def test_false_spellings(raw: str) -> None:
    settings = load(EXPLAIN_IN_SLACK_CONNECT=raw, EXPLAIN_IN_CHANNELS=raw)
    assert (settings.explain_in_slack_connect, settings.explain_in_channels) == (False, False)


def test_limits_are_inclusive_and_values_are_stripped() -> None:
    settings = load(
        EXPLAIN_COOLDOWN_HOURS="0", EXPLAIN_MAX_TERMS=" 1 ", PORT="65535", LOG_LEVEL="warning"
    )
    assert (settings.explain_cooldown_hours, settings.explain_max_terms, settings.port) == (
        0.0,
        1,
        65535,
    )
    assert settings.log_level == "WARNING"


def test_empty_values_count_as_unset() -> None:
    assert load(SLACK_BOT_TOKEN="", PORT="  ", LOG_LEVEL="") == load()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SLACK_BOT_TOKEN": APP_TOKEN},
            "SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-' (value not shown)",
        ),
        (
            {"SLACK_APP_TOKEN": BOT_TOKEN},
            "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-' (value not shown)",
        ),
        (
            {"SLACK_API_URL": "slack.com/api"},
            "SLACK_API_URL must be an http(s) URL, got 'slack.com/api'",
        ),
        (
            {"SLACK_API_URL": "ftp://x/api/"},
            "SLACK_API_URL must be an http(s) URL, got 'ftp://x/api/'",
        ),
        (
            {"DATABASE_URL": "data/bot.sqlite3"},
            "DATABASE_URL must be a SQLAlchemy URL such as 'sqlite:///data/glossary-bot.sqlite3' "
            "or 'postgresql://user:password@host/db' (value not shown)",
        ),
        (
            {"EXPLAIN_COOLDOWN_HOURS": "abc"},
            "EXPLAIN_COOLDOWN_HOURS must be a number ≥ 0, got 'abc'",
        ),
        ({"EXPLAIN_COOLDOWN_HOURS": "-1"}, "EXPLAIN_COOLDOWN_HOURS must be a number ≥ 0, got '-1'"),
        (
            {"EXPLAIN_COOLDOWN_HOURS": "nan"},
            "EXPLAIN_COOLDOWN_HOURS must be a number ≥ 0, got 'nan'",
        ),
        (
            {"EXPLAIN_COOLDOWN_HOURS": "inf"},
            "EXPLAIN_COOLDOWN_HOURS must be a number ≥ 0, got 'inf'",
        ),
        (
            {"EXPLAIN_MAX_TERMS": "0"},
            "EXPLAIN_MAX_TERMS must be a whole number from 1 to 10, got '0'",
        ),
        (
            {"EXPLAIN_MAX_TERMS": "11"},
            "EXPLAIN_MAX_TERMS must be a whole number from 1 to 10, got '11'",
        ),
        (
            {"EXPLAIN_MAX_TERMS": "2.5"},
            "EXPLAIN_MAX_TERMS must be a whole number from 1 to 10, got '2.5'",
        ),
        (
            {"EXPLAIN_IN_SLACK_CONNECT": "maybe"},
            "EXPLAIN_IN_SLACK_CONNECT must be true or false (or 1/0, yes/no, on/off), got 'maybe'",
        ),
        (
            {"EXPLAIN_IN_CHANNELS": "2"},
            "EXPLAIN_IN_CHANNELS must be true or false (or 1/0, yes/no, on/off), got '2'",
        ),
        (
            {"LOG_LEVEL": "TRACE"},
            "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got 'TRACE'",
        ),
        ({"PORT": "0"}, "PORT must be a whole number from 1 to 65535, got '0'"),
        ({"PORT": "65536"}, "PORT must be a whole number from 1 to 65535, got '65536'"),
        ({"PORT": "http"}, "PORT must be a whole number from 1 to 65535, got 'http'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(**env)
    assert str(caught.value) == message


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / "custom.env"
    dotenv.write_text(
        "# comment\nEXPLAIN_MAX_TERMS=5\nexport PORT=4000\nLOG_LEVEL='ERROR'\nEMPTY=\nBARE\n"
    )
    settings = load_settings({"PORT": "5000"}, dotenv_path=str(dotenv))
    assert (settings.explain_max_terms, settings.port, settings.log_level) == (5, 5000, "ERROR")


def test_dotenv_and_data_dir_do_not_depend_on_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("EXPLAIN_COOLDOWN_HOURS=2\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings({}, dotenv_path=tmp_path / "missing.env")
    assert settings.explain_cooldown_hours == 24.0
    assert settings.data_dir == REPO / "data"
    assert settings.cache_dir == REPO / "data" / "cache"
    assert load_settings({}, dotenv_path=tmp_path / ".env").explain_cooldown_hours == 2.0


def test_plain_postgres_urls_mean_psycopg_3() -> None:
    assert load(DATABASE_URL="postgresql://u:p@db/g").database_url == (
        "postgresql+psycopg://u:p@db/g"
    )
    assert load(DATABASE_URL="postgres://u@db/g").database_url == "postgresql+psycopg://u@db/g"


def test_a_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, dotenv_path=str(tmp_path / "absent.env")) == load()


def test_process_environment_is_the_default_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ALL_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "8081")
    monkeypatch.chdir(tmp_path)  # no .env here
    assert load_settings().port == 8081


def test_secrets_stay_out_of_repr() -> None:
    settings = load(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL="postgresql+psycopg://bot:dbsecret@db/glossary",
    )
    text = repr(settings)
    for secret in ("secretbot", "secretapp", SIGNING_SECRET, "dbsecret"):
        assert secret not in text
    assert "port=3000" in text


def test_settings_are_frozen() -> None:
    settings = load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_socket_mode_gives_its_tokens_or_names_what_is_missing() -> None:
    assert load(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN).require_socket_mode() == (
        BOT_TOKEN,
        APP_TOKEN,
    )
    with pytest.raises(ConfigError) as caught:
        load(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET).require_socket_mode()
    assert str(caught.value) == (
        "Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; "
        "set SLACK_APP_TOKEN in the environment or .env"
    )
    with pytest.raises(ConfigError) as caught:
        load().require_socket_mode()
    assert str(caught.value) == (
        "Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; "
        "set SLACK_BOT_TOKEN and SLACK_APP_TOKEN in the environment or .env"
    )


def test_http_mode_gives_its_secrets_or_names_what_is_missing() -> None:
    settings = load(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    assert settings.require_http() == (BOT_TOKEN, SIGNING_SECRET)
    with pytest.raises(ConfigError) as caught:
        load(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN).require_http()
    assert str(caught.value) == (
        "HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; "
        "set SLACK_SIGNING_SECRET in the environment or .env"
    )


def test_env_example_documents_every_setting_and_loads_as_the_defaults() -> None:
    """Every setting is documented, commented out: a copy of the file changes no default."""
    example = REPO / ".env.example"
    documented = re.findall(r"^# ?([A-Z][A-Z0-9_]+)=", example.read_text(), re.MULTILINE)
    assert sorted(set(documented)) == sorted(SETTING_NAMES)
    assert load_settings({}, dotenv_path=str(example)) == load()
