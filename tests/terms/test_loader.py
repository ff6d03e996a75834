"""bot.terms.loader: every way a hand-edited glossary goes wrong, reported as ``file:line: msg``.

Partner-ops people edit the YAML by hand, so each error kind is pinned with the exact line
``python -m bot check`` prints (through ``cli.check``, the function behind it) and the line
number that sends the editor to the mistake. Files are written to ``tmp_path`` and paths are
printed relative to it, so every expected line is a literal.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest
from yaml.constructor import BaseConstructor

from bot import cli
from bot.terms import Term, read_glossary
from bot.terms.loader import iter_problems
from bot.terms.yaml_lines import LineLoader, Mapping, Sequence, parse

AGENT = """\
terms:
  - term: Agent
    category: Partner types
    definition: Agents sell.
"""


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(dedent(content), encoding="utf-8")


def check(folder: Path, target: str) -> tuple[int, list[str]]:
    """Run ``check`` on ``folder/target`` and return its exit code and lines, paths relative."""
    out = io.StringIO()
    code = cli.check(folder / target, out)
    return code, out.getvalue().replace(f"{folder}{os.sep}", "").splitlines()


def problems(folder: Path, target: str) -> list[str]:
    _, found = read_glossary(folder / target)
    return [line.replace(f"{folder}{os.sep}", "") for line in iter_problems(found)]


BROKEN = {
    "yaml_syntax_unquoted_colon": (
        {"g.yaml": AGENT.replace("Agents sell.", "Note: agents sell.")},
        [
            "g.yaml:4: YAML syntax error: mapping values are not allowed in this context "
            "(a value containing ': ' must be quoted or written as a '>-' block)"
        ],
    ),
    "yaml_syntax_unterminated_quote": (
        {"g.yaml": 'terms:\n  - term: "Agent\n'},
        ["g.yaml:3: YAML syntax error: found unexpected end of stream"],
    ),
    "unknown_field_with_hint": (
        {"g.yaml": AGENT.replace("definition:", "defintion:")},
        [
            "g.yaml:2: 'Agent': missing required field 'definition'",
            "g.yaml:4: unknown field 'defintion' (did you mean 'definition'?)",
        ],
    ),
    "missing_required_fields": (
        {
            "g.yaml": """\
            terms:
              - {category: Partner types, definition: Someone.}
              - {term: Agent, definition: Agents sell.}
              - {term: Broker, category: Partner types}
            """
        },
        [
            "g.yaml:2: 'entry 1': missing required field 'term'",
            "g.yaml:3: 'Agent': missing required field 'category'",
            "g.yaml:4: 'Broker': missing required field 'definition'",
        ],
    ),
    "empty_definition": (
        {"g.yaml": AGENT.replace("Agents sell.", '""')},
        ["g.yaml:4: 'Agent': 'definition' is empty"],
    ),
    "duplicate_term_folded": (
        {"g.yaml": AGENT + AGENT.replace("terms:\n", "").replace("Agent", "AGENT")},
        ["g.yaml:5: duplicate term 'AGENT' (already defined at g.yaml:2)"],
    ),
    "duplicate_term_across_files": (
        {
            "dir/a.yaml": AGENT,
            "dir/b.yml": AGENT.replace("Agent", "agent"),
            "dir/notes.txt": "not a glossary file",
        },
        ["dir/b.yml:2: duplicate term 'agent' (already defined at dir/a.yaml:2)"],
    ),
    "collisions": (
        {
            "g.yaml": """\
            terms:
              - {term: Co-branding, category: C, definition: D.}
              - {term: Joint branding, aliases: [co branding], category: C, definition: D.}
              - {term: Software vendor, aliases: [ISV], category: C, definition: D.}
              - {term: Independent software vendor, acronym: ISV, category: C, definition: D.}
              - {term: Scope, category: C, definition: D.}
              - {term: Statement of work, acronym: SCOPE, category: C, definition: D.}
            """
        },
        [
            "g.yaml:3: 'Joint branding': alias 'co branding' collides with the name "
            "'Co-branding' of 'Co-branding' (g.yaml:2)",
            "g.yaml:5: 'Independent software vendor': acronym 'ISV' collides with the alias "
            "'ISV' of 'Software vendor' (g.yaml:4)",
            "g.yaml:7: 'Statement of work': acronym 'SCOPE' collides with the name 'Scope' "
            "of 'Scope' (g.yaml:6)",
        ],
    ),
    "related_unknown_or_self": (
        {
            "g.yaml": """\
            terms:
              - {term: Agent, category: C, definition: D., related: [Agnet, Broker]}
              - {term: Affiliate, category: C, definition: D., related: [affiliate]}
            """
        },
        [
            "g.yaml:2: 'Agent': related term 'Agnet' is not in the glossary "
            "(did you mean 'Agent'?)",
            "g.yaml:2: 'Agent': related term 'Broker' is not in the glossary",
            "g.yaml:3: 'Affiliate': a term cannot be related to itself",
        ],
    ),
    "wrong_types": (
        {
            "g.yaml": """\
            terms:
              - term: Agent
                aliases: sales agent
                category: Partner types
                definition: Agents sell.
                auto_expand: maybe
                related: Broker
              - term: Broker
                category: Partner types
                definition: [Brokers, broker]
              - term: 42
                category: Partner types
                definition: A number.
              - term: yes
                category: Partner types
                definition: A boolean.
            """
        },
        [
            "g.yaml:3: 'Agent': 'aliases' must be a list of text, got text",
            "g.yaml:6: 'Agent': 'auto_expand' must be true or false",
            "g.yaml:7: 'Agent': 'related' must be a list of text, got text",
            "g.yaml:10: 'Broker': 'definition' must be text, got a list",
            "g.yaml:11: 'entry 3': 'term' must be text, got a number",
            "g.yaml:14: 'entry 4': 'term' must be text, got true/false",
        ],
    ),
    "lowercase_acronym": (
        {"g.yaml": AGENT + "    acronym: [AG, ag]\n"},
        ["g.yaml:5: 'Agent': acronym 'ag' must be one word in capitals"],
    ),
    "field_twice_and_unknown_top_level": (
        {"g.yaml": AGENT + "    definition: Again.\nversion: 2\n"},
        [
            "g.yaml:5: field 'definition' appears twice in one entry",
            "g.yaml:6: unknown top-level field 'version' (only 'defaults' and 'terms')",
        ],
    ),
    "empty_file": (
        {"g.yaml": ""},
        ["g.yaml:1: file is empty (expected a top-level 'terms:' list)"],
    ),
    "no_terms_key": (
        {"g.yaml": "entries:\n  - term: Agent\n"},
        ["g.yaml:1: expected a top-level 'terms:' list"],
    ),
    "top_level_list": (
        {"g.yaml": "- term: Agent\n"},
        ["g.yaml:1: expected a top-level 'terms:' list"],
    ),
    "terms_not_a_list": ({"g.yaml": "terms: 5\n"}, ["g.yaml:1: 'terms' must be a list of entries"]),
    "not_utf8": (
        {"g.yaml": b"\xff\xfeterms:"},
        [
            "g.yaml:0: cannot read file: 'utf-8' codec can't decode byte 0xff in position 0: "
            "invalid start byte"
        ],
    ),
    "empty_folder": (
        {"dir/readme.txt": "nothing here"},
        ["dir:0: no .yaml or .yml glossary files in this folder"],
    ),
}


def target_of(files: dict[str, str | bytes]) -> str:
    first = next(iter(files))
    return first.split("/")[0]


@pytest.mark.parametrize(("files", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_every_problem_is_reported_with_its_line(
    tmp_path: Path, files: dict[str, str | bytes], expected: list[str]
) -> None:
    write(tmp_path, files)
    target = target_of(files)
    assert problems(tmp_path, target) == expected
    code, lines = check(tmp_path, target)
    assert code == 1
    assert lines == [*expected, f"{len(expected)} problem(s) found in {target}"]


def test_nonexistent_path(tmp_path: Path) -> None:
    assert check(tmp_path, "missing.yaml") == (
        1,
        ["missing.yaml:0: no such file or folder", "1 problem(s) found in missing.yaml"],
    )


def test_an_acronym_shared_on_purpose_is_allowed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "g.yaml": """\
            terms:
              - {term: Partner Relationship Management, acronym: PRM, category: P, definition: D.}
              - {term: Partnership Relationship Manager, acronym: PRM, category: R, definition: D.}
            """
        },
    )
    assert check(tmp_path, "g.yaml") == (
        0,
        ["OK: 2 terms in 2 categories (2 acronyms, 0 aliases) from g.yaml"],
    )


def test_files_in_a_folder_are_merged(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "dir/a.yaml": AGENT + "    related: [Broker]\n",
            "dir/b.yml": """\
            terms:
              - {term: Broker, acronym: BRK, aliases: [deal maker], category: B, definition: D.}
            """,
        },
    )
    assert check(tmp_path, "dir") == (
        0,
        ["OK: 2 terms in 2 categories (1 acronym, 1 alias) from dir"],
    )
    terms, found = read_glossary(tmp_path / "dir")
    assert found == []
    assert [(t.term, Path(t.source).name, t.line) for t in terms] == [
        ("Agent", "a.yaml", 2),
        ("Broker", "b.yml", 2),
    ]


def test_values_are_cleaned_into_a_term(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "g.yaml": """\
            terms:
              - term: " Value-added\u00a0distributor "
                acronym: VAD
                aliases: [value added distributor]
                category: Partner types
                definition: >-
                  Distributes   with
                  extras.
                auto_expand: false
            """
        },
    )
    terms, found = read_glossary(tmp_path / "g.yaml")
    assert found == []
    assert terms == [
        Term(
            term="Value-added distributor",
            category="Partner types",
            definition="Distributes with extras.",
            acronyms=("VAD",),
            aliases=("value added distributor",),
            auto_expand=False,
            source=str(tmp_path / "g.yaml"),
            line=2,
        )
    ]


def test_a_non_mapping_entry_is_reported_at_its_own_line(tmp_path: Path) -> None:
    write(tmp_path, {"g.yaml": AGENT + "  - just a string\n"})
    assert problems(tmp_path, "g.yaml") == [
        "g.yaml:5: entry 2 of 'terms' must be a mapping with term, definition…"
    ]


def test_a_broken_entry_does_not_make_related_references_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "g.yaml": AGENT.replace("definition:", "defintion:")
            + "  - term: Broker\n    category: B\n    definition: Y.\n    related: [Agent]\n"
        },
    )
    assert problems(tmp_path, "g.yaml") == [
        "g.yaml:2: 'Agent': missing required field 'definition'",
        "g.yaml:4: unknown field 'defintion' (did you mean 'definition'?)",
    ]


def shape(value: object) -> object:
    """A parsed value with every line the loader recorded, comparable with ``==``."""
    if isinstance(value, Mapping):
        items = [(k, value.key_lines[k], shape(v)) for k, v in value.items()]
        return ("map", value.line, items, value.duplicates)
    if isinstance(value, Sequence):
        return ("seq", value.item_lines, [shape(v) for v in value])
    return (type(value).__name__, value)


def generic(text: str) -> object:
    """What PyYAML's own recursive construction makes of ``text`` with the same loader."""
    loader = LineLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else BaseConstructor.construct_document(loader, node)
    finally:
        loader.dispose()


