"""Property: nothing a partner may read ever carries an internal term or internal wording.

For any text (a term's name, acronym or alias, a typo of one, a question naming several, or
noise), every message the bot would post where partners read is built in the partner view and
searched: its fallback ``text``, its blocks' text, its buttons' labels and values. Built from
the same values as the Performer's partner variants (mention answers, the shortcut, thread
explanations, Share and term buttons), so a new field on a card or a new list in an answer is
checked too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.replies import View
from bot.service import GlossaryService
from bot.slack.render.answers import answer_message, ask_message, terms_message
from bot.slack.render.cards import Message, explanation_message, shared_message, term_message
from bot.slack.render.text import escape
from bot.store import MemoryStore
from bot.store.base import Workspace
from bot.terms import Glossary, Term
from bot.terms.model import Audience
from tests.conftest import GLOSSARY_DIR
from tests.partner_terms import DESK, DESK_TEXT, EQL_INTERNAL, partner_glossary

WS = Workspace(None, "T0TEST")
T0 = 1_700_000_000.0
SMALL = partner_glossary()
SHIPPED = Glossary.from_path(GLOSSARY_DIR).warm()


def forms(glossary: Glossary) -> list[str]:
    """Every way a term can be written: names, acronyms, aliases."""
    return sorted({f for t in glossary.terms for f in (t.term, *t.acronyms, *t.aliases)})


def typo(word: str, at: int) -> str:
    at %= max(1, len(word))
    return word[:at] + word[at + 1 :]


def queries(glossary: Glossary) -> st.SearchStrategy[str]:
    form = st.sampled_from(forms(glossary))
    return st.one_of(
        form,
        st.builds(typo, form, st.integers(0, 40)),
        st.builds(lambda a, b: f"what do {a} and {b} mean?", form, form),
        st.builds(lambda a, w: f"{a} {w}", form, st.sampled_from(["tier", "desk", "lead"])),
        st.text(st.sampled_from("abcdeklqstr E&<>*"), max_size=20),
    )


def partner_messages(service: GlossaryService, text: str) -> Iterator[Message]:
    """What each surface would post in a shared channel for ``text``."""
    yield ask_message(service.ask(text, View.PARTNER))  # mention answers
    yield answer_message(service.lookup(text, View.PARTNER))
    yield terms_message(service.terms_in(text, View.PARTNER))  # the message shortcut
    names = service.explainable(text)
    found = service.claim_explanation(WS, "C0SHARED", "1.0", names, T0, view=View.PARTNER)
    if found is not None:
        yield explanation_message(found)  # thread explanations
    for term in service.glossary.terms:  # Share and term buttons, by any name a button holds
        card = service.card(term.term, View.PARTNER)
        if card is not None:
            yield shared_message(card, "U0SHARER")
            yield term_message(card)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def labels(blocks: list[dict[str, Any]]) -> set[str]:
    """Every button's label and value (related terms, "did you mean", search results)."""
    found: set[str] = set()
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("type") == "button":
                found |= {element["text"]["text"], element.get("value", "")}
    return found


def internal(glossary: Glossary) -> list[Term]:
    return [t for t in glossary.terms if t.audience == Audience.INTERNAL]


def test_both_glossaries_have_internal_terms_to_hide() -> None:
    """The properties below would hold vacuously without them."""
    assert [t.term for t in internal(SMALL)] == [DESK]
    assert len(internal(SHIPPED)) >= 2
    assert [t for t in SHIPPED.terms if t.partner_definition not in (None, t.definition)]


@settings(max_examples=150, deadline=None)
@given(queries(SMALL))
def test_no_internal_name_or_wording_where_partners_read(text: str) -> None:
    service = GlossaryService(SMALL, MemoryStore(), clock=lambda: T0)
    asked = text.casefold()
    for message in partner_messages(service, text):
        words = json.dumps([message.text, *strings(message.blocks)], ensure_ascii=False)
        assert DESK_TEXT not in words and EQL_INTERNAL not in words
        assert "U0OWNER" not in words and "2026-01-05" not in words  # owner, review date
        if "deal desk" not in asked:  # echoing what the asker typed reveals nothing
            assert "deal desk" not in words.casefold(), (text, message)
        assert DESK not in labels(message.blocks), (text, message)


@settings(max_examples=100, deadline=None)
@given(queries(SHIPPED))
def test_no_internal_term_of_the_shipped_glossary_where_partners_read(text: str) -> None:
    service = GlossaryService(SHIPPED, MemoryStore(), clock=lambda: T0)
    hidden = internal(SHIPPED)
    names = {n for t in hidden for n in (t.term, t.title)}
    definitions = [escape(t.definition) for t in hidden]
    wordings = [  # internal wordings partners must not read instead of their own
        escape(t.definition)
        for t in SHIPPED.terms
        if t.partner_definition and t.definition not in t.partner_definition
    ]
    for message in partner_messages(service, text):
        words = json.dumps([message.text, *strings(message.blocks)], ensure_ascii=False)
        assert not names & labels(message.blocks), (text, message)
        assert not [d for d in definitions if d in words], text
        assert not [d for d in wordings if d in words], text
