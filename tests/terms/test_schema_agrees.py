"""glossary/schema.json (what editors check as people type) agrees with the loader (what
``python -m bot check`` and the bot enforce): a file one accepts, the other accepts.

Each case is one glossary file, validated both ways. YAML is read for the schema the way
editors read it (YAML 1.2: ``2026-01-01`` is text, not a date). The few rules a JSON Schema
cannot state (a real calendar date, not in the future, whitespace the loader trims) are
pinned in ``DIFFERENT`` so a new difference is a decision, not an accident.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.terms import read_glossary

GLOSSARY_DIR = Path(__file__).resolve().parents[2] / "glossary"
SCHEMA = json.loads((GLOSSARY_DIR / "schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


class _EditorLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamps, as editors' YAML 1.2 reads a file."""


_EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

ZED = "  - term: Zed\n    category: C\n    definition: D.\n"
OTHER = "  - term: Other\n    category: C\n    definition: O.\n"

CASES = {
    "plain": ("", ""),
    "acronym with a digit": ("", "    acronym: 2FA\n"),
    "acronym with a hyphen": ("", "    acronym: CO-OP\n"),
    "acronym in lower case": ("", "    acronym: Zd\n"),
    "acronym listed twice": ("", "    acronym: [ZZ, ZZ]\n"),
    "no acronyms": ("", "    acronym: []\n"),
    "related listed twice": ("", "    related: [Other, Other]\n"),
    "alias listed twice": ("", "    aliases: [zee, zee]\n"),
    "owner user": ("", "    owner: W0123\n"),
    "owner in lower case": ("", "    owner: u0123\n"),
    "owner email": ("", "    owner: ops@example.com\n"),
    "reviewed": ("", "    reviewed: 2026-01-01\n"),
    "review every zero": ("", "    review_every: 0d\n"),
    "review every 9999 weeks": ("", "    review_every: 9999w\n"),
    "replaced_by on an active term": ("", "    replaced_by: Other\n"),
    "deprecated with replaced_by": ("", "    status: deprecated\n    replaced_by: Other\n"),
    "internal with partner wording": ("", "    audience: internal\n    partner_definition: P.\n"),
    "internal by default with partner wording": (
        "defaults:\n  audience: internal\n",
        "    partner_definition: P.\n",
    ),
    "public overriding an internal default": (
        "defaults:\n  audience: internal\n",
        "    audience: public\n    partner_definition: P.\n",
    ),
    "defaults review every zero": ("defaults:\n  review_every: 0d\n", ""),
    "defaults typo": ("defaults:\n  audiance: internal\n", ""),
}
DIFFERENT = {
    "reviewed impossible date": (
        "    reviewed: '2026-02-30'\n",
        True,
        ["'2026-02-30' is not a 'date'"],  # only where an editor checks formats
    ),
    "reviewed in the future": ("    reviewed: 2999-01-01\n", True, []),  # needs a clock
    "review_every with a space": (
        "    review_every: ' 10d'\n",
        False,
        ["' 10d' does not match '^(?!0+[dw]$)[0-9]{1,4}[dw]$'"],
    ),
    "owner with a space": (  # the loader trims it; the schema cannot
        "    owner: ' U0123'\n",
        False,
        ["' U0123' is not valid under any of the given schemas"],
    ),
}
"""Fields → (does the loader refuse it, the schema's messages): the known differences."""


def verdicts(tmp_path: Path, defaults: str, fields: str) -> tuple[list[str], list[str]]:
    text = defaults + "terms:\n" + ZED + fields + OTHER
    (tmp_path / "g.yaml").write_text(text, encoding="utf-8")
    _, problems = read_glossary(tmp_path / "g.yaml")
    data: Any = yaml.load(text, Loader=_EditorLoader)  # a SafeLoader subclass: safe
    return [p.message for p in problems], [e.message for e in VALIDATOR.iter_errors(data)]


@pytest.mark.parametrize(("defaults", "fields"), CASES.values(), ids=CASES.keys())
def test_the_schema_and_the_loader_agree(tmp_path: Path, defaults: str, fields: str) -> None:
    loader, schema = verdicts(tmp_path, defaults, fields)
    assert bool(loader) == bool(schema), (loader, schema)


@pytest.mark.parametrize(
    ("fields", "refused", "messages"), DIFFERENT.values(), ids=DIFFERENT.keys()
)
def test_the_known_differences(
    tmp_path: Path, fields: str, refused: bool, messages: list[str]
) -> None:
    loader, schema = verdicts(tmp_path, "", fields)
    assert (bool(loader), schema) == (refused, messages)


def test_the_shipped_files_pass_both() -> None:
    for file in sorted(GLOSSARY_DIR.glob("*.yaml")):
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_EditorLoader)
        assert list(VALIDATOR.iter_errors(data)) == [], file.name
    assert read_glossary(GLOSSARY_DIR)[1] == []
