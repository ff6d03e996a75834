"""Slack's Block Kit limits hold for every renderer, for every term and for hostile input.

Pinned down: each renderer in render.cards and render.home, fed every glossary term, a
300-character term with a 5,000-character definition full of ``& < >``, and a 10,000-character
query of the same, produces output Slack accepts (``assert_block_kit_limits``), with no broken
entity or live special mention. The helper itself is checked to fail on each kind of breach.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from bot.service import Answer, Explanation, GlossaryService
from bot.slack.listeners.actions import next_home_state
from bot.slack.render import cards, home
from bot.slack.render.cards import Message
from bot.slack.render.text import unescape
from bot.terms import Glossary, LookupResult, SearchHit, Status, Term

from .conftest import HUGE_QUERY, typed_search
from .limits import assert_block_kit_limits

Output = Message | dict[str, Any]


def test_every_glossary_term_renders_within_limits(glossary: Glossary) -> None:
    for term in glossary.terms:
        assert_block_kit_limits(cards.term_message(glossary, term))
        assert_block_kit_limits(cards.shared_message(glossary, term, "U0USER"))
        assert_block_kit_limits(home.term_modal(glossary, term))
    explanation = Explanation(glossary.terms[:3], glossary.terms[3:])
    assert_block_kit_limits(cards.explanation_message(explanation))
    assert_block_kit_limits(cards.terms_message(glossary, glossary.terms, empty="none"))


Render = Callable[[Glossary, Term, GlossaryService], Output]


def _answer(status: Status) -> Render:
    def render(glossary: Glossary, huge: Term, _: GlossaryService) -> Output:
        many = (huge, *glossary.terms[:11])
        answer = Answer(LookupResult(HUGE_QUERY, status, many), searched=many)
        return cards.answer_message(glossary, answer)

    return render


RENDERERS: dict[str, Render] = {
    "term": lambda g, huge, s: cards.term_message(g, huge),
    "shared": lambda g, huge, s: cards.shared_message(g, huge, "U0USER"),
    **{f"answer-{status.value}": _answer(status) for status in Status},
    "answer-lookup": lambda g, huge, s: cards.answer_message(g, s.lookup(HUGE_QUERY)),
    "help": lambda g, huge, s: cards.help_message(),
    "categories": lambda g, huge, s: cards.categories_message(g),
    "category": lambda g, huge, s: cards.category_message(HUGE_QUERY, [huge] * 60),
    "unknown-category": lambda g, huge, s: cards.unknown_category_message(HUGE_QUERY, g),
    "search": lambda g, huge, s: cards.search_message(HUGE_QUERY, [SearchHit(huge, 1.0)] * 10),
    "search-empty": lambda g, huge, s: cards.search_message(HUGE_QUERY, []),
    "explanation": lambda g, huge, s: cards.explanation_message(
        Explanation((huge,) * 3, (huge,) * 40)
    ),
    "terms": lambda g, huge, s: cards.terms_message(g, [huge] * 12, empty="none"),
    "modal": lambda g, huge, s: home.term_modal(g, huge),
    "home-top": lambda g, huge, s: home.home_view(g, home.HomeState(), [huge] * 10),
    "home-typed-search": lambda g, huge, s: home.home_view(
        g, next_home_state(typed_search(HUGE_QUERY)), [huge]
    ),
    "home-search": lambda g, huge, s: home.home_view(g, home.HomeState("search", HUGE_QUERY), []),
    "home-letter": lambda g, huge, s: home.home_view(g, home.HomeState("letter", HUGE_QUERY), []),
}


@pytest.mark.parametrize("name", RENDERERS)
def test_hostile_input_stays_within_limits(
    name: str, glossary: Glossary, huge_term: Term, service: GlossaryService
) -> None:
    assert_block_kit_limits(RENDERERS[name](glossary, huge_term, service))


def test_huge_definition_is_clipped_on_whole_entities(glossary: Glossary, huge_term: Term) -> None:
    card = cards.term_message(glossary, huge_term)
    definition = card.blocks[1]["text"]["text"]
    assert 2995 <= len(definition) <= 3000
    assert definition.endswith("R&amp;D Q&amp;A…")
    assert huge_term.definition.startswith(unescape(definition.removesuffix("…")))
    assert card.blocks[0]["text"]["text"] == huge_term.title[:149] + "…"


@pytest.mark.parametrize("pad", range(5))
def test_thread_explanation_is_clipped_on_whole_entities(pad: int) -> None:
    term = Term("T", "C", "x" * (2990 + pad) + "&" * 10)
    (section, _note) = cards.explanation_message(Explanation((term,))).blocks
    assert_block_kit_limits(cards.explanation_message(Explanation((term,))))
    assert section["text"]["text"].endswith(("x…", "&amp;…"))


# --- the helper fails on each breach ---------------------------------------------------------


def _card() -> Message:
    eql = Term("EQL", "Sales", "A lead.", related=("MQL",))
    glossary = Glossary([eql, Term("MQL", "Sales", "Another lead.")])
    return cards.term_message(glossary, eql, shareable=True)


def _breach(change: Callable[[list[dict[str, Any]]], object]) -> Message:
    message = _card()
    blocks = copy.deepcopy(message.blocks)
    change(blocks)
    return Message(message.text, blocks)


def _last_actions(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(b for b in reversed(blocks) if b["type"] == "actions")


BREACHES: dict[str, Callable[[list[dict[str, Any]]], object]] = {
    "51 blocks": lambda b: b.extend([{"type": "divider"}] * 48),
    "header": lambda b: b[0]["text"].update(text="h" * 151),
    "section": lambda b: b[1]["text"].update(text="s" * 3001),
    "raw ampersand": lambda b: b[1]["text"].update(text="Q&A"),
    "half entity": lambda b: b[1]["text"].update(text="Q&am…"),
    "special mention": lambda b: b[1]["text"].update(text="<!channel>"),
    "raw angle bracket": lambda b: b[1]["text"].update(text="`/define <term>`"),
    "link": lambda b: b[1]["text"].update(text="<https://example.com|EQL>"),
    "button text": lambda b: _last_actions(b)["elements"][0]["text"].update(text="b" * 76),
    "button value": lambda b: _last_actions(b)["elements"][0].update(value="v" * 2001),
    "action_id": lambda b: _last_actions(b)["elements"][0].update(action_id="a" * 256),
    "repeated action_id": lambda b: _last_actions(b)["elements"].append(
        _last_actions(b)["elements"][0]
    ),
    "block_id": lambda b: [x.update(block_id="same") for x in b[:2]],
    "context elements": lambda b: b[2]["elements"].extend(b[2]["elements"] * 10),
    "actions elements": lambda b: _last_actions(b).update(
        elements=[{**_last_actions(b)["elements"][0], "action_id": f"a{i}"} for i in range(26)]
    ),
}


@pytest.mark.parametrize("breach", BREACHES)
def test_the_helper_catches_each_breach(breach: str) -> None:
    assert_block_kit_limits(_card())
    with pytest.raises(AssertionError):
        assert_block_kit_limits(_breach(BREACHES[breach]))


@pytest.mark.parametrize(
    "change",
    [
        {"title": {"type": "plain_text", "text": "t" * 25}},
        {"private_metadata": "m" * 3001},
        {"blocks": [{"type": "divider"}] * 101},
    ],
)
def test_the_helper_catches_view_breaches(glossary: Glossary, change: dict[str, Any]) -> None:
    view = home.term_modal(glossary, glossary.terms[0])
    assert_block_kit_limits(view)
    with pytest.raises(AssertionError):
        assert_block_kit_limits({**view, **change})
