"""Every variable the deploy files give the bot is a setting it reads; .env.example sets none.

A misspelt name (``GLOSARY_PATH``) is silently ignored by the bot and its default used, so the
names are checked against ``bot.config.SETTING_NAMES``. ``.env.example`` documents every setting
commented out: an uncommented empty value would reach containers through ``env_file`` and
override the image's own value (the ``DATA_DIR=`` crash loop).
"""

from __future__ import annotations

import re
from typing import Any

from bot.config import SETTING_NAMES, load_settings
from tests.deploy.tools import (
    COMPOSE,
    DOCKERFILE,
    K8S,
    REPO,
    env_of,
    k8s_resources,
    pod_spec,
    require,
    yaml_file,
)

PYTHON_RUNTIME = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
PIP_BUILD = {"PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"}
ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
EXAMPLES = {
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "DATABASE_URL",
    "GLOSSARY_PATH",
    "PROMETHEUS_MULTIPROC_DIR",
}
""".env.example lines that show an example value; every other line shows the default."""


def unknown(names: set[str]) -> list[str]:
    return sorted(names - set(SETTING_NAMES))


def test_dockerfile_env_is_settings_or_python_runtime() -> None:
    parser = require("dockerfile", "dockerfile")
    names: set[str] = set()
    for command in parser.parse_file(str(DOCKERFILE)):
        if command.cmd == "ENV":
            names.update(command.value[::2])
    assert unknown(names - PYTHON_RUNTIME - PIP_BUILD) == []
    assert sorted(names & set(SETTING_NAMES)) == ["DATA_DIR", "GLOSSARY_PATH"]


def test_compose_bot_environment_is_settings() -> None:
    services = yaml_file(COMPOSE)["services"]
    names = {name for s in ("migrate", "bot", "socket") for name in services[s]["environment"]}
    assert unknown(names) == []
    assert sorted(names) == [
        "AUTO_MIGRATE", "DATABASE_URL", "DATA_DIR", "GLOSSARY_PATH", "LOG_FORMAT", "PORT",
    ]  # fmt: skip


def test_kubernetes_env_and_secret_keys_are_settings() -> None:
    resources = k8s_resources()
    names = {
        name
        for key in ("Deployment/partner-glossary-bot", "Job/partner-glossary-bot-migrate")
        for container in pod_spec(resources[key])["containers"]
        for name in env_of(container)
    }
    secret: dict[str, Any] = yaml_file(K8S / "secret.example.yaml")["stringData"]
    assert unknown(names | set(secret)) == []
    assert sorted(names) == [
        "AUTO_MIGRATE", "DATA_DIR", "GLOSSARY_PATH", "GLOSSARY_RELOAD_S", "LOG_FORMAT", "PORT",
        "SHUTDOWN_GRACE_S", "WEB_CONCURRENCY",
    ]  # fmt: skip


def env_example() -> list[tuple[bool, str, str]]:
    """(commented out?, name, value) for each assignment line of .env.example."""
    found = []
    for line in (REPO / ".env.example").read_text().splitlines():
        match = ASSIGNMENT.match(line)
        if match:
            found.append((match[1] is not None, match[2], match[3]))
    return found


def test_env_example_documents_every_setting_once_all_commented_out() -> None:
    lines = env_example()
    assert sorted(name for _, name, _ in lines) == sorted(SETTING_NAMES)
    assert [name for commented, name, _ in lines if not commented] == []
    assert load_settings({}, dotenv_path=REPO / ".env.example") == load_settings(
        {}, dotenv_path=None
    )


def test_env_example_shows_the_real_defaults() -> None:
    shown = {name: value for _, name, value in env_example() if name not in EXAMPLES}
    assert len(shown) == len(SETTING_NAMES) - len(EXAMPLES)
    assert load_settings(shown, dotenv_path=None) == load_settings({}, dotenv_path=None)
