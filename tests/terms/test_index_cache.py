"""bot.terms.index_cache through Glossary.from_path: a restart reuses built indexes, and they
answer exactly as freshly built ones.

"Used the cache" is proved by making building fail: a glossary whose scanner and lookup still
answer cannot have built them. Each bad file (tampered, foreign, not JSON) must be ignored,
rebuilt and replaced, never break a scan or a lookup.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.terms import Glossary
from bot.terms import detect as detect_module
from bot.terms.fuzzy_keys import FuzzyKeys
from bot.terms.index_cache import pack, unpack
from bot.terms.lookup import LookupIndex
from bot.terms.search import SearchIndex

PARTNERS = """\
terms:
  - term: Ecosystem Qualified Lead
    acronym: EQL
    aliases: [ecosystem lead]
    category: Leads
    definition: A lead sourced through partner overlap.
  - {term: Churn, category: Metrics, definition: Customers lost in a period.}
  - {term: Cross-sell, category: Sales, definition: Selling another product to a customer.}
  - {term: Referral partner, category: Partner types, definition: Sends leads for a fee.}
  - {term: Redline, category: Legal, definition: A marked-up contract draft, auto_expand: false}
"""
MESSAGE = "We churned two EQLs, then cross selling to our referral partners worked; redlined."


def glossary_in(folder: Path) -> Path:
    path = folder / "glossary" / "partners.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(PARTNERS, encoding="utf-8")
    return path.parent


def answers(glossary: Glossary) -> list[object]:
    """What the engines say, as plain values: scans, lookups of each kind."""
    scanned = [(m.term.term, m.text, m.start, m.end) for m in glossary.scan(MESSAGE)]
    everything = [m.term.term for m in glossary.scan(MESSAGE, include_all=True)]
    queries = ["eql", "what's our EQL?", "ecosystem leads", "churnd", "refferal partner", "ELQ"]
    defined = [(r.status.value, [t.term for t in r.terms]) for r in map(glossary.define, queries)]
    return [scanned, everything, defined]


EXPECTED = [
    [
        ("Churn", "churned", 3, 10),
        ("Ecosystem Qualified Lead", "EQLs", 15, 19),
        ("Cross-sell", "cross selling", 26, 39),
        ("Referral partner", "referral partners", 47, 64),
    ],
    ["Churn", "Ecosystem Qualified Lead", "Cross-sell", "Referral partner", "Redline"],
    [
        ("found", ["Ecosystem Qualified Lead"]),
        ("found", ["Ecosystem Qualified Lead"]),
        ("found", ["Ecosystem Qualified Lead"]),
        ("found", ["Churn"]),
        ("found", ["Referral partner"]),
        ("suggest", ["Ecosystem Qualified Lead"]),
    ],
]


SEARCHED = ["Ecosystem Qualified Lead", "Referral partner"]


def refuse_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, building the scanner's forms or the fuzzy index fails."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an index was built")

    monkeypatch.setattr(detect_module, "build_forms", refuse)
    monkeypatch.setattr(FuzzyKeys, "build", refuse)
    monkeypatch.setattr(LookupIndex, "_build_exact", refuse)
    monkeypatch.setattr(SearchIndex, "__init__", refuse)


def test_restart_reads_the_built_indexes_and_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, cache = glossary_in(tmp_path), tmp_path / "cache"
    assert answers(Glossary.from_path(path)) == EXPECTED  # no cache folder: nothing written
    assert answers(Glossary.from_path(path, cache)) == EXPECTED
    Glossary.from_path(path, cache).build_search_index()
    names = sorted(p.name.rsplit("-", 1)[0] for p in cache.glob("index-*.json"))
    assert names == ["index-exact", "index-fuzzy", "index-scanner", "index-search"]
    refuse_building(monkeypatch)
    again = Glossary.from_path(path, cache).warm()
    again.build_search_index()
    assert answers(again) == EXPECTED
    assert [hit.term.term for hit in again.search("leads")] == SEARCHED


def test_an_edited_glossary_never_meets_its_old_indexes(tmp_path: Path) -> None:
    path, cache = glossary_in(tmp_path), tmp_path / "cache"
    Glossary.from_path(path, cache).warm().build_search_index()
    before = sorted(p.name for p in cache.glob("index-*.json"))
    file = path / "partners.yaml"
    file.write_text(PARTNERS.replace("aliases: [ecosystem lead]", "aliases: [joint lead]"))
    glossary = Glossary.from_path(path, cache).warm()
    glossary.build_search_index()
    assert glossary.define("joint lead").status.value == "found"
    assert glossary.define("ecosystem lead").status.value == "suggest"
    after = sorted(p.name for p in cache.glob("index-*.json"))
    assert len(after) == 4 and not set(before) & set(after)  # replaced, not added


def test_an_edited_definition_reaches_the_search_index(tmp_path: Path) -> None:
    path, cache = glossary_in(tmp_path), tmp_path / "cache"
    Glossary.from_path(path, cache).build_search_index()
    assert Glossary.from_path(path, cache).search("quarter") == []
    file = path / "partners.yaml"
    file.write_text(PARTNERS.replace("Customers lost in a period.", "Customers lost a quarter."))
    assert [hit.term.term for hit in Glossary.from_path(path, cache).search("quarter")] == ["Churn"]


def edited(typecode: str, change: Callable[[array[Any]], object]) -> Callable[[str], str]:
    """A change to an array as ``pack`` wrote it."""

    def edit(text: str) -> str:
        numbers = unpack(text, typecode)
        change(numbers)
        return pack(numbers)

    return edit


def at(*path: str, edit: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    """Tamper with the value at ``path`` in a file's data."""

    def tamper(data: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = edit(data[last])

    return tamper


def set_first(value: float) -> Callable[[array[Any]], None]:
    return lambda numbers: numbers.__setitem__(0, value)


TAMPERED = {
    "a term beyond the list": ("scanner", at("values", edit=edited("i", set_first(2**31 - 1)))),
    "a wrong length": ("scanner", at("values", edit=edited("i", lambda a: a.append(a.pop() + 1)))),
    "a key that is no text": ("scanner", at("keys", edit=lambda keys: [7, *keys[1:]])),
    "a bad entry": ("scanner", at("entries", edit=lambda entries: [*entries, [3, [2**40]]])),
    "not base64": ("scanner", at("values", edit=lambda _: "not base64!")),
    "an exact entry of term 99": ("exact", at("entries", edit=edited("q", set_first(4 * 99)))),
    "a posting beyond the keys": ("fuzzy", at("flat", edit=edited("i", set_first(10**6)))),
    "postings that do not add up": ("fuzzy", at("starts", edit=edited("i", array.pop))),
    "an owner below zero": ("fuzzy", at("more_owners", edit=lambda m: [*m, [0, [-1]]])),
    "no keys": ("fuzzy", lambda data: data.pop("keys")),
    "a term number beyond the list": ("search", at("numbers", edit=edited("i", set_first(99)))),
    "a weight that is no number": ("search", at("weights", edit=edited("f", set_first(math.nan)))),
    "a length too few": ("search", at("lengths", edit=edited("f", array.pop))),
    "a word that is no text": ("search", at("vocabulary", edit=lambda words: [1, *words[1:]])),
}


@pytest.mark.parametrize(("kind", "tamper"), TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_index_is_rebuilt(
    tmp_path: Path, kind: str, tamper: Callable[[dict[str, Any]], None]
) -> None:
    path, cache = glossary_in(tmp_path), tmp_path / "cache"
    glossary = Glossary.from_path(path, cache).warm()
    glossary.build_search_index()
    (file,) = cache.glob(f"index-{kind}-*.json")
    document = json.loads(file.read_text())
    tamper(document["data"])
    file.write_text(json.dumps(document))
    again = Glossary.from_path(path, cache)
    assert answers(again) == EXPECTED
    assert [hit.term.term for hit in again.search("leads")] == SEARCHED
    assert json.loads(file.read_text()) != document  # rebuilt and written again


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]", b'{"layout": 99, "data": {}}'])
def test_a_file_that_is_not_ours_is_ignored(tmp_path: Path, content: bytes) -> None:
    path, cache = glossary_in(tmp_path), tmp_path / "cache"
    Glossary.from_path(path, cache).warm()
    for file in cache.glob("index-*.json"):
        file.write_bytes(content)
    assert answers(Glossary.from_path(path, cache)) == EXPECTED


def test_an_unwritable_folder_only_costs_building(tmp_path: Path) -> None:
    path = glossary_in(tmp_path)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    assert answers(Glossary.from_path(path, blocker)) == EXPECTED
