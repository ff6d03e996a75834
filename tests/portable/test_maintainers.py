"""``python -m bot misses`` and ``suggestions``: the store's findings, listed or as YAML.

Pinned: misses of every workspace together, most asked first, never older than ``--since``;
``--yaml`` stubs fail ``check`` until a definition is written and pass once it is; the
suggestions document is always accepted by ``check`` (an entry it would refuse is left out and
named on stderr, exit 1).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.portable import commands, maintainers
from bot.portable.yaml_out import check_text
from bot.store import SUGGESTION_STATUSES, MemoryStore, NewSuggestion, SqlStore, Workspace
from tests.fakes import T0
from tests.portable.run import bot

A, B = Workspace(None, "T0AAA"), Workspace("E0ORG", "T0BBB")
STUBS = """\
# Stubs for the top misses, from `python -m bot misses --yaml`. Paste into a glossary
# file, write each definition and category, give acronyms and aliases, then run check.
terms:
  - term: deal desk  # asked 4×, last on 2023-11-14
    category: Uncategorised  # TODO: pick a category
    definition: >-  # TODO: write the definition on the next lines, indented by 6 spaces
  - term: tier x  # asked 1×, last on 2023-11-12
    category: Uncategorised  # TODO: pick a category
    definition: >-  # TODO: write the definition on the next lines, indented by 6 spaces
