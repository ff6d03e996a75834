"""The pure half of owner reminders: ISO weeks, owner kinds, grouping by owner and by person."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.reminders import Due, Week, by_owner, owner_kind, recipients
from bot.terms.model import Term
from bot.terms.review import Overdue, Why


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def term(name: str, owner: str | None, line: int, source: str = "glossary/partners.yaml") -> Term:
    return Term(name, "Partners", f"{name}, defined.", owner=owner, source=source, line=line)


def test_a_week_is_the_iso_week_in_utc_from_monday_to_monday() -> None:
    week = Week.of(at("2026-12-02T15:30:00"))  # a Wednesday
    assert week == Week("reminders:2026-W49", at("2026-11-30T00:00:00"), at("2026-12-07T00:00:00"))
    assert Week.of(at("2026-12-06T23:59:59")).key == "reminders:2026-W49"
    assert Week.of(at("2026-12-07T00:00:00")).key == "reminders:2026-W50"


def test_the_iso_year_is_used_at_new_year() -> None:
    assert Week.of(at("2027-01-01T12:00:00")).key == "reminders:2026-W53"
    assert Week.of(at("2024-12-30T12:00:00")).key == "reminders:2025-W01"


def test_owner_kinds() -> None:
    assert [owner_kind(o) for o in ("U012AB", "W0ABC", "S0GROUP", "ana@example.com")] == [
        "user",
        "user",
        "group",
        "email",
    ]
    assert [owner_kind(o) for o in ("Ana", "@ana", "u012ab", "")] == [None, None, None, None]


def test_by_owner_skips_ownerless_terms_and_makes_files_relative(tmp_path: Path) -> None:
    source = str(tmp_path / "glossary" / "tiers.yaml")
    items = [
        Overdue(term("Gold tier", "U0ANA", 3, source), Why.OVERDUE, date(2026, 10, 1)),
        Overdue(term("Elite tier", None, 9, source), Why.NO_OWNER),
        Overdue(term("Silver tier", "S0TEAM", 12, source), Why.NEVER_REVIEWED),
        Overdue(term("Bronze tier", " U0ANA ", 20, source), Why.OVERDUE, date(2026, 11, 2)),
    ]
    assert by_owner(items, tmp_path) == {
        "U0ANA": [
            Due("Gold tier", "glossary/tiers.yaml:3", date(2026, 10, 1)),
            Due("Bronze tier", "glossary/tiers.yaml:20", date(2026, 11, 2)),
        ],
        "S0TEAM": [Due("Silver tier", "glossary/tiers.yaml:12", None)],
    }


def test_a_file_outside_the_root_keeps_its_path() -> None:
    items = [Overdue(term("Gold tier", "U0ANA", 3, "/elsewhere/tiers.yaml"), Why.NEVER_REVIEWED)]
    assert by_owner(items, Path("/srv/bot")) == {
        "U0ANA": [Due("Gold tier", "/elsewhere/tiers.yaml:3", None)]
    }


def test_recipients_merge_owners_into_one_list_per_person_each_term_once() -> None:
    gold = Due("Gold tier", "glossary/tiers.yaml:3", date(2026, 10, 1))
    silver = Due("Silver tier", "glossary/tiers.yaml:12", None)
    mdf = Due("MDF", "glossary/money.yaml:40", date(2026, 9, 9))
    owed = {
        "U0ANA": [silver, gold],
        "S0TEAM": [silver, mdf],
        "bo@example.com": [gold],
        "nobody@example.com": [mdf],
    }
    people = {
        "U0ANA": ["U0ANA"],
        "S0TEAM": ["U0ANA", "U0CY"],
        "bo@example.com": ["U0BO"],
        "nobody@example.com": [],
    }
    assert recipients(owed, lambda owner: people[owner]) == {
        "U0ANA": [mdf, gold, silver],
        "U0BO": [gold],
        "U0CY": [mdf, silver],
    }
