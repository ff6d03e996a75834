"""bot.suggestions: what a suggestion must satisfy, and the YAML an approval yields.

Pinned down: each problem by field, worded for the modal; a name, alias or acronym already in
the glossary is a duplicate but a near spelling is not; the YAML entry is laid out like the
shipped files and, pasted under ``terms:``, loads through the real term loader into exactly the
suggested term, whatever characters it holds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.store.base import NewSuggestion
from bot.suggestions import clean, entry_yaml, existing_term, problems
from bot.terms import Glossary, Term, load_glossary


def draft(**fields: str) -> NewSuggestion:
    base = {"term": "Zorb", "definition": "A zorb is a deal.", "category": "Sales and leads"}
    return NewSuggestion(**{**base, **fields})


def test_a_good_suggestion_has_no_problems(glossary: Glossary) -> None:
    assert problems(draft(acronym="ZB2&Q", why="We say it daily."), glossary) == {}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"term": "  "}, {"term": "Give the term a name."}),
        ({"term": "Z" * 101}, {"term": "Keep the name under 100 characters."}),
        (
            {"definition": "\n \t"},
            {"definition": "Write a definition: a sentence or two is enough."},
        ),
        (
            {"definition": "x" * 1501},
            {"definition": "Keep the definition under 1500 characters."},
        ),
        ({"acronym": "zb"}, {"acronym": "One word in capitals, digits or &, like EQL or B2B."}),
        ({"acronym": "Z B"}, {"acronym": "One word in capitals, digits or &, like EQL or B2B."}),
        ({"acronym": "Z" * 21}, {"acronym": "Keep the acronym under 20 characters."}),
        ({"category": ""}, {"category": "Pick a category."}),
        ({"why": "w" * 501}, {"why": "Keep this under 500 characters."}),
    ],
)
def test_each_problem_is_named_by_its_field(
    glossary: Glossary, fields: dict[str, str], expected: dict[str, str]
) -> None:
    assert problems(draft(**fields), glossary) == expected


@pytest.mark.parametrize(
    ("name", "existing"),
    [
        ("Ecosystem Qualified Lead", "Ecosystem Qualified Lead"),
        ("ecosystem-qualified LEAD", "Ecosystem Qualified Lead"),
        ("EQL", "Ecosystem Qualified Lead"),
        ("value added distributor", "Value-added distributor"),
    ],
)
def test_a_name_alias_or_acronym_in_the_glossary_is_a_duplicate(
    glossary: Glossary, name: str, existing: str
) -> None:
    assert existing_term(name, glossary) == existing
    message = f"“{existing}” is already in the glossary. Try /define {name}."
    assert problems(draft(term=name), glossary) == {"term": message}


def test_a_near_spelling_is_not_a_duplicate(glossary: Glossary) -> None:
    assert existing_term("Ecosystem Qualified Leader", glossary) is None
    assert existing_term("Ecosytem Qualified Lead", glossary) is None  # a typo is a new name


def test_an_edit_may_keep_a_name_the_glossary_gained_meanwhile(glossary: Glossary) -> None:
    assert problems(draft(term="EQL"), glossary, known="eql") == {}


def test_the_entry_is_laid_out_like_the_shipped_files() -> None:
    text = entry_yaml(
        draft(
            term="Zorb: the #1 thing",
            acronym="ZB",
            definition="A zorb is what partners call a joint “deal” when R&D <signs> off: "
            "it has a definition long enough to be folded over two lines of the file.",
        )
    )
    assert text == (
        "  - term: 'Zorb: the #1 thing'\n"
        "    acronym: ZB\n"
        "    category: Sales and leads\n"
        "    definition: >-\n"
        "      A zorb is what partners call a joint “deal” when R&D <signs> off: it has a "
        "definition long\n"
        "      enough to be folded over two lines of the file.\n"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"term": "Zorb: the #1 thing", "acronym": "ZB", "definition": "It's 'quoted': yes & no."},
        {"term": "yes", "definition": "- a dash first, then {braces} and [brackets] # hash"},
        {"term": "null", "definition": "x " * 700 + "end."},
        {"term": "Tab\tand\x07bell", "definition": "Line one.\nLine two.\r\n  Indented three."},
        {"term": "'quoted' \"both\"", "definition": "* star: first", "category": "Odd: category"},
    ],
)
def test_the_entry_loads_back_through_the_term_loader(
    tmp_path: Path, fields: dict[str, str]
) -> None:
    """What `python -m bot check` reads: the entry pasted under `terms:` of a glossary file."""
    suggestion = draft(**fields)
    path = tmp_path / "pasted.yaml"
    path.write_text("terms:\n" + entry_yaml(suggestion), encoding="utf-8")
    (term,) = load_glossary(path)
    clean = " ".join(fields["term"].replace("\x07", " ").split())
    assert (term.term, term.acronyms) == (
        clean,
        (fields["acronym"],) if "acronym" in fields else (),
    )
    assert term.category == suggestion.category
    assert term.definition == " ".join(suggestion.definition.split())


ODD_TEXT = st.text(
    st.characters(exclude_categories=["Cs"])
    | st.sampled_from(list("<>&*_~`'\":#-{}[]|!%@\\\n\t ")),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(
    term=ODD_TEXT,
    acronym=st.from_regex(r"\A[A-Z][A-Z0-9&]{0,8}\Z") | st.just(""),
    category=ODD_TEXT,
    definition=ODD_TEXT,
)
def test_any_accepted_suggestion_loads_back_as_itself(
    glossary: Glossary, term: str, acronym: str, category: str, definition: str
) -> None:
    """Whatever a suggester types (mentions, YAML syntax, control characters, any script): if
    ``problems`` lets it through, the approved YAML is what the real loader reads back."""
    suggestion = draft(term=term, acronym=acronym, category=category, definition=definition)
    assume(not problems(suggestion, glossary))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pasted.yaml"
        path.write_text("terms:\n" + entry_yaml(suggestion), encoding="utf-8")
        (loaded,) = load_glossary(path)
    assert (loaded.term, loaded.acronyms, loaded.category, loaded.definition) == (
        clean(term),
        (acronym,) if acronym else (),
        clean(category),
        clean(definition),
    )


def test_a_duplicate_of_an_internal_term_is_refused_without_naming_it() -> None:
    """A partner may open the modal from an answer in a shared channel: an acronym or alias
    of an internal term must not reveal the term's name."""
    internal = Term("Deal desk", "Programs", "Internal.", acronyms=("DDK",), audience="internal")
    glossary = Glossary(
        (internal, Term("Gold tier", "Programs and management", "Top tier."))
    ).warm()
    for typed in ("DDK", "deal desk"):
        assert problems(draft(term=typed), glossary) == {
            "term": f"That name is already in the glossary. Try /define {typed}."
        }
    assert problems(draft(term="gold tier"), glossary) == {
        "term": "“Gold tier” is already in the glossary. Try /define gold tier."
    }
