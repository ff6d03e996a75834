"""bot.terms.cache through load_glossary: a restart reuses validated terms, and nothing else.

The cache is only worth having if it can never change an answer: each test pins one way it
could (a stale file, a corrupt or tampered one, a broken glossary, a read-only folder) and
checks that the load then behaves exactly as without a cache. "Used the cache" is proved by
making YAML parsing fail: a load that still succeeds cannot have parsed anything.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.terms import Glossary, GlossaryError, Term, load_glossary, read_glossary, yaml_lines
from bot.terms import loader as loader_module

AGENT = """\
terms:
  - term: Agent
    acronym: AG
    aliases: [sales agent, " commission\u00a0agent "]
    category: Partner types
    definition: >-
      Agents sell
      on commission.
    related: [Broker]
    auto_expand: false
  - {term: Broker, category: Partner types, definition: Brokers match buyers and sellers.}
"""


def values(terms: list[Term]) -> list[tuple[object, ...]]:
    return [dataclasses.astuple(t) for t in terms]


def glossary_in(folder: Path, text: str = AGENT) -> Path:
    path = folder / "glossary" / "partners.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.parent


def cache_files(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in cache_dir.glob("glossary-*.json")) if cache_dir.exists() else []


def refuse_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, parsing YAML fails: only a load from the cache can succeed."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the YAML was parsed")

    monkeypatch.setattr(yaml, "load", refuse)


def test_the_second_load_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    first = load_glossary(folder, cache_dir)
    assert len(cache_files(cache_dir)) == 1
    refuse_yaml(monkeypatch)
    with pytest.raises(AssertionError, match="the YAML was parsed"):
        read_glossary(folder)  # the guard works
    assert values(load_glossary(folder, cache_dir)) == values(first)


GOVERNED = """\
defaults: {audience: partner, review_every: 26w}
terms:
  - term: Agent
    category: Partner types
    definition: Agents sell.
    partner_definition: Agents sell for us.
    owner: U012AB3CD
    reviewed: 2026-06-01
  - {term: Broker, category: C, definition: D., status: deprecated, replaced_by: Agent}
  - {term: Dealer, category: C, definition: D., audience: internal, status: draft}
"""


def test_the_governance_fields_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, cache_dir = glossary_in(tmp_path, GOVERNED), tmp_path / "cache"
    parsed = load_glossary(folder, cache_dir)
    refuse_yaml(monkeypatch)
    cached = load_glossary(folder, cache_dir)
    assert values(cached) == values(parsed)
    # audience, partner_definition, owner, reviewed, review_every_days, status, replaced_by
    assert [row[9:] for row in values(cached)] == [
        ("partner", "Agents sell for us.", "U012AB3CD", date(2026, 6, 1), 182, "active", None),
        ("partner", None, None, None, 182, "deprecated", "Agent"),
        ("internal", None, None, None, 182, "draft", None),
    ]


def test_cached_terms_equal_parsed_ones_field_by_field(tmp_path: Path) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    parsed = load_glossary(folder, cache_dir)
    cached = load_glossary(folder, cache_dir)
    assert cached == parsed
    assert values(cached) == values(parsed)
    assert cached[0].aliases == ("sales agent", "commission agent")
    assert (cached[0].source, cached[0].line, cached[0].auto_expand) == (
        str(folder / "partners.yaml"),
        2,
        False,
    )


def test_source_names_follow_the_path_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same files reached through another spelling of the path share the cache entry, and
    each load names the sources the way a fresh parse would."""
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    load_glossary(folder, cache_dir)
    monkeypatch.chdir(tmp_path)
    relative = load_glossary(Path("glossary"), cache_dir)
    assert relative[0].source == str(Path("glossary") / "partners.yaml")
    assert len(cache_files(cache_dir)) == 1


def parse_counter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    parse = yaml_lines.parse

    def counting(text: str) -> object:
        calls.append(text)
        return parse(text)

    monkeypatch.setattr(yaml_lines, "parse", counting)
    return calls


def test_an_edited_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    calls = parse_counter(monkeypatch)
    load_glossary(folder, cache_dir)
    glossary_in(tmp_path, AGENT.replace("Brokers match", "Brokers pair"))
    terms = load_glossary(folder, cache_dir)
    assert len(calls) == 2
    assert terms[1].definition == "Brokers pair buyers and sellers."
    assert len(cache_files(cache_dir)) == 1, "the stale cache file is removed"
    assert load_glossary(folder, cache_dir)[1].definition == "Brokers pair buyers and sellers."
    assert len(calls) == 2


