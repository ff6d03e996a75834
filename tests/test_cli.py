"""bot.cli through ``python -m bot``: the maintainers' commands, run as a real subprocess.

What is pinned is the contract other tools rely on: the exact text and JSON each command
prints, its exit code (0 answered, 1 no answer, 2 could not run: usage, configuration or a
glossary that does not load; 130 Ctrl-C), that GLOSSARY_PATH and ``--glossary`` choose the
glossary, that ``--jsonl`` answers line by line in order and survives bad lines, that every flag
acts in every output mode, and that no error ends in a traceback. Refusals (usage and
configuration errors, Ctrl-C) are in test_cli_usage.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROKER = "terms:\n  - term: Broker\n    category: Intermediaries\n    definition: Brokers broker.\n"
AGENT = {
    "term": "Agent",
    "acronym": None,
    "aliases": ["sales agent", "commission agent"],
    "category": "Partner types",
    "definition": "Agents represent a company and its products or services to potential "
    "customers. They may work on a commission basis or for a fixed fee.",
    "related": ["Affiliate", "Referral partner", "Commission-based pricing"],
}


def bot(*args: str, stdin: str = "", cwd: Path = ROOT, **env: str) -> tuple[int, str, str]:
    """``python -m bot ARGS``: (exit code, stdout, stderr); stderr must never hold a traceback."""
    environ = dict(os.environ)
    environ |= {"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    environ |= {"GLOSSARY_PATH": str(ROOT / "glossary"), **env}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=environ,
        timeout=60,
    )
    assert "Traceback" not in done.stderr + done.stdout
    return done.returncode, done.stdout, done.stderr


def test_check_the_shipped_glossary() -> None:
    assert bot("check", "glossary") == (
        0,
        "OK: 99 terms in 9 categories (19 acronyms, 162 aliases) from glossary\n",
        "",
    )


def test_check_a_broken_glossary(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(BROKER.replace("Brokers broker.", "Note: brokers."))
    assert bot("check", "g.yaml", cwd=tmp_path) == (
        1,
        "g.yaml:4: YAML syntax error: mapping values are not allowed in this context "
        "(a value containing ': ' must be quoted or written as a '>-' block)\n"
        "1 problem(s) found in g.yaml\n",
        "",
    )


REVIEWED = """\
defaults: {review_every: 180d}
terms:
  - {term: Agent, category: C, definition: D., owner: U012AB3CD, reviewed: 2026-01-15}
  - {term: Broker, category: C, definition: D., owner: ops@example.com, reviewed: 2026-10-01}
  - {term: Dealer, category: C, definition: D., status: draft}
  - {term: Seller, category: C, definition: D., reviewed: 2026-11-01, review_every: 2w}
  - {term: Vendor, category: C, definition: D., owner: S0PARTNERS, review_every: 26w}
