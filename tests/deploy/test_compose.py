"""deploy/compose.yaml: valid against the Compose Specification's JSON Schema, and wired to run.

The schema is the copy check-jsonschema ships (``vendor.compose-spec``, Apache-2.0, from the
compose-spec project); ``docker compose config`` would be stricter but needs the Compose plugin,
which is not installable here. The wiring tests read the file as Compose would (YAML merge keys
resolved) and check the order of start-up, scaling, and the shutdown budget.
"""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

import pytest
from jsonschema.validators import validator_for

from bot.config import load_settings
from tests.deploy.tools import COMPOSE, Doc, require, yaml_file

BOT_SERVICES = ("migrate", "bot", "socket")
"""The services that run the bot image."""


@pytest.fixture(scope="module")
def compose() -> Doc:
    return yaml_file(COMPOSE)


@pytest.fixture(scope="module")
def schema_errors() -> Any:
    require("check_jsonschema", "check-jsonschema")
    schema = json.loads(
        (files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text()
    )
    validator = validator_for(schema)(schema)

    def errors(document: Doc) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)
        ]

    return errors


def test_compose_file_matches_the_compose_spec(compose: Doc, schema_errors: Any) -> None:
    assert schema_errors(compose) == []


def test_the_schema_rejects_a_misspelt_key(compose: Doc, schema_errors: Any) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["bot"]["port"] = broken["services"]["bot"].pop("ports")
    assert schema_errors(broken) == [
        "services/bot: Unevaluated properties are not allowed ('port' was unexpected)"
    ]


def test_postgres_keeps_its_data_in_a_volume_and_reports_health(compose: Doc) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert compose["volumes"] == {"postgres-data": None}
    assert postgres["healthcheck"]["test"] == [
        "CMD", "pg_isready", "--username=glossary", "--dbname=glossary",
    ]  # fmt: skip
    assert "ports" not in postgres  # reachable from the compose network only


def test_migrate_runs_once_when_postgres_is_healthy_and_bots_wait_for_it(compose: Doc) -> None:
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "bot", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("bot", "socket"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
        assert services[name]["restart"] == "unless-stopped"


def test_http_bot_scales_without_clashing(compose: Doc) -> None:
    bot = compose["services"]["bot"]
    assert bot["command"] == ["python", "-m", "bot", "serve"]
    assert "container_name" not in bot and "profiles" not in bot
    assert bot["ports"] == ["127.0.0.1:3000-3009:3000"]
    assert bot["environment"]["PORT"] == "3000"


def test_socket_mode_is_an_opt_in_profile_without_a_port(compose: Doc) -> None:
    socket = compose["services"]["socket"]
    assert socket["command"] == ["python", "-m", "bot", "socket"]
    assert socket["profiles"] == ["socket"]
    assert "ports" not in socket
    assert socket["healthcheck"] == {"disable": True}


@pytest.mark.parametrize("name", BOT_SERVICES)
def test_bot_containers_use_postgres_and_never_migrate_themselves(compose: Doc, name: str) -> None:
    service = compose["services"][name]
    assert service["image"] == "partner-glossary-bot:local"
    assert service["env_file"] == [{"path": "../.env", "required": False}]
    env = service["environment"]
    assert env["AUTO_MIGRATE"] == "false"
    assert env["DATABASE_URL"] == (
        "postgresql+psycopg://glossary:${POSTGRES_PASSWORD:-glossary}@postgres:5432/glossary"
    )


@pytest.mark.parametrize("name", BOT_SERVICES)
def test_bot_containers_keep_state_in_the_images_data_folder(compose: Doc, name: str) -> None:
    service = compose["services"][name]
    # /data is created for UID 10001 in deploy/Dockerfile; a volume or tmpfs over it is not.
    assert service["environment"]["DATA_DIR"] == "/data"
    assert [key for key in ("volumes", "tmpfs", "read_only", "user") if key in service] == []
    assert (service["cap_drop"], service["security_opt"]) == (["ALL"], ["no-new-privileges:true"])


@pytest.mark.parametrize("name", ["bot", "socket"])
def test_docker_waits_longer_than_the_shutdown_grace(compose: Doc, name: str) -> None:
    grace = load_settings({}, dotenv_path=None).shutdown_grace_s
    stop = compose["services"][name]["stop_grace_period"]
    assert (stop, grace) == ("30s", 20.0)
    assert int(stop.removesuffix("s")) > grace