def test_a_touched_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    calls = parse_counter(monkeypatch)
    load_glossary(folder, cache_dir)
    file = folder / "partners.yaml"
    status = file.stat()
    os.utime(file, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    load_glossary(folder, cache_dir)
    assert len(calls) == 2


def test_a_same_size_same_mtime_edit_is_parsed_again(tmp_path: Path) -> None:
    """Editors and checkouts can keep size and mtime; the content hash still sees the edit."""
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    load_glossary(folder, cache_dir)
    file = folder / "partners.yaml"
    status = file.stat()
    glossary_in(tmp_path, AGENT.replace("Brokers match", "Brokers catch"))
    os.utime(file, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert file.stat().st_size == status.st_size
    assert load_glossary(folder, cache_dir)[1].definition == "Brokers catch buyers and sellers."


def test_a_new_file_in_the_folder_is_parsed(tmp_path: Path) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    load_glossary(folder, cache_dir)
    (folder / "more.yml").write_text("terms:\n  - {term: Reseller, category: C, definition: D.}\n")
    assert [t.term for t in load_glossary(folder, cache_dir)] == ["Reseller", "Agent", "Broker"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b'{"layout": 2, "digest": "0", "files": 1, "terms": []}',
        b'{"layout": 1, "digest": "0", "files": 1, "terms": []}',
        b'{"layout": 999, "terms": []}',
        b"[1, 2, 3]",
        b"\xff\xfe garbage",
        b"[" * 200_000,
        b" " * (3 << 20),
    ],
    ids=[
        "empty",
        "truncated",
        "other-digest",
        "layout-before-governance-fields",
        "other-layout",
        "not-an-object",
        "binary",
        "too-deep",
        "too-big",
    ],
)
def test_a_corrupt_cache_file_is_ignored(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    expected = values(load_glossary(folder, cache_dir))
    [name] = cache_files(cache_dir)
    (cache_dir / name).write_bytes(content)
    with caplog.at_level(logging.DEBUG, logger="bot.terms.cache"):
        assert values(load_glossary(folder, cache_dir)) == expected
    assert "ignoring glossary cache" in caplog.text
    assert (cache_dir / name).read_bytes() != content, "a good cache file replaces it"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda row: row.__setitem__(0, 42),
        lambda row: row.__setitem__(3, "AG"),
        lambda row: row.__setitem__(4, [None]),
        lambda row: row.__setitem__(6, "yes"),
        lambda row: row.__setitem__(7, 5),
        lambda row: row.__setitem__(8, "2"),
        lambda row: row.pop(),
        lambda row: row.__setitem__(9, None),
        lambda row: row.__setitem__(10, 5),
        lambda row: row.__setitem__(11, ["U1"]),
        lambda row: row.__setitem__(12, "2026-13-40"),
        lambda row: row.__setitem__(13, "180d"),
        lambda row: row.__setitem__(14, False),
        lambda row: row.__setitem__(15, 1),
        lambda row: row.append(None),
    ],
    ids=[
        *("name", "acronyms", "aliases", "auto_expand", "file", "line", "short-row"),
        *("audience", "partner_definition", "owner", "reviewed", "review_every", "status"),
        *("replaced_by", "long-row"),
    ],
)
def test_a_tampered_cache_file_is_ignored(tmp_path: Path, tamper: object) -> None:
    """The folder may be writable by others: every value is type-checked, never trusted."""
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    expected = values(load_glossary(folder, cache_dir))
    [name] = cache_files(cache_dir)
    document = json.loads((cache_dir / name).read_text())
    tamper(document["terms"][0])  # type: ignore[operator]
    (cache_dir / name).write_text(json.dumps(document))
    assert values(load_glossary(folder, cache_dir)) == expected


def test_an_unwritable_cache_dir_warns_once_and_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = glossary_in(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache folder cannot be created under a file")
    cache_dir = blocker / "cache"
    with caplog.at_level(logging.DEBUG, logger="bot.terms.cache"):
        first = load_glossary(folder, cache_dir)
        second = load_glossary(folder, cache_dir)
    assert values(first) == values(second) == values(read_glossary(folder)[0])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "cannot cache the glossary" in warnings[0].getMessage()


def test_a_broken_glossary_is_never_cached(tmp_path: Path) -> None:
    folder = glossary_in(tmp_path, AGENT.replace("definition: Brokers", "defintion: Brokers"))
    cache_dir = tmp_path / "cache"
    _, expected = read_glossary(folder)
    assert len(expected) == 2
    for _ in range(2):  # every load reports every problem again
        with pytest.raises(GlossaryError) as raised:
            load_glossary(folder, cache_dir)
        assert raised.value.problems == expected
    assert cache_files(cache_dir) == []


def test_check_never_reads_or_writes_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    load_glossary(folder, cache_dir)
    calls = parse_counter(monkeypatch)
    terms, problems = read_glossary(folder)
    assert (len(terms), problems, len(calls)) == (2, [], 1)


def test_only_the_newest_cache_per_glossary_is_kept(tmp_path: Path) -> None:
    one, other = glossary_in(tmp_path / "one"), glossary_in(tmp_path / "other")
    cache_dir = tmp_path / "cache"
    load_glossary(one, cache_dir)
    load_glossary(other, cache_dir)
    for text in ("Brokers pair", "Brokers join"):
        glossary_in(tmp_path / "one", AGENT.replace("Brokers match", text))
        load_glossary(one, cache_dir)
    assert len(cache_files(cache_dir)) == 2
    assert len({name.rsplit("-", 1)[0] for name in cache_files(cache_dir)}) == 2


def test_a_new_loader_version_ignores_old_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    load_glossary(folder, cache_dir)
    calls = parse_counter(monkeypatch)
    monkeypatch.setattr(loader_module, "LOADER_VERSION", loader_module.LOADER_VERSION + 1)
    load_glossary(folder, cache_dir)
    assert len(calls) == 1


def test_glossary_from_path_takes_the_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache_dir = glossary_in(tmp_path), tmp_path / "cache"
    Glossary.from_path(folder, cache_dir)
    refuse_yaml(monkeypatch)
    glossary = Glossary.from_path(folder, cache_dir)
    assert [t.term for t in glossary.define("AG").terms] == ["Agent"]


def test_the_cache_lives_in_the_data_dir() -> None:
    project = Path(__file__).resolve().parents[2]  # data/ is the project's, wherever we run
    assert load_settings({}, dotenv_path=None).cache_dir == project / "data" / "cache"
    settings = load_settings({"DATA_DIR": "/var/lib/glossary-bot/"}, dotenv_path=None)
    assert settings.cache_dir == Path("/var/lib/glossary-bot/cache")
