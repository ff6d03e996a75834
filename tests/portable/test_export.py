"""``python -m bot export``: wiki pages and the partner-safe subset.

Pinned: a partner export, in every format, names no internal term anywhere (not even in
another term's "see also"), lists no draft, shows the partner wording, and carries none of the
internal fields; pages escape what the glossary holds; ``--out`` never overwrites silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.portable import exporter
from bot.terms import Term, load_glossary, read_glossary
from tests.portable.run import GLOSSARY, cli
from tests.portable.test_round_trip import EVERY_FIELD

INTERNAL_TERMS = ("Ideal Partner Profile", "Stakeholder (internal)")
"""The shipped glossary's ``audience: internal`` terms."""


@pytest.fixture(scope="module")
def shipped() -> list[Term]:
    return load_glossary(GLOSSARY)


@pytest.fixture(scope="module")
def every_field(tmp_path_factory: pytest.TempPathFactory) -> list[Term]:
    path = tmp_path_factory.mktemp("g") / "g.yaml"
    path.write_text(EVERY_FIELD, encoding="utf-8")
    return read_glossary(path)[0]


def test_the_shipped_glossary_has_the_internal_terms_this_file_checks(
    shipped: list[Term],
) -> None:
    internal = tuple(t.term for t in shipped if t.audience == "internal")
    assert internal == INTERNAL_TERMS


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_partner_export_never_names_an_internal_term(shipped: list[Term], fmt: str) -> None:
    page = exporter.WRITERS[fmt](shipped, True)
    assert [name for name in INTERNAL_TERMS if name in page] == []
    assert "Partner recruiting" in page
    whole = exporter.WRITERS[fmt](shipped, False)
    assert [name for name in INTERNAL_TERMS if name in whole] == list(INTERNAL_TERMS)


def test_partner_records_carry_partner_wording_and_no_internal_field(
    shipped: list[Term],
) -> None:
    terms = json.loads(exporter.to_json(shipped, True))["terms"]
    assert len(terms) == 97
    assert {key for term in terms for key in term} == set(exporter.PARTNER)
    assert [t for t in terms if t["term"] == "Partner recruiting"] == [
        {
            "term": "Partner recruiting",
            "acronym": [],
            "aliases": ["partner recruitment", "partner acquisition"],
            "category": "Programs and management",
            "definition": "Partner recruiting refers to the process of identifying and "
            "recruiting new partners or affiliates for a company. This may involve activities "
            "such as outreach to potential partners, evaluating their fit with the company, and "
            "negotiating terms of the partnership.",
            "related": ["Partner recruitment manager"],
            "status": "active",
            "replaced_by": None,
        }
    ]


def test_partner_csv_of_every_field(every_field: list[Term]) -> None:
    assert exporter.to_csv(every_field, True) == (
        "term,acronym,aliases,category,definition,related,status,replaced_by\r\n"
        'Partner tier,PT; TIER,"gold, silver and bronze;",Programs and management,'
        "A level of the partner program.,,active,\r\n"
    )


def test_markdown_escapes_pipes_and_markup(every_field: list[Term]) -> None:
    assert exporter.to_markdown(every_field, False).splitlines()[6:8] == [
        "| **Old tier** | The old levels. _Deprecated; use Partner tier._ "
        "_Internal only: not shown in shared channels._ |  |",
        '| **Partner tier (PT)** | A level of a partner program: "Gold" \\| "Silver". '
        "Note: \\#1 is \\<b\\>best\\</b\\>; really. _Also: gold, silver and bronze._ "
        "_What partners see: A level of the partner program._ | Old tier |",
    ]
    assert exporter.to_markdown(every_field, True) == (
        "# Partner glossary\n\n## Programs and management\n\n"
        "| Term | Definition | See also |\n| --- | --- | --- |\n"
        "| **Partner tier (PT)** | A level of the partner program. "
        "_Also: gold, silver and bronze._ |  |\n"
    )


def test_html_is_escaped_and_self_contained(every_field: list[Term]) -> None:
    page = exporter.to_html(every_field, False)
    assert (
        '<dt id="term-partner-tier">Partner tier (PT)</dt><dd>A level of a partner program: '
        "&quot;Gold&quot; | &quot;Silver&quot;. Note: #1 is &lt;b&gt;best&lt;/b&gt;; really.\n"
    ) in page
    assert '<p class="note">See also: <a href="#term-old-tier">Old tier</a></p>' in page
    assert [bad for bad in ("<b>", "<script", "src=", "http", "<link") if bad in page] == []
    assert "Tier draft" not in page


def test_export_to_a_file_by_its_extension_and_only_with_force_over_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("export", "--audience", "partner", "--out", "partners.md")
    assert cli(*args, cwd=tmp_path, capsys=capsys) == (0, "", "")
    page = (tmp_path / "partners.md").read_text(encoding="utf-8")
    assert page.startswith("# Partner glossary\n\n## Joint activities\n\n| Term |")
    assert cli(*args, cwd=tmp_path, capsys=capsys) == (
        2,
        "",
        "python -m bot export: partners.md exists; pass --force to overwrite it "
        "(see `python -m bot export --help`)\n",
    )
    assert cli(*args, "--format", "html", "--force", cwd=tmp_path, capsys=capsys)[0] == 0
    assert (tmp_path / "partners.md").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