"""
REVIEW_LINES = (
    "g.yaml:3: Agent: overdue since 2026-07-14\n"
    "g.yaml:5: Dealer: never reviewed\n"
    "g.yaml:5: Dealer: no owner\n"
    "g.yaml:6: Seller: overdue since 2026-11-15\n"
    "g.yaml:6: Seller: no owner\n"
    "g.yaml:7: Vendor: never reviewed\n"
    "4 terms to review on 2026-11-30: 2 overdue, 2 never reviewed, 2 without an owner\n"
)


@pytest.mark.parametrize(("strict", "code"), [([], 0), (["--strict"], 1)])
def test_check_stale_lists_terms_to_review(tmp_path: Path, strict: list[str], code: int) -> None:
    (tmp_path / "g.yaml").write_text(REVIEWED)
    assert bot("check", "g.yaml", "--stale", "--today", "2026-11-30", *strict, cwd=tmp_path) == (
        code,
        "OK: 4 terms in 1 category (0 acronyms, 0 aliases) from g.yaml, and 1 draft (never shown)\n"
        + REVIEW_LINES,
        "",
    )


def test_check_stale_strict_passes_when_all_is_reviewed(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(BROKER.rstrip("\n") + "\n    owner: W012AB3CD\n")
    assert bot("check", "g.yaml", "--stale", "--strict", "--today", "2026-11-30", cwd=tmp_path) == (
        0,
        "OK: 1 term in 1 category (0 acronyms, 0 aliases) from g.yaml\n"
        "No term is overdue or without an owner on 2026-11-30.\n",
        "",
    )


def test_check_stale_on_the_shipped_glossary() -> None:
    code, out, err = bot("check", "glossary", "--stale", "--today", "2026-12-01", "--strict")
    lines = out.splitlines()
    assert (code, err, len(lines)) == (1, "", 1 + 2 * 99 + 1)
    assert lines[:3] == [
        "OK: 99 terms in 9 categories (19 acronyms, 162 aliases) from glossary",
        "glossary/beyond-seed.yaml:12: Market development funds: never reviewed",
        "glossary/beyond-seed.yaml:12: Market development funds: no owner",
    ]
    assert lines[-1] == (
        "99 terms to review on 2026-12-01: 0 overdue, 99 never reviewed, 99 without an owner"
    )


def test_check_today_is_also_the_limit_for_reviewed_dates(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(REVIEWED)
    assert bot("check", "g.yaml", "--stale", "--today", "2026-10-30", cwd=tmp_path) == (
        1,
        "g.yaml:6: 'Seller': 'reviewed' 2026-11-01 is in the future\n"
        "1 problem(s) found in g.yaml\n",
        "",
    )


def test_check_at_the_ends_of_the_calendar(tmp_path: Path) -> None:
    """``--today 9999-12-31`` once crashed: "tomorrow" (the clock slack) overflowed."""
    (tmp_path / "g.yaml").write_text(
        "terms:\n  - {term: A, category: C, definition: D., owner: U0ANA, "
        "reviewed: 2026-01-01, review_every: 9999w}\n"
    )
    assert bot("check", "g.yaml", "--stale", "--today", "9999-12-31", cwd=tmp_path) == (
        0,
        "OK: 1 term in 1 category (0 acronyms, 0 aliases) from g.yaml\n"
        "g.yaml:2: A: overdue since 2217-08-21\n"
        "1 term to review on 9999-12-31: 1 overdue, 0 never reviewed, 0 without an owner\n",
        "",
    )
    assert bot("check", "g.yaml", "--today", "0001-01-01", cwd=tmp_path) == (
        1,
        "g.yaml:2: 'A': 'reviewed' 2026-01-01 is in the future\n1 problem(s) found in g.yaml\n",
        "",
    )


@pytest.mark.parametrize("today", ["2026-13-40", "2026-W48-1", "tomorrow", "2026-1-5"])
def test_a_bad_today_is_a_one_line_usage_error(today: str) -> None:
    assert bot("check", "glossary", "--stale", "--today", today) == (
        2,
        "",
        f"python -m bot check: argument --today: expected a date YYYY-MM-DD, not '{today}' "
        "(see `python -m bot check --help`)\n",
    )


def test_strict_without_stale_is_refused() -> None:
    assert bot("check", "glossary", "--strict") == (
        2,
        "",
        "python -m bot check: --strict applies to --stale; add --stale "
        "(see `python -m bot check --help`)\n",
    )


def test_glossary_path_chooses_the_glossary(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(BROKER)
    summary = f"OK: 1 term in 1 category (0 acronyms, 0 aliases) from {path}\n"
    assert bot("check", cwd=tmp_path, GLOSSARY_PATH=str(path)) == (0, summary, "")
    assert bot("define", "brokers", cwd=tmp_path, GLOSSARY_PATH=str(path)) == (
        0,
        "Broker — Intermediaries\n  Brokers broker.\n",
        "",
    )
    code, out, _ = bot(
        "define", "EQL", "--glossary", str(ROOT / "glossary"), GLOSSARY_PATH=str(path)
    )
    assert (code, out.splitlines()[0]) == (0, "Ecosystem Qualified Lead (EQL) — Sales and leads")


def test_a_term_command_with_a_broken_glossary(tmp_path: Path) -> None:
    """Exit 2, not 1: the command could not run, which is not the same as "no such term"."""
    assert bot("define", "EQL", "--glossary", "missing.yaml", cwd=tmp_path) == (
        2,
        "",
        "missing.yaml:0: no such file or folder\n"
        "The glossary has 1 problem(s); run `python -m bot check`.\n",
    )


def test_define_json() -> None:
    code, out, _ = bot("define", "--json", "what", "are", "agents?")
    assert (code, json.loads(out)) == (
        0,
        {"query": "what are agents?", "status": "found", "terms": [AGENT]},
    )
    code, out, _ = bot("define", "--json", "PRM")
    answer = json.loads(out)
    assert (code, answer["status"], [(t["term"], t["acronym"]) for t in answer["terms"]]) == (
        0,
        "ambiguous",
        [
            ("Partner Relationship Management", "PRM"),
            ("Partner Relationship Management Software", "PRM"),
            ("Partnership Relationship Manager", "PRM"),
        ],
    )
    assert bot("define", "--json", "CRM") == (
        1,
        '{"query": "CRM", "status": "none", "terms": []}\n',
        "",
    )


@pytest.mark.parametrize(
    ("words", "code", "out"),
    [
        (["ELQ"], 1, "No exact entry for “ELQ”. Did you mean: Ecosystem Qualified Lead (EQL)?\n"),
        (["zzz"], 1, "No glossary entry for “zzz”.\n"),
        (["agent"], 0, "Agent — Partner types\n  Agents represent a company and its products or "
         "services to potential customers. They\n  may work on a commission basis or for a "
         "fixed fee.\n  Related: Affiliate, Referral partner, Commission-based pricing\n"),
    ],
)  # fmt: skip
def test_define_text(words: list[str], code: int, out: str) -> None:
    assert bot("define", *words) == (code, out, "")


def test_define_jsonl_answers_each_line_in_order() -> None:
    requests = [
        '{"query": "EQL"}',
        "not json",
        '{"query": 5}',
        '{"q": "EQL"}',
        "[1]",
        "",
        '{"query": "CRM"}',
        '{"query": "what\'s a VAD?"}',
    ]
    code, out, _ = bot("define", "--jsonl", stdin="\n".join(requests) + "\n")
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [a.get("error") or (a["query"], a["status"]) for a in answers] == [
        ("EQL", "found"),
        "line 2: not valid JSON (Expecting value)",
        'line 3: expected an object with a text "query"',
        'line 4: expected an object with a text "query"',
        'line 5: expected an object with a text "query"',
        "line 6: empty line",
        ("CRM", "none"),
        ("what's a VAD?", "found"),
    ]
    assert answers[-1]["terms"][0]["term"] == "Value-added distributor"


def test_scan_json_reads_the_message_from_stdin() -> None:
    message = "Our `EQL` tool and PRM, plus VARs\u00a0and resellers"
    code, out, _ = bot("scan", "--json", stdin=message)
    assert (code, json.loads(out)) == (
        0,
        {
            "matches": [
                {"term": "Partner Relationship Management", "text": "PRM", "start": 19, "end": 22},
                {
                    "term": "Partner Relationship Management Software",
                    "text": "PRM",
                    "start": 19,
                    "end": 22,
                },
                {"term": "Partnership Relationship Manager", "text": "PRM", "start": 19, "end": 22},
                {"term": "Value-added reseller", "text": "VARs", "start": 29, "end": 33},
            ]
        },
    )


def test_scan_jsonl() -> None:
    stdin = '{"text": "EQLs and ICP"}\n{"text": 1}\n{"text": "pms"}\n'
    assert bot("scan", "--jsonl", stdin=stdin) == (
        0,
        '{"matches": [{"term": "Ecosystem Qualified Lead", "text": "EQLs", "start": 0, "end": 4}, '
        '{"term": "Ideal Customer Profile", "text": "ICP", "start": 9, "end": 12}]}\n'
        '{"error": "line 2: expected an object with a text \\"text\\""}\n'
        '{"matches": []}\n',
        "",
    )


def test_scan_text() -> None:
    assert bot("scan", "our", "Partner Ecosystem Platform") == (
        0,
        "4-30  'Partner Ecosystem Platform' → Partner Ecosystem Platform (PEP)\n",
        "",
    )
    assert bot("scan", "our resellers") == (0, "No glossary terms to explain.\n", "")
    assert bot("scan", "--all", "our resellers") == (0, "4-13  'resellers' → Reseller\n", "")


def test_search() -> None:
    code, out, _ = bot("search", "--json", "--limit", "2", "commission")
    answer = json.loads(out)
    assert (code, answer["query"], [t["term"] for t in answer["terms"]]) == (
        0,
        "commission",
        ["Commission-based pricing", "Agent"],
    )
    assert {*answer["terms"][1]} == {*AGENT, "score"}
    assert bot("search", "royalties") == (
        0,
        "Licensing — Relationships and ecosystems\nFranchising — Relationships and ecosystems\n",
        "",
    )
    assert bot("search", "the", "of") == (1, "Nothing in the glossary mentions “the of”.\n", "")


RESELLERS = '{"matches": [{"term": "Reseller", "text": "resellers", "start": 4, "end": 13}]}\n'


@pytest.mark.parametrize(
    ("args", "stdin", "out"),
    [
        (["scan", "--all", "our resellers"], "", "4-13  'resellers' → Reseller\n"),
        (["scan", "--all", "--json", "our resellers"], "", RESELLERS),
        (["scan", "--all", "--jsonl"], '{"text": "our resellers"}\n', RESELLERS),
        (["scan", "--jsonl"], '{"text": "our resellers"}\n', '{"matches": []}\n'),
        (["search", "--limit", "1", "commission"], "",
         "Commission-based pricing — Pricing models\n"),
    ],
)  # fmt: skip
def test_every_flag_acts_in_every_output_mode(args: list[str], stdin: str, out: str) -> None:
    assert bot(*args, stdin=stdin) == (0, out, "")


def test_search_limit_in_json_and_jsonl() -> None:
    _, json_out, _ = bot("search", "--json", "--limit", "1", "commission")
    _, jsonl_out, _ = bot("search", "--jsonl", "--limit", "1", stdin='{"query": "commission"}\n')
    assert jsonl_out == json_out
    assert [t["term"] for t in json.loads(json_out)["terms"]] == ["Commission-based pricing"]
