"""``python -m bot import``: spreadsheets and JSON in, YAML that ``check`` accepts out.

Pinned: the usual column names are understood; every bad row comes back as one literal
``FILE:row: message`` line and nothing is written (exit 1); refusals are one line and exit 2;
an existing file is only overwritten with ``--force``; Excel's encodings and quoted newlines
read; and what is written loads with the real loader.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.terms import read_glossary
from tests.portable.run import bot, cli

HEADER = "Name,Abbreviation,Description,Group,Also known as,See also,Owner,Status,Replaced by\n"


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)


def test_usual_columns_become_a_glossary_file_that_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "terms.csv").write_text(
        HEADER
        + "Deal desk,DD,The team that approves | prices non-standard deals.,Sales and leads,"
        + '"deal-desk; pricing desk",Old desk,U012AB,,\n'
        + "Old desk,,Replaced: see Deal desk.,Sales and leads,,,ops@example.com,Deprecated,"
        + "deal desk\n",
        encoding="utf-8",
    )
    assert cli("import", "terms.csv", cwd=tmp_path, capsys=capsys) == (
        0,
        "# Imported from terms.csv by `python -m bot import`.\n"
        "terms:\n"
        "  - term: Deal desk\n"
        "    acronym: DD\n"
        "    aliases: [deal-desk, pricing desk]\n"
        "    category: Sales and leads\n"
        "    definition: >-\n"
        "      The team that approves | prices non-standard deals.\n"
        "    related: [Old desk]\n"
        "    owner: U012AB\n"
        "  - term: Old desk\n"
        "    category: Sales and leads\n"
        "    definition: >-\n"
        "      Replaced: see Deal desk.\n"
        "    owner: ops@example.com\n"
        "    status: deprecated\n"
        "    replaced_by: deal desk\n",
        "imported 2 term(s) from terms.csv\n",
    )


def test_the_written_file_loads_with_the_glossary_it_joins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.json").write_text(
        json.dumps(
            {
                "terms": [
                    {
                        "Term": "Deal desk",
                        "Definition": "Approves non-standard deals.",
                        "Category": "Sales and leads",
                        "Aliases": ["pricing desk"],
                        "Audience": "Internal",
                        "Reviewed": "2026-01-15",
                        "Review every": 90,
                        "Auto expand": False,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    code, _, err = cli("import", "t.json", "--out", "new.yaml", cwd=tmp_path, capsys=capsys)
    assert (code, err) == (0, "imported 1 term(s) from t.json into new.yaml\n")
    terms, problems = read_glossary(tmp_path / "new.yaml")
    assert problems == []
    desk = terms[0]
    assert (desk.term, desk.aliases, desk.audience, desk.auto_expand) == (
        "Deal desk",
        ("pricing desk",),
        "internal",
        False,
    )
    assert (desk.reviewed.isoformat() if desk.reviewed else None, desk.review_every_days) == (
        "2026-01-15",
        90,
    )


def test_bad_rows_are_each_reported_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_csv(
        tmp_path / "bad.csv",
        [
            HEADER.strip().split(","),
            ["Resale desk", "", "Resells.", "Partner types", "", "", "", "", ""],
            ["resale desk", "", "Again.", "Partner types", "", "", "", "", ""],
            ["Tier", "", "Tiers.", "Partner tiers", "", "", "", "", ""],
            ["Big", "", "x" * 40960, "Partner types", "", "", "", "", ""],
            ["Old", "", "Old.", "Partner types", "", "", "", "deprecated", "Nothing"],
            ["Mine", "", "Mine.", "Partner types", "", "", "bob", "", ""],
            ["", "", "No name.", "Partner types", "", "", "", "", ""],
            ["Fine", "", "Fine.", "Partner types", "", "Resale desk", "", "", ""],
        ],
    )
    assert cli("import", "bad.csv", "--out", "out.yaml", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        "bad.csv:3: duplicate term 'resale desk' (already defined at row 2)\n"
        "bad.csv:4: 'Tier': unknown category 'Partner tiers' (did you mean 'Partner types'? "
        "--allow-new-categories accepts it)\n"
        "bad.csv:5: 'Big': 'definition' is 40,960 characters long; at most 3,000 "
        "(what Slack shows in one block)\n"
        "bad.csv:6: 'Old': replaced_by 'Nothing' is not in the glossary\n"
        "bad.csv:7: 'Mine': 'owner' must be a Slack user id (U…/W…), a user-group id (S…) "
        "or an email, not 'bob'\n"
        "bad.csv:8: 'term' is empty\n"
        "6 problem(s) in bad.csv; nothing written\n",
    )
    assert not (tmp_path / "out.yaml").exists()


def test_a_missing_column_is_one_line_naming_it_and_the_columns_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text("Term,Category,Notes\nReseller,Partner types,x\n")
    assert cli("import", "t.csv", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        "t.csv:1: note: column 'Notes' is not a glossary field; left out\n"
        "t.csv:1: missing required column 'definition' (columns found: Term, Category, Notes)\n"
        "1 problem(s) in t.csv; nothing written\n",
    )


def test_new_categories_only_when_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.tsv").write_text("term\tcategory\tdefinition\nTier\tTiers\tA level.\n")
    code, out, _ = cli("import", "t.tsv", cwd=tmp_path, capsys=capsys)
    assert (code, out) == (1, "")
    code, out, _ = cli("import", "t.tsv", "--allow-new-categories", cwd=tmp_path, capsys=capsys)
    assert code == 0
    assert "    category: Tiers\n" in out


def test_excel_utf8_with_a_bom_crlf_and_quoted_newlines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = 'Term,Category,Definition\r\nCo-sell,Joint activities,"Selling together.\r\nTwice."\r\n'
    (tmp_path / "t.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, out, _ = cli("import", "t.csv", cwd=tmp_path, capsys=capsys)
    assert code == 0
    assert "  - term: Co-sell\n" in out
    assert "      Selling together. Twice.\n" in out
    (tmp_path / "u.txt").write_bytes(text.replace(",", "\t").encode("utf-16"))
    assert cli("import", "u.txt", cwd=tmp_path, capsys=capsys)[1] == out.replace("t.csv", "u.txt")


def test_semicolon_separated_csv_from_european_excel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text("Term;Category;Definition\nAgent;Partner types;Sells.\n")
    code, out, _ = cli("import", "t.csv", cwd=tmp_path, capsys=capsys)
    assert (code, out.splitlines()[2]) == (0, "  - term: Agent")


def test_blank_rows_above_the_header_are_skipped_and_rows_keep_their_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sheet whose title row was left empty; the ``;`` is found on the header, not row 1."""
    text = "\n;;\nTerm;Category;Definition;Notes\n\nDesk;Partner types;Sells.\nBroker;;Brokers.\n"
    (tmp_path / "t.csv").write_text(text)
    assert cli("import", "t.csv", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        "t.csv:3: note: column 'Notes' is not a glossary field; left out\n"
        "t.csv:6: 'Broker': 'category' is empty\n"
        "1 problem(s) in t.csv; nothing written\n",
    )
    (tmp_path / "t.csv").write_text("\n\nTerm;Definition\nDesk;Sells.\n")
    assert cli("import", "t.csv", cwd=tmp_path, capsys=capsys)[2] == (
        "t.csv:3: missing required column 'category' (columns found: Term, Definition)\n"
        "1 problem(s) in t.csv; nothing written\n"
    )


