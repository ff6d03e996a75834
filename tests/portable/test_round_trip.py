"""Export, then import: the same terms come back, every field of every term (issue 9, §6).

Run on the shipped glossary and on a small one that uses every field, including the values
that are hard to carry through a spreadsheet: several acronyms, a lone alias with a comma,
quotes, pipes, ``: `` and ``#`` in definitions, drafts, deprecations and review dates.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.portable import exporter, tables
from bot.portable.importer import convert
from bot.portable.yaml_out import check_text
from bot.terms import Term, load_glossary, read_glossary
from tests.portable.run import GLOSSARY, bot

EVERY_FIELD = """\
defaults:
  review_every: 26w
terms:
  - term: Partner tier
    acronym: [PT, TIER]
    aliases: ["gold, silver and bronze"]
    category: Programs and management
    definition: >-
      A level of a partner program: "Gold" | "Silver". Note: #1 is <b>best</b>; really.
    partner_definition: A level of the partner program.
    related: [Old tier]
    owner: S012GROUP
    reviewed: 2026-01-15
  - term: Old tier
    category: Programs and management
    definition: The old levels.
    audience: internal
    owner: ops@example.com
    status: deprecated
    replaced_by: Partner tier
    auto_expand: false
  - term: Tier draft
    category: Programs and management
    definition: Not ready.
    status: draft
    review_every: 30d
"""


def same(terms: list[Term]) -> list[Term]:
    """The terms without where they were read from (an import is a new file)."""
    return [dataclasses.replace(t, source="", line=0) for t in terms]


def imported(text: str, fmt: str) -> list[Term]:
    result = convert(tables.read_table(text.encode("utf-8"), fmt), None)
    assert (result.problems, result.notes) == ([], [])
    terms, problems = check_text(result.yaml, "imported.yaml")
    assert problems == []
    return terms


@pytest.fixture(scope="module")
def shipped() -> list[Term]:
    return load_glossary(GLOSSARY)


@pytest.fixture(scope="module")
def every_field(tmp_path_factory: pytest.TempPathFactory) -> list[Term]:
    path = tmp_path_factory.mktemp("g") / "g.yaml"
    path.write_text(EVERY_FIELD, encoding="utf-8")
    terms, problems = read_glossary(path)
    assert problems == []
    return terms


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_shipped_glossary_round_trips(shipped: list[Term], fmt: str) -> None:
    text = exporter.WRITERS[fmt](shipped, False)
    assert same(imported(text, fmt)) == same(shipped)
    assert len(shipped) == 99


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_field_round_trips(every_field: list[Term], fmt: str) -> None:
    tier, old, draft = every_field
    assert (tier.acronyms, tier.aliases, tier.review_every_days) == (
        ("PT", "TIER"),
        ("gold, silver and bronze",),
        182,
    )
    assert (old.status, old.audience, old.auto_expand, draft.status) == (
        "deprecated",
        "internal",
        False,
        "draft",
    )
    text = exporter.WRITERS[fmt](every_field, False)
    assert same(imported(text, fmt)) == same(every_field)


def test_the_command_line_round_trips_the_shipped_glossary(
    tmp_path: Path, shipped: list[Term]
) -> None:
    assert bot("export", "--out", "g.csv", cwd=tmp_path) == (0, "", "")
    assert (tmp_path / "g.csv").read_bytes().startswith(b"\xef\xbb\xbfterm,acronym,aliases,")
    code, out, err = bot("import", "g.csv", "--out", "g.yaml", cwd=tmp_path)
    note, done = err.splitlines()
    assert (code, out, done) == (0, "", "imported 99 term(s) from g.csv into g.yaml")
    assert note.startswith("g.csv:2: note: 'Market development funds' (")
    assert ") and 98 more terms are already in the glossary: replace those entries" in note
    assert same(load_glossary(tmp_path / "g.yaml")) == same(shipped)