"""


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    for hours in range(3):
        store.record_lookup(A, "deal desk", None, T0 - 3600 * hours)
    store.record_lookup(B, "Deal  Desk", None, T0 - 86400)
    store.record_lookup(B, "Tier X", None, T0 - 2 * 86400)
    store.record_lookup(B, "too old", None, T0 - 31 * 86400)
    store.record_lookup(A, "eql", "Ecosystem Qualified Lead", T0, "U0ANA")
    return store


def misses(store: MemoryStore, *, as_yaml: bool, limit: int = 20) -> str:
    out = io.StringIO()
    code = maintainers.print_misses(store, out, since_days=30, limit=limit, now=T0, as_yaml=as_yaml)
    assert code == 0
    return out.getvalue()


def test_misses_of_every_workspace_most_asked_first(store: MemoryStore) -> None:
    assert misses(store, as_yaml=False) == (
        "count  last seen   query\n4  2023-11-14  deal desk\n1  2023-11-12  tier x\n"
    )
    assert misses(store, as_yaml=False, limit=1).count("\n") == 2
    assert misses(MemoryStore(), as_yaml=False) == "No misses in the last 30 days.\n"


def test_stubs_fail_check_until_a_definition_is_written(store: MemoryStore, tmp_path: Path) -> None:
    stubs = misses(store, as_yaml=True)
    assert stubs == STUBS
    assert [str(p) for p in check_text(stubs, "stubs.yaml")[1]] == [
        "stubs.yaml:6: 'deal desk': 'definition' is empty",
        "stubs.yaml:9: 'tier x': 'definition' is empty",
    ]
    filled = stubs.replace(
        "6 spaces\n", "6 spaces\n      The team that approves non-standard deals.\n", 1
    ).replace("6 spaces\n  - term: tier x", "6 spaces\n      A tier.\n  - term: tier x")
    filled = filled.rstrip("\n") + "\n      A partner level.\n"
    (tmp_path / "stubs.yaml").write_text(filled, encoding="utf-8")
    assert bot("check", "stubs.yaml", cwd=tmp_path) == (
        0,
        "OK: 2 terms in 1 category (0 acronyms, 0 aliases) from stubs.yaml\n",
        "",
    )


@pytest.fixture
def suggested() -> MemoryStore:
    store = MemoryStore()
    rows = [
        (A, NewSuggestion("Deal desk", "Approves deals.", "Sales and leads", "DD", "Daily.")),
        (A, NewSuggestion("Partner tier", "Levels.", "Programs and management", "pt")),
        (B, NewSuggestion("deal-desk", "The same again.", "Sales and leads")),
        (B, NewSuggestion("Spam", "No.", "X")),
    ]
    for at, (workspace, suggestion) in enumerate(rows):
        added = store.add_suggestion(workspace, suggestion, T0 + at)
        store.decide_suggestion(added.id, "rejected" if at == 3 else "approved", "U0MAX", T0)
    store.add_suggestion(
        A, NewSuggestion("Co-sell", "Selling together.", "Joint activities"), T0 + 5
    )
    return store


def test_suggestions_listed(suggested: MemoryStore) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert maintainers.print_suggestions(suggested, out, err, status=None, as_yaml=False) == 0
    assert out.getvalue() == (
        "#1  approved  2023-11-14  Deal desk (DD) — Sales and leads\n"
        "#2  approved  2023-11-14  Partner tier (pt) — Programs and management\n"
        "#3  approved  2023-11-14  deal-desk — Sales and leads\n"
        "#4  rejected  2023-11-14  Spam — X\n"
        "#5  waiting   2023-11-14  Co-sell — Joint activities\n"
    )


def test_suggestions_yaml_is_one_document_check_accepts(suggested: MemoryStore) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert maintainers.print_suggestions(suggested, out, err, status="approved", as_yaml=True) == 1
    assert out.getvalue() == (
        "# Suggestions from `python -m bot suggestions --yaml`: review, paste into a file, "
        "commit.\n"
        "terms:\n"
        "  # suggestion 1 (approved, 2023-11-14)\n"
        "  # why: Daily.\n"
        "  - term: Deal desk\n"
        "    acronym: DD\n"
        "    category: Sales and leads\n"
        "    definition: >-\n"
        "      Approves deals.\n"
    )
    assert err.getvalue() == (
        "suggestion 2 left out: 'Partner tier': acronym 'pt' must be one word in capitals\n"
        "suggestion 3 left out: duplicate term 'deal-desk' (already defined at suggestion 1)\n"
    )
    assert check_text(out.getvalue(), "s.yaml")[1] == []
    out = io.StringIO()
    assert maintainers.print_suggestions(suggested, out, err, status="waiting", as_yaml=True) == 0
    assert "  - term: Co-sell\n" in out.getvalue()


def test_the_command_line_lists_statuses_the_store_knows() -> None:
    assert commands.STATUSES == SUGGESTION_STATUSES


def test_misses_and_suggestions_from_the_database(tmp_path: Path) -> None:
    assert bot("migrate", cwd=tmp_path)[0] == 0
    store = SqlStore(f"sqlite:///{tmp_path}/glossary-bot.sqlite3")
    try:
        store.record_lookup(A, "Deal desk", None, T0)
        store.record_lookup(B, "Deal desk", None, T0)
        store.add_suggestion(
            B, NewSuggestion("Co-sell", "Selling together.", "Joint activities"), T0
        )
    finally:
        store.close()
    code, out, err = bot("misses", "--since", "36500", "--yaml", cwd=tmp_path)
    assert (code, err) == (
        2,
        "python -m bot misses: argument --since: expected days from 1 to 3650, not '36500' "
        "(see `python -m bot misses --help`)\n",
    )
    code, out, err = bot("misses", "--since", "3650", "--limit", "5", cwd=tmp_path)
    assert (code, out, err) == (0, "count  last seen   query\n2  2023-11-14  deal desk\n", "")
    code, out, err = bot("misses", "--since", "3650", "--yaml", cwd=tmp_path)
    assert (code, out.splitlines()[2], err) == (
        0,
        "# Categories in the glossary: Joint activities, Partner types, Pricing models, "
        "Programs and management, Relationships and ecosystems, Roles and stakeholders, "
        "Sales and leads, Strategy and governance, Tools and platforms.",
        "",
    )
    code, out, err = bot("suggestions", "--status", "waiting", cwd=tmp_path)
    assert (code, out, err) == (0, "#1  waiting   2023-11-14  Co-sell — Joint activities\n", "")


def test_an_empty_database_lists_nothing(tmp_path: Path) -> None:
    assert bot("migrate", cwd=tmp_path)[0] == 0
    assert bot("misses", cwd=tmp_path) == (0, "No misses in the last 30 days.\n", "")
    assert bot("suggestions", "--status", "approved", cwd=tmp_path) == (
        0,
        "No approved suggestions.\n",
        "",
    )


@pytest.mark.parametrize("command", ["misses", "suggestions"])
def test_no_database_file_is_one_line_and_exit_2_without_retrying(
    tmp_path: Path, command: str
) -> None:
    """The server waits about 15 s for a database starting beside it; these commands do not:
    no "retrying" lines, one line naming the setting and what to do."""
    url = f"sqlite:///{tmp_path}/missing/x.sqlite3"
    assert bot(command, cwd=tmp_path, DATABASE_URL=url) == (
        2,
        "",
        f"Cannot read the store (DATABASE_URL): cannot open the state store at {url}: no "
        "database file there (create it with `python -m bot migrate`)\n",
    )


def test_a_postgres_that_is_down_is_one_line_and_exit_2(tmp_path: Path) -> None:
    url = "postgresql://glossary:secret@127.0.0.1:1/glossary"
    code, out, err = bot("misses", "--yaml", cwd=tmp_path, DATABASE_URL=url)
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert err.startswith("Cannot read the store (DATABASE_URL): ")
    assert "secret" not in err
