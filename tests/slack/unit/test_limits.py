"""Slack's Block Kit limits hold for every renderer and listener, for every term and for hostile
input; and the one checker (``tests.blockkit_limits``) catches each breach it claims to.

Pinned down: each renderer, fed every glossary term, a 300-character term with a 5,000-character
definition full of ``& < >``, and a 10,000-character query of the same, produces output Slack
accepts with no broken entity or live special mention; so does every listener given such a
query. The checker accepts well-formed payloads in every encoding (objects, JSON text, views,
view arguments) and names each kind of breach.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.replies import (
    Answer,
    Card,
    Categories,
    CategoryTerms,
    Explanation,
    Help,
    SearchResults,
    TermList,
)
from bot.service import GlossaryService
from bot.slack.dispatch import Listener
from bot.slack.listeners import actions, commands, events, shortcuts
from bot.slack.render import answers, cards, home
from bot.slack.render.cards import Message
from bot.slack.render.text import unescape
from bot.terms import Glossary, LookupResult, Status, Term
from tests.blockkit_limits import assert_block_kit_limits
from tests.standin import requests

from .conftest import HUGE_QUERY, call, typed_search

Output = Message | dict[str, Any]


def test_every_glossary_term_renders_within_limits(service: GlossaryService) -> None:
    all_cards = []
    for term in service.glossary.terms:
        card = service.card(term.term)
        assert card is not None
        all_cards.append(card)
        assert_block_kit_limits(cards.term_message(card))
        assert_block_kit_limits(cards.shared_message(card, "U0USER"))
        assert_block_kit_limits(home.term_modal(card))
    terms = service.glossary.terms
    assert_block_kit_limits(cards.explanation_message(Explanation(terms[:3], terms[3:])))
    assert_block_kit_limits(answers.terms_message(TermList(tuple(all_cards))))


Render = Callable[[Glossary, Term], Output]


def _answer(status: Status) -> Render:
    def render(glossary: Glossary, huge: Term) -> Output:
        many = (huge, *glossary.terms[:11])
        result = LookupResult(HUGE_QUERY, status, many)
        return answers.answer_message(Answer(result, tuple(Card(t, many) for t in many), many))

    return render


RENDERERS: dict[str, Render] = {
    "term": lambda g, huge: cards.term_message(Card(huge, (huge,) * 10)),
    "shared": lambda g, huge: cards.shared_message(Card(huge), "U0USER"),
    **{f"answer-{status.value}": _answer(status) for status in Status},
    "help": lambda g, huge: answers.help_message(Help(private=False)),
    "categories": lambda g, huge: answers.categories_message(
        Categories(((HUGE_QUERY, 10**9),) * 60, 10**9, HUGE_QUERY)
    ),
    "category": lambda g, huge: answers.category_message(CategoryTerms(HUGE_QUERY, (huge,) * 60)),
    "search": lambda g, huge: answers.search_message(SearchResults(HUGE_QUERY, (huge,) * 10)),
    "search-empty": lambda g, huge: answers.search_message(SearchResults(HUGE_QUERY, ())),
    "explanation": lambda g, huge: cards.explanation_message(
        Explanation((huge,) * 3, (huge,) * 40)
    ),
    "terms": lambda g, huge: answers.terms_message(TermList((Card(huge, (huge,) * 5),) * 12)),
    "modal": lambda g, huge: home.term_modal(Card(huge, (huge,) * 5)),
}


@pytest.mark.parametrize("name", RENDERERS)
def test_hostile_input_stays_within_limits(name: str, glossary: Glossary, huge_term: Term) -> None:
    assert_block_kit_limits(RENDERERS[name](glossary, huge_term))


def test_a_huge_definition_is_clipped_on_whole_entities(huge_term: Term) -> None:
    definition = cards.term_message(Card(huge_term)).blocks[1]["text"]["text"]
    assert huge_term.definition.startswith(unescape(definition.removesuffix("…")))


@pytest.mark.parametrize("pad", range(5))
def test_a_thread_explanation_is_clipped_on_whole_entities(pad: int) -> None:
    term = Term("T", "C", "x" * (2990 + pad) + "&" * 10)
    message = cards.explanation_message(Explanation((term,)))
    assert_block_kit_limits(message)
    assert message.blocks[0]["text"]["text"].endswith(("x…", "&amp;…"))


HOSTILE: dict[str, tuple[Callable[[GlossaryService], Listener], dict[str, Any]]] = {
    "define": (commands.define, requests.slash_command(HUGE_QUERY[:4000])),
    "define-search": (commands.define, requests.slash_command("search " + HUGE_QUERY[:3000])),
    "define-list": (commands.define, requests.slash_command("list " + HUGE_QUERY[:3000])),
    "dm": (events.message, requests.dm_message(HUGE_QUERY)),
    "mention": (events.app_mention, requests.app_mention("<@U0BOT> " + HUGE_QUERY)),
    "shortcut": (
        shortcuts.explain_message,
        requests.message_action("explain_message_terms", text=HUGE_QUERY * 4),
    ),
    "home-search": (actions.home_navigate, typed_search(HUGE_QUERY)),
    "home-letter": (actions.home_navigate, requests.block_actions_home("home_letter_X", "<&>")),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_listeners_answer_hostile_input_within_limits(name: str, service: GlossaryService) -> None:
    make, body = HOSTILE[name]
    outcome = call(make(service), body)  # ``call`` checks everything it would send
    assert outcome.ack or outcome.jobs or outcome.tasks


# --- the checker itself -----------------------------------------------------------------------


def button(action_id: str, text: str = "Open", value: str = "x") -> dict[str, Any]:
    label = {"type": "plain_text", "text": text}
    return {"type": "button", "action_id": action_id, "text": label, "value": value}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def actions_block(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


GOOD = [
    header("h" * 150),
    section("s" * 2988 + " &amp; <@U1>"),
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
    actions_block(button("a_0"), button("a_1", "b" * 75, "v" * 2000)),
    {"type": "divider"},
]


@pytest.mark.parametrize(
    "payload",
    [
        Message("Glossary: R&amp;D", GOOD),
        {"text": "t", "blocks": GOOD},
        {"channel": "C1", "blocks": json.dumps(GOOD)},  # form-encoded
        {"type": "home", "blocks": [section("row")] * 100},
        {"user_id": "U1", "view": json.dumps({"type": "modal", "title": {"text": "t" * 24}})},
        {"text": "no blocks at all"},
    ],
)
def test_payloads_within_the_limits_pass(payload: Message | dict[str, Any]) -> None:
    assert_block_kit_limits(payload)


def _breach(change: Callable[[list[dict[str, Any]]], object]) -> Message:
    blocks = copy.deepcopy(GOOD)
    change(blocks)
    return Message("t", blocks)


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(blocks[3]["elements"])


BREACHES: dict[str, tuple[Message | dict[str, Any], str]] = {
    "51 blocks": (_breach(lambda b: b.extend([{"type": "divider"}] * 46)), "51 blocks (limit 50)"),
    "101 view blocks": (
        {"view": {"type": "home", "blocks": [section("s")] * 101}},
        "101 blocks (limit 100)",
    ),
    "header": (_breach(lambda b: b[0]["text"].update(text="h" * 151)), "header text 151 chars"),
    "header mrkdwn": (_breach(lambda b: b[0]["text"].update(type="mrkdwn")), "not plain_text"),
    "section": (
        _breach(lambda b: b[1]["text"].update(text="s" * 3001)),
        "section text 3001 chars",
    ),
    "raw ampersand": (_breach(lambda b: b[1]["text"].update(text="Q&A")), "raw or cut entity"),
    "half entity": (_breach(lambda b: b[1]["text"].update(text="Q&am…")), "raw or cut entity"),
    "special mention": (
        _breach(lambda b: b[1]["text"].update(text="<!channel>")),
        "special mention",
    ),
    "raw angle bracket": (
        _breach(lambda b: b[1]["text"].update(text="`/define <term>`")),
        "unescaped < or >",
    ),
    "link": (
        _breach(lambda b: b[1]["text"].update(text="<https://example.com|EQL>")),
        "unescaped < or >",
    ),
    "fallback mention": (Message("hi <!here>", []), "special mention"),
    "fallback text": ({"text": "t" * 40_001}, "text 40001 chars"),
    "button text": (
        _breach(lambda b: _buttons(b)[0]["text"].update(text="b" * 76)),
        "button text 76 chars",
    ),
    "empty button text": (
        {"blocks": json.dumps([{**section("s"), "accessory": button("x", "")}])},
        "button text 0 chars",
    ),
    "button value": (
        _breach(lambda b: _buttons(b)[0].update(value="v" * 2001)),
        "button value 2001 chars",
    ),
    "action_id": (
        _breach(lambda b: _buttons(b)[0].update(action_id="a" * 256)),
        "action_id 256 chars",
    ),
    "repeated action_id": (
        _breach(lambda b: b[3]["elements"].append(b[3]["elements"][0])),
        "duplicate action_ids ['a_0']",
    ),
    "repeated block_id": (
        _breach(lambda b: [x.update(block_id="same") for x in b[:2]]),
        "duplicate block_ids ['same']",
    ),
    "context elements": (
        _breach(lambda b: b[2]["elements"].append(b[2]["elements"][0])),
        "11 context elements",
    ),
    "actions elements": (
        _breach(lambda b: b[3].update(elements=[button(f"a{i}") for i in range(26)])),
        "26 action elements",
    ),
    "block type": (_breach(lambda b: b.append({"type": "image"})), "unexpected block type"),
    "modal title": (
        {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []},
        "modal title 25 chars",
    ),
    "private_metadata": ({"type": "home", "private_metadata": "m" * 3001}, "private_metadata"),
    "view size": (
        {"type": "home", "blocks": [section("s" * 3000)] * 90},
        "bytes",
    ),
}


@pytest.mark.parametrize("breach", BREACHES)
def test_the_checker_catches_and_names_each_breach(breach: str) -> None:
    payload, complaint = BREACHES[breach]
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        assert_block_kit_limits(payload)