def outcome(parse: Callable[[str], object], text: str) -> object:
    try:
        return shape(parse(text))
    except Exception as exc:  # errors must match too, message and all
        return (type(exc).__name__, str(exc))


DOCUMENTS = {
    "plain": AGENT + "    aliases: [a, b]\n    related:\n      - Broker\n",
    "duplicate_keys": "terms:\n  - {term: A, term: B, category: C}\n",
    "scalars": "terms:\n  - {term: yes, category: 12, definition: ~, x: 2001-12-14, y: .5}\n",
    "quoted": "terms:\n  - {term: '123', category: \"true\", definition: 'null'}\n",
    "non_text_keys": "terms:\n  - {1: a, true: b, null: c, [x, y]: d, {k: v}: e}\n",
    "shared_alias": "x: &s [a, b]\nterms:\n  - {aliases: *s}\n  - {aliases: *s}\n",
    "recursive": "terms: &t\n  - *t\n",
    "merge_key": "base: &b {category: C}\nterms:\n  - <<: *b\n    term: A\n",
    "tagged_collections": "terms:\n  - !!set {a, b}\n  - !!omap [{a: 1}]\n",
    "str_tag_on_mapping": "terms:\n  - !!str {term: A}\n",
    "python_tag": "terms:\n  - !!python/object:os.system {}\n",
    "bad_int": "terms:\n  - {term: !!int abc}\n",
    "impossible_date": "terms:\n  - {reviewed: 2026-13-40, ok: 2026-11-30, t: !!timestamp x}\n",
    "crlf_block": "terms:\r\n  - term: A\r\n    definition: |\r\n      x\r\n      y\r\n",
    "empty": "",
    "scalar_document": "just text\n",
    "two_documents": "terms: []\n---\nterms: []\n",
}


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_the_fast_construction_equals_pyyamls(text: str) -> None:
    """yaml_lines builds documents in one walk; anything unusual must still come out the same."""
    assert outcome(parse, text) == outcome(generic, text)


