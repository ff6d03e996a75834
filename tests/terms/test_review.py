"""bot.terms.review and the Glossary's lifecycle: what is due, what is hidden, where it points.

``overdue`` is pure, so each case is a few Terms and a fixed date. The Glossary tests load a
small glossary with a draft and a deprecated term and pin that the draft is invisible to every
engine (define, scan, search, find, categories, counts, get) while the deprecated term still
matches and names its replacement.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.terms import Glossary, Status, Term
from bot.terms.review import Overdue, Why, overdue

TODAY = date(2026, 11, 30)


def term(name: str, line: int, source: str = "a.yaml", **fields: object) -> Term:
    return Term(name, "C", "D.", source=source, line=line, **fields)  # type: ignore[arg-type]


def test_overdue_lists_each_reason_by_file_and_line() -> None:
    late = term("Late", 9, owner="U1", reviewed=date(2026, 1, 1), review_every_days=30)
    due_today = term("Due today", 3, owner="U1", reviewed=date(2026, 10, 31), review_every_days=30)
    fresh = term("Fresh", 4, owner="U1", reviewed=date(2026, 11, 1), review_every_days=180)
    never = term("Never", 5, owner="ops@example.com", review_every_days=90)
    orphan = term("Orphan", 2, reviewed=date(2020, 1, 1), review_every_days=365)
    unmanaged = term("Unmanaged", 1, source="b.yaml")
    settled = term("Settled", 7, owner="S0TEAM")
    found = overdue([late, due_today, fresh, never, orphan, unmanaged, settled], TODAY)
    assert [str(item) for item in found] == [
        "a.yaml:2: Orphan: overdue since 2020-12-31",
        "a.yaml:2: Orphan: no owner",
        "a.yaml:5: Never: never reviewed",
        "a.yaml:9: Late: overdue since 2026-01-31",
        "b.yaml:1: Unmanaged: no owner",
    ]
    assert found[0] == Overdue(orphan, Why.OVERDUE, date(2020, 12, 31))
    assert found[2] == Overdue(never, Why.NEVER_REVIEWED)


def test_a_term_is_overdue_from_the_day_after_its_due_date() -> None:
    reviewed = term("T", 1, owner="U1", reviewed=date(2026, 11, 1), review_every_days=28)
    assert overdue([reviewed], date(2026, 11, 29)) == []
    assert overdue([reviewed], date(2026, 11, 30)) == [
        Overdue(reviewed, Why.OVERDUE, date(2026, 11, 29))
    ]


def test_a_due_date_past_year_9999_is_never_due() -> None:
    far = term("Far", 1, owner="U1", reviewed=date(9999, 1, 1), review_every_days=9999)
    assert overdue([far], TODAY) == []


GLOSSARY = """\
terms:
  - term: Deal registration
    category: Sales and leads
    definition: Partners register deals.
    related: [Partner tier]
  - term: Lead registration
    acronym: LR
    category: Sales and leads
    definition: The old name of deal registration.
    status: deprecated
    replaced_by: Deal registration
  - term: Partner tier
    category: Programs
    definition: Levels of a partner program.
  - term: Wallet share
    acronym: WS
    aliases: [share of wallet]
    category: Metrics
    definition: A draft nobody may see yet about partner wallet share.
    status: draft
  - term: Sunset tier
    category: Programs
    definition: A tier being retired, no replacement.
    status: deprecated
"""


def load(tmp_path: Path) -> Glossary:
    (tmp_path / "g.yaml").write_text(GLOSSARY, encoding="utf-8")
    return Glossary.from_path(tmp_path / "g.yaml").warm()


def test_drafts_are_never_matched_listed_searched_or_counted(tmp_path: Path) -> None:
    glossary = load(tmp_path)
    assert [t.term for t in glossary.drafts] == ["Wallet share"]
    assert len(glossary) == 4
    assert [t.term for t in glossary.terms] == [
        "Deal registration",
        "Lead registration",
        "Partner tier",
        "Sunset tier",
    ]
    assert glossary.get("Wallet share") is None
    for query in ("Wallet share", "WS", "share of wallet"):
        assert glossary.define(query).status is Status.NONE, query
    assert glossary.scan("what is our wallet share (WS) with them?", include_all=True) == []
    assert glossary.search("wallet") == []
    assert glossary.find("wallet share") == []
    assert list(glossary.categories()) == ["Programs", "Sales and leads"]
    assert glossary.category("metrics") is None


def test_a_deprecated_term_still_matches_and_names_its_replacement(tmp_path: Path) -> None:
    glossary = load(tmp_path)
    old = glossary.get("Lead registration")
    assert old is not None
    assert glossary.define("LR").terms == (old,)
    assert [m.term for m in glossary.scan("Log it as a lead registration.")] == [old]
    assert glossary.replacement(old) == glossary.get("Deal registration")
    sunset = glossary.get("Sunset tier")
    active = glossary.get("Partner tier")
    assert sunset is not None and active is not None
    assert glossary.replacement(sunset) is None
    assert glossary.replacement(active) is None


def test_the_glossary_reviews_drafts_too(tmp_path: Path) -> None:
    glossary = load(tmp_path)
    source = str(tmp_path / "g.yaml")
    assert [str(item).replace(source, "g.yaml") for item in glossary.overdue(TODAY)] == [
        "g.yaml:2: Deal registration: no owner",
        "g.yaml:6: Lead registration: no owner",
        "g.yaml:12: Partner tier: no owner",
        "g.yaml:15: Wallet share: no owner",
        "g.yaml:21: Sunset tier: no owner",
    ]