def test_a_term_the_glossary_already_has_is_one_note_not_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Re-importing an export replaces every term, so this is not a problem; but whoever adds
    the file beside the glossary learns of the duplicates now, not when CI fails."""
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "a.yaml").write_text(
        "terms:\n  - {term: Agent, category: C, definition: D.}\n"
        "  - {term: Broker, category: C, definition: D.}\n"
    )
    (tmp_path / "t.csv").write_text("term,category,definition\nDesk,C,D.\nagent,C,D.\n")
    code, _, err = cli("import", "t.csv", "--glossary", "g", cwd=tmp_path, capsys=capsys)
    assert (code, err) == (
        0,
        f"t.csv:3: note: 'agent' is already in the glossary ({Path('g', 'a.yaml')}:2): replace "
        "that entry with this row, or check will report a duplicate\n"
        "imported 2 term(s) from t.csv\n",
    )
    (tmp_path / "t.csv").write_text("term,category,definition\nBroker,C,D.\nagent,C,D.\n")
    assert cli("import", "t.csv", "--glossary", "g", cwd=tmp_path, capsys=capsys)[2] == (
        f"t.csv:2: note: 'Broker' ({Path('g', 'a.yaml')}:3) and 1 more terms are already in "
        "the glossary: replace those entries with these rows, or check will report duplicates\n"
        "imported 2 term(s) from t.csv\n"
    )


def test_not_utf8_and_broken_json_are_reported_on_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_bytes("Term,Category,Definition\nCaf\xe9,A,B\n".encode("cp1252"))
    assert cli("import", "t.csv", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        't.csv:2: not UTF-8 text (in Excel, use "Save as: CSV UTF-8"; in Sheets, CSV)\n',
    )
    (tmp_path / "t.json").write_text('[\n  {"term": "A",}\n]\n')
    assert cli("import", "t.json", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        "t.json:2: not valid JSON: Expecting property name enclosed in double quotes\n",
    )


def test_control_characters_and_absurd_nesting_are_reported_not_crashed_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.csv").write_text("term,category,definition\nAgent\x00,C,Rings\x07.\n")
    assert cli("import", "t.csv", "--allow-new-categories", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        "t.csv:2: 'definition' holds the control character U+0007; remove it\n"
        "t.csv:2: 'term' holds the control character U+0000; remove it\n"
        "2 problem(s) in t.csv; nothing written\n",
    )
    (tmp_path / "t.json").write_text("[" * 100_000)
    assert cli("import", "t.json", cwd=tmp_path, capsys=capsys) == (
        1,
        "",
        "t.json:1: not a glossary export: nested too deeply\n",
    )


def test_existing_output_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.csv").write_text("term,category,definition\nAgent,Partner types,Sells.\n")
    (tmp_path / "out.yaml").write_text("keep me\n")
    assert cli("import", "t.csv", "--out", "out.yaml", cwd=tmp_path, capsys=capsys) == (
        2,
        "",
        "python -m bot import: out.yaml exists; pass --force to overwrite it "
        "(see `python -m bot import --help`)\n",
    )
    assert (tmp_path / "out.yaml").read_text() == "keep me\n"
    code, _, _ = cli("import", "t.csv", "--out", "out.yaml", "--force", cwd=tmp_path, capsys=capsys)
    assert code == 0
    assert "  - term: Agent\n" in (tmp_path / "out.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("t.xlsx",), "cannot tell the format of t.xlsx; give --format csv, tsv or json"),
        (("nope.csv",), "cannot read nope.csv: No such file or directory"),
        (("t.xlsx", "--format", "csv", "--force"), "--force only applies with --out"),
        (("t.csv", "--out", "sub", "--force"), "sub is a folder; give the name of a file in it"),
        (("t.csv", "--out", "no/g.yaml"), "cannot write no/g.yaml: there is no folder no"),
    ],
)
def test_refusals_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "t.xlsx").write_bytes(b"PK")
    (tmp_path / "t.csv").write_text("term,category,definition\nAgent,Partner types,Sells.\n")
    (tmp_path / "sub").mkdir()
    assert cli("import", *args, cwd=tmp_path, capsys=capsys) == (
        2,
        "",
        f"python -m bot import: {message} (see `python -m bot import --help`)\n",
    )


def test_import_through_the_real_command_line(tmp_path: Path) -> None:
    rows = io.StringIO()
    csv.writer(rows).writerows([["term", "category", "definition"], ["Desk", "A", "Sells."]])
    (tmp_path / "t.csv").write_text(rows.getvalue())
    code, _, err = bot("import", "t.csv", "--out", "g.yaml", "--allow-new-categories", cwd=tmp_path)
    assert (code, err) == (0, "imported 1 term(s) from t.csv into g.yaml\n")
    assert bot("check", "g.yaml", cwd=tmp_path) == (
        0,
        "OK: 1 term in 1 category (0 acronyms, 0 aliases) from g.yaml\n",
        "",
    )