def test_windows_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, {"g.yaml": AGENT.replace("\n", "\r\n").encode() + b"  - oops\r\n"})
    assert problems(tmp_path, "g.yaml") == [
        "g.yaml:5: entry 2 of 'terms' must be a mapping with term, definition…"
    ]


def test_terms_compare_by_value() -> None:
    """Term's hand-written __eq__/__hash__ (cheap for the indexes) keep dataclass semantics."""
    agent = Term("Agent", "Partner types", "Agents sell.", ("AG",), source="a.yaml", line=2)
    same = Term("Agent", "Partner types", "Agents sell.", ("AG",), source="a.yaml", line=2)
    other_line = Term("Agent", "Partner types", "Agents sell.", ("AG",), source="a.yaml", line=3)
    assert agent == same and hash(agent) == hash(same) and {agent, same} == {agent}
    assert agent != other_line and agent != Term("Broker", "Partner types", "Agents sell.")
    assert agent != "Agent" and agent != ("Agent",)


def test_a_value_that_does_not_match_its_tag_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text("terms:\n  - term: !!int abc\n")
    _, found = read_glossary(tmp_path / "g.yaml")
    assert [(p.line, p.message.split(" (")[0]) for p in found] == [
        (0, "YAML error: a value does not match its tag")
    ]
