"""Suggested terms: what a suggestion must satisfy, and the YAML entry an approval yields.

Git stays the source of truth, so the bot never writes a glossary file: an approved suggestion
becomes a YAML entry a maintainer pastes under ``terms:`` and commits. The rules here are the
loader's own (bot.terms.entries) seen from the other side: a suggestion that passes
``problems`` gives an entry that ``python -m bot check`` accepts, unless the glossary gained the
same name meanwhile. Pure functions of values; no Slack, no store.
"""

from __future__ import annotations

import re
import textwrap
from typing import Protocol

import yaml

from bot.terms import Glossary, Status
from bot.terms.model import Audience
from bot.terms.text import fold

MAX_TERM = 100
MAX_ACRONYM = 20
MAX_CATEGORY = 100
MAX_DEFINITION = 1500
MAX_WHY = 500
ACRONYM_RE = re.compile(r"^[A-Z][A-Z0-9&]*$")
"""The schema's acronym pattern (glossary/schema.json)."""
YAML_WIDTH = 92
"""Folded definition lines: the width the shipped glossary files use, after the indent."""


class Draft(Protocol):
    """What a suggestion says (``NewSuggestion`` and ``Suggestion`` both do)."""

    @property
    def term(self) -> str: ...
    @property
    def acronym(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def definition(self) -> str: ...
    @property
    def why(self) -> str: ...


def clean(text: str) -> str:
    """One line of text, as the loader stores it: whitespace collapsed, control characters out
    (YAML cannot carry most of them, and nobody means to type them)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def problems(draft: Draft, glossary: Glossary, *, known: str = "") -> dict[str, str]:
    """What is wrong with ``draft``, by field name (empty: nothing). ``known`` is the term name
    the suggestion already had (an edit may keep it)."""
    found: dict[str, str] = {}
    term, acronym = clean(draft.term), clean(draft.acronym)
    if not term:
        found["term"] = "Give the term a name."
    elif len(term) > MAX_TERM:
        found["term"] = f"Keep the name under {MAX_TERM} characters."
    else:
        existing = existing_term(term, glossary)
        if existing and fold(term) != fold(known):
            found["term"] = _already(existing, term, glossary)
    if len(acronym) > MAX_ACRONYM:
        found["acronym"] = f"Keep the acronym under {MAX_ACRONYM} characters."
    elif acronym and not ACRONYM_RE.match(acronym):
        found["acronym"] = "One word in capitals, digits or &, like EQL or B2B."
    definition = clean(draft.definition)
    if not definition:
        found["definition"] = "Write a definition: a sentence or two is enough."
    elif len(definition) > MAX_DEFINITION:
        found["definition"] = f"Keep the definition under {MAX_DEFINITION} characters."
    category = clean(draft.category)
    if not category:
        found["category"] = "Pick a category."
    elif len(category) > MAX_CATEGORY:
        found["category"] = f"Keep the category under {MAX_CATEGORY} characters."
    if len(draft.why.strip()) > MAX_WHY:
        found["why"] = f"Keep this under {MAX_WHY} characters."
    return found


def _already(existing: str, typed: str, glossary: Glossary) -> str:
    """The refusal of a duplicate. Anyone may suggest (a partner too, from an answer in a
    shared channel), so an internal term is not named beyond what was typed."""
    term = glossary.get(existing)
    if term is None or term.audience == Audience.INTERNAL:
        return f"That name is already in the glossary. Try /define {typed}."
    return f"“{existing}” is already in the glossary. Try /define {typed}."


def existing_term(name: str, glossary: Glossary) -> str | None:
    """The term already named ``name`` (its name, an alias or an acronym), else None.

    Only exact forms count: the glossary's typo tolerance must not turn "Partner tier" into a
    duplicate of "Partner tiers"… nor block a genuinely new term that merely looks close.
    """
    named = glossary.get(name)
    if named is not None:
        return named.term
    wanted = fold(name)
    result = glossary.define(name)
    if result.status not in (Status.FOUND, Status.AMBIGUOUS):
        return None
    for term in result.terms:
        forms = (term.term, *term.aliases, *term.acronyms)
        if any(fold(form) == wanted for form in forms):
            return term.term
    return None


def entry_yaml(draft: Draft, indent: str = "  ") -> str:
    """The glossary entry for ``draft``, indented to paste under ``terms:`` (as the shipped
    files are laid out), the definition as a folded ``>-`` block like theirs."""
    head: dict[str, str] = {"term": clean(draft.term)}
    if clean(draft.acronym):
        head["acronym"] = clean(draft.acronym)
    head["category"] = clean(draft.category)
    fields = yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=1 << 20)
    lines = fields.splitlines()
    lines.append("definition: >-")
    wrapped = textwrap.wrap(
        clean(draft.definition), YAML_WIDTH, break_long_words=False, break_on_hyphens=False
    )
    lines += [f"  {line}" for line in wrapped]
    first, rest = lines[0], lines[1:]
    return "\n".join([f"{indent}- {first}", *(f"{indent}  {line}" for line in rest)]) + "\n"
