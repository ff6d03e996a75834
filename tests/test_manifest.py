"""The manifests: valid against Slack's published schema, and exactly the permissions needed.

``manifest.yml`` is the single-workspace app (Socket Mode by default); ``manifest.oauth.yml`` is
the same app distributed through OAuth: HTTP only, a redirect URL, org-wide installs, and the
uninstall events. Every check applies to both, and the second is tested to differ from the first
by exactly those settings.

Slack's top-level ``manifest.schema.json`` (draft-07) chooses a version file through ``$ref``s to
raw.githubusercontent.com. Left alone, jsonschema would fetch those over the network (with a
DeprecationWarning, an error under our pytest settings), so the validator gets a registry serving
the local copies in ``../shared/slack-manifest-schema`` and fails loudly on any other remote ref.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource

from bot.slack.oauth import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH

REPO = Path(__file__).resolve().parents[1]
# In CI the repo is a clone with shared/ beside it: <clone>/../shared.
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "slack-manifest-schema"

Manifest = dict[str, Any]
NAMES = ["manifest.yml", "manifest.oauth.yml"]


def load(name: str) -> Manifest:
    loaded = yaml.safe_load((REPO / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module", params=NAMES)
def manifest(request: pytest.FixtureRequest) -> Manifest:
    """Each manifest in turn."""
    return load(request.param)


def remote_refs(node: object) -> Iterator[str]:
    """Every absolute ``$ref`` in a schema document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("https://"):
                yield value
            else:
                yield from remote_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from remote_refs(item)


@pytest.fixture(scope="module")
def validator() -> Validator:
    if not (SCHEMA_DIR / "manifest.schema.json").is_file():
        pytest.skip(f"Slack manifest schema not found in {SCHEMA_DIR} (shared/ beside the repo)")
    top = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text())
    local = {
        uri: Resource.from_contents(json.loads((SCHEMA_DIR / uri.rsplit("/", 1)[1]).read_text()))
        for uri in set(remote_refs(top))
    }
    assert sorted(uri.rsplit("/", 1)[1] for uri in local) == [
        "manifest.schema.1.0.0.json",
        "manifest.schema.2.0.0.json",
    ]
    cls = validator_for(top)
    assert cls is Draft7Validator
    for schema in [top, *(resource.contents for resource in local.values())]:
        cls.check_schema(schema)
    return cls(top, registry=Registry().with_resources(local.items()))


def problems(validator: Validator, document: Manifest) -> list[str]:
    """Readable errors: ``best_match`` digs into oneOf branches for the real cause."""
    found = []
    for error in validator.iter_errors(document):
        cause = best_match([error])
        found.append(f"{'/'.join(map(str, cause.absolute_path))}: {cause.message}")
    return found


def test_manifest_is_valid_against_slacks_schema(validator: Validator, manifest: Manifest) -> None:
    assert problems(validator, manifest) == []


def test_background_color_matches_the_schemas_regex(manifest: Manifest) -> None:
    # The schema spells this check "regex", which JSON Schema ignores, so apply it here.
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"Slack manifest schema not found in {SCHEMA_DIR}")
    schema = json.loads((SCHEMA_DIR / "manifest.schema.1.0.0.json").read_text())
    rule = schema["definitions"]["app-manifests.v1.display_information.schema"]
    pattern = rule["properties"]["background_color"]["regex"]
    assert re.fullmatch(pattern, manifest["display_information"]["background_color"])


def _set(path: str, value: object) -> Callable[[Manifest], None]:
    """A mutation that sets ``a.b.0.c`` to ``value``."""

    def mutate(document: Manifest) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = document
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


BROKEN: dict[str, Callable[[Manifest], None]] = {
    "no display_information": lambda m: m.pop("display_information"),
    "shortcut name over 24 chars": _set(
        "features.shortcuts.0.name", "Explain terms in this message"
    ),
    "command without a slash": _set("features.slash_commands.0.command", "define"),
    "unknown feature": _set("features.home_tab", True),
    "interactivity without is_enabled": lambda m: m["settings"]["interactivity"].pop("is_enabled"),
    "always_online not a boolean": _set("features.bot_user.always_online", "yes"),
    "long_description too short": _set("display_information.long_description", "Explains jargon."),
    "unknown major version": _set("_metadata.major_version", 3),
}


@pytest.mark.parametrize("mutate", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_copy_fails_validation(
    validator: Validator, manifest: Manifest, mutate: Callable[[Manifest], None]
) -> None:
    broken = copy.deepcopy(manifest)
    mutate(broken)
    assert problems(validator, broken) != []


def test_bot_scopes_are_exactly_what_the_bot_uses(manifest: Manifest) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert list(scopes) == ["bot"]  # no user scopes
    assert sorted(scopes["bot"]) == [
        "app_mentions:read",
        "channels:history",
        "channels:read",
        "chat:write",
        "commands",
        "groups:history",
        "groups:read",
        "im:history",
        "usergroups:read",
        "users:read",
        "users:read.email",
    ]
    assert scopes["bot"] == list(BOT_SCOPES)  # what the install asks Slack for


def test_bot_events_are_exactly_the_ones_handled() -> None:
    events = [sorted(load(n)["settings"]["event_subscriptions"]["bot_events"]) for n in NAMES]
    handled = ["app_home_opened", "app_mention", "message.channels", "message.groups", "message.im"]
    assert events == [handled, sorted([*handled, "app_uninstalled", "tokens_revoked"])]


def test_the_oauth_manifest_is_the_same_app_distributed() -> None:
    single, oauth = load("manifest.yml"), load("manifest.oauth.yml")
    redirect_urls = oauth["oauth_config"].pop("redirect_urls")
    assert redirect_urls == [f"https://example.com{REDIRECT_PATH}"]
    assert (REDIRECT_PATH, INSTALL_PATH) == ("/slack/oauth_redirect", "/slack/install")
    events = oauth["settings"]["event_subscriptions"]["bot_events"]
    for event in ("app_uninstalled", "tokens_revoked"):
        events.remove(event)
    differs = ("org_deploy_enabled", "socket_mode_enabled")
    assert [oauth["settings"].pop(key) for key in differs] == [True, False]
    assert [single["settings"].pop(key) for key in differs] == [False, True]
    assert oauth == single


def test_define_command_and_message_shortcut(manifest: Manifest) -> None:
    features = manifest["features"]
    [command] = features["slash_commands"]
    assert (command["command"], command["usage_hint"], command["should_escape"]) == (
        "/define",
        "[term] | search <words> | list [category] | suggest [term] | settings | help",
        False,
    )
    [shortcut] = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", "explain_message_terms")


def test_home_tab_messages_tab_and_token_rotation(manifest: Manifest) -> None:
    assert manifest["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert manifest["features"]["bot_user"] == {"display_name": "glossary", "always_online": True}
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["token_rotation_enabled"] is False  # SLACK_TOKEN_ROTATION's default


def test_every_request_url_is_bolts_default_path(manifest: Manifest) -> None:
    # For HTTP mode all three must reach Bolt's handler at /slack/events.
    urls = [
        manifest["features"]["slash_commands"][0]["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert [url.endswith("/slack/events") for url in urls] == [True, True, True]
