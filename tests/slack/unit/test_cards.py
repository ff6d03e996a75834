"""render.cards and render.answers: what each reply value looks like, with literal texts,
action_ids and values.

Pinned down: the term card (header, definition, category/aliases context, related-term buttons
``define_term_N`` whose values are term names, the share button), the four lookup answers
(found, ambiguous PRM, suggest, none), help in its private and public wording, chatter, the
category list and one category, search results, thread explanations (3 in full + "Also
mentioned"), several terms within 50 blocks, the "Shared by" line (never for a malformed user
id), and which renderer ``define_message`` / ``ask_message`` pick for each value. Every output
passes the Block Kit checker.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.replies import (
    Answer,
    Card,
    Categories,
    CategoryTerms,
    Chatter,
    Explanation,
    Help,
    SearchResults,
    TermList,
)
from bot.service import GlossaryService
from bot.slack.render import answers, cards
from bot.slack.render.cards import Message
from bot.terms import Glossary, LookupResult, Status, Term
from tests.blockkit_limits import assert_block_kit_limits

from .conftest import EQL, EQL_DEFINITION, EQL_TITLE, MQL_TITLE, card_of

HINT = "Try `/define search &lt;words&gt;`, or browse every term with `/define list`."
PRM_TITLES = [
    "Partner Relationship Management (PRM)",
    "Partner Relationship Management Software (PRM)",
    "Partnership Relationship Manager (PRM)",
]


def checked(message: Message) -> Message:
    assert_block_kit_limits(message)
    return message


def of_type(message: Message, kind: str) -> list[dict[str, Any]]:
    return [b for b in message.blocks if b["type"] == kind]


def texts(message: Message, kind: str) -> list[str]:
    """The text of every block of one kind (context blocks: their elements, joined)."""
    if kind == "context":
        return [" ".join(e["text"] for e in b["elements"]) for b in of_type(message, kind)]
    return [b["text"]["text"] for b in of_type(message, kind)]


def buttons(message: Message) -> list[tuple[str, str, str]]:
    """(action_id, label, value) of every button, in order: section accessories and actions."""
    found = []
    for block in message.blocks:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        if block["type"] == "section" and block.get("accessory", {}).get("type") == "button":
            elements = [block["accessory"]]
        found += [(e["action_id"], e["text"]["text"], e["value"]) for e in elements]
    return found


def answer(service: GlossaryService, query: str, *, shareable: bool = True) -> Message:
    return checked(answers.answer_message(service.lookup(query), shareable=shareable))


def test_found_card(service: GlossaryService) -> None:
    message = answer(service, "EQL")
    assert message.text == f"{EQL_TITLE}: {EQL_DEFINITION}"
    assert [b["type"] for b in message.blocks] == [
        "header",
        "section",
        "context",
        "context",
        "actions",
    ]
    assert texts(message, "header") == [EQL_TITLE]
    assert texts(message, "section") == [EQL_DEFINITION]
    assert texts(message, "context") == [
        "*Category:* Sales and leads  ·  *Also written:* ecosystem-qualified lead",
        "*Related:*",
    ]
    assert buttons(message) == [
        ("share_term", "Share in channel", EQL),
        ("define_term_0", "Ideal Customer Profile (ICP)", "Ideal Customer Profile"),
        ("define_term_1", MQL_TITLE, "Marketing Qualified Lead"),
        ("define_term_2", "Partner ecosystem", "Partner ecosystem"),
    ]
    assert message.blocks[1]["accessory"]["style"] == "primary"  # beside the definition


def test_public_answers_have_no_share_button(service: GlossaryService) -> None:
    message = answer(service, "EQL", shareable=False)
    assert [b[0] for b in buttons(message)] == ["define_term_0", "define_term_1", "define_term_2"]


def test_a_card_lists_every_acronym_and_six_aliases(service: GlossaryService) -> None:
    message = checked(
        cards.term_message(card_of(service, "Partner Relationship Management Software"))
    )
    context = texts(message, "context")[0]
    assert context.startswith("*Category:* Tools and platforms  ·  *Also written:* PRM software")
    assert context.count(", ") == 5  # six of its seven aliases


def test_ambiguous_prm_shows_three_cards(service: GlossaryService) -> None:
    message = answer(service, "PRM")
    assert message.text == "“PRM” has 3 meanings: " + ", ".join(PRM_TITLES)
    assert texts(message, "section")[0] == "“PRM” has 3 meanings in the glossary:"
    assert texts(message, "header") == PRM_TITLES
    assert len(of_type(message, "divider")) == 3
    shares = [value for action_id, _, value in buttons(message) if action_id == "share_term"]
    assert shares == [t.removesuffix(" (PRM)") for t in PRM_TITLES]


def test_suggest_offers_buttons_then_search_results(glossary: Glossary) -> None:
    suggested = tuple(t for t in glossary.terms if t.term.startswith("Strategic f"))
    searched = tuple(t for t in glossary.terms if t.term.startswith(("Strategic a", "Coop")))
    result = LookupResult("Strategic", Status.SUGGEST, suggested)
    message = checked(answers.answer_message(Answer(result, (), searched)))
    assert message.text == "I don't have an entry for “Strategic”. Did you mean this?"
    assert texts(message, "context") == ["Entries that mention it:", HINT]
    assert [value for _, _, value in buttons(message)] == [
        "Strategic fit",
        "Strategic",
        "Coopetition",
        "Strategic alignment",
        "Strategic alliance",
    ]
    assert [b["elements"][0]["action_id"] for b in of_type(message, "actions")] == [
        "define_term_0",
        "suggest_term",
        "define_term_0",
    ]


def test_none_says_so_and_offers_entries_that_mention_it(service: GlossaryService) -> None:
    message = answer(service, "CRM")
    text = "Sorry, there is no glossary entry for “CRM” yet. I've noted it for the maintainers."
    assert (message.text, texts(message, "section")) == (text, [text])
    assert texts(message, "context") == ["Entries that mention it:", HINT]
    assert buttons(message) == [
        ("suggest_term", "Suggest a term", "CRM"),
        ("define_term_0", "Partner Ecosystem Platform (PEP)", "Partner Ecosystem Platform"),
    ]


def test_none_without_search_results_only_hints_and_offers_to_suggest(
    service: GlossaryService,
) -> None:
    message = answer(service, "  What's a XYZZY? ")
    assert texts(message, "context") == [HINT]
    assert buttons(message) == [("suggest_term", "Suggest a term", "XYZZY")]


def test_the_suggest_button_keeps_to_150_characters(service: GlossaryService) -> None:
    message = answer(service, "q" * 400)
    assert buttons(message) == [("suggest_term", "Suggest a term", "q" * 150)]


def test_the_ambiguous_fallback_text_is_escaped(glossary: Glossary) -> None:
    terms = tuple(t for t in glossary.terms if "PRM" in t.acronyms)
    result = LookupResult("PRM <!channel> & co", Status.AMBIGUOUS, terms)
    message = checked(answers.answer_message(Answer(result, tuple(Card(t) for t in terms))))
    assert message.text.startswith("“PRM &lt;!channel&gt; &amp; co” has 3 meanings: ")


@pytest.mark.parametrize(
    ("help", "first_line"),
    [
        (None, "*Look up partnership jargon — only you see the answer.*"),
        (Help(private=True), "*Look up partnership jargon — only you see the answer.*"),
        (Help(private=False), "*Look up partnership jargon — `/define` answers are private.*"),
    ],
)
def test_help_says_truthfully_who_sees_it_and_names_every_subcommand(
    help: Help | None, first_line: str
) -> None:
    message = checked(answers.help_message(help))
    assert message.text == "How to use /define"
    (text,) = texts(message, "section")
    assert text.splitlines()[0] == first_line
    assert [line.split("`")[1] for line in text.splitlines()[1:4]] == [
        "/define EQL",
        "/define search commission",
        "/define list",
    ]


def test_chatter_gets_a_friendly_pointer() -> None:
    text = (
        "Hi! I explain partnership jargon. Ask me about a term — `EQL`, `what's a VAR?`, "
        "`co-selling` — or type `/define help` anywhere."
    )
    message = checked(answers.chatter_message())
    assert (message.text, texts(message, "section")) == (text, [text])


def test_categories_list_with_their_shortcuts() -> None:
    listed = Categories((("Joint activities", 9), ("Pricing models", 8)), total=17)
    message = checked(answers.categories_message(listed))
    assert message.text == "Glossary categories"
    assert texts(message, "section") == [
        "*The glossary has 17 terms in these categories:*\n"
        "• *Joint activities* — 9 terms  (`/define list joint`)\n"
        "• *Pricing models* — 8 terms  (`/define list pricing`)"
    ]


def test_every_category_shortcut_finds_its_category(service: GlossaryService) -> None:
    listed = service.define("list")
    assert isinstance(listed, Categories)
    (text,) = texts(checked(answers.categories_message(listed)), "section")
    lines = re.findall(r"^• \*(.+)\* — (\d+) terms  \(`/define list (\w+)`\)$", text, re.M)
    assert len(lines) == len(listed.counts) == 9
    for label, count, shortcut in lines:
        found = service.define(f"list {shortcut}")
        assert isinstance(found, CategoryTerms)
        assert (found.label, len(found.terms)) == (label, int(count))


def test_an_unknown_category_escapes_the_query_then_lists_categories() -> None:
    counts = (("Pricing models", 8),)
    unknown = checked(answers.categories_message(Categories(counts, 8, "<!channel> stuff")))
    assert unknown.text == "There is no category “&lt;!channel&gt; stuff”."
    assert texts(unknown, "section")[0] == unknown.text
    assert unknown.blocks[1:] == answers.categories_message(Categories(counts, 8)).blocks


def test_one_category_lists_its_terms_as_buttons(glossary: Glossary) -> None:
    terms = tuple(glossary.terms[:23])
    message = checked(answers.category_message(CategoryTerms("Partner types", terms)))
    assert (message.text, texts(message, "header")) == (
        "Partner types: 23 terms",
        ["Partner types (23)"],
    )
    assert [len(b["elements"]) for b in of_type(message, "actions")] == [5, 5, 5, 5, 3]
    assert [b[0] for b in buttons(message)] == [f"define_term_{i}" for i in range(23)]
    assert [b[2] for b in buttons(message)] == [t.term for t in terms]


def test_a_long_category_points_to_the_home_tab(glossary: Glossary) -> None:
    message = checked(answers.category_message(CategoryTerms("Everything", glossary.terms[:98])))
    assert len(buttons(message)) == 40
    assert texts(message, "context") == ["…and 58 more: browse them in my Home tab."]


def test_search_results(glossary: Glossary) -> None:
    found = tuple(t for t in glossary.terms if t.term in ("Agent", "Affiliate"))
    message = checked(answers.search_message(SearchResults("commission", found)))
    assert texts(message, "section") == ["*2 entries mention “commission”*, best match first:"]
    assert message.text == "2 entries mention “commission”, best match first:"
    assert [b[2] for b in buttons(message)] == ["Affiliate", "Agent"]
    empty = checked(answers.search_message(SearchResults("zzqx", ())))
    assert (empty.text, buttons(empty)) == ("Nothing in the glossary mentions “zzqx”.", [])


def test_an_explanation_has_three_in_full_then_also_mentioned(service: GlossaryService) -> None:
    names = ["Original equipment manufacturer", "Value-added reseller"]
    names += ["Independent software vendor", EQL, "Marketing Qualified Lead"]
    terms = [card_of(service, name).term for name in names]
    message = checked(cards.explanation_message(Explanation(tuple(terms[:3]), tuple(terms[3:]))))
    assert [t.split("\n")[0] for t in texts(message, "section")] == [
        "*Original equipment manufacturer (OEM)*",
        "*Value-added reseller (VAR)*",
        "*Independent software vendor (ISV)*",
    ]
    assert texts(message, "context") == [
        f"Also mentioned: *{EQL_TITLE}*, *{MQL_TITLE}*. Try `/define &lt;term&gt;`.",
        "📖 Partner glossary · each term is explained once per thread · `/define` anytime",
    ]
    assert message.text == (
        "Glossary: Original equipment manufacturer (OEM), Value-added reseller (VAR), "
        f"Independent software vendor (ISV), {EQL_TITLE}, {MQL_TITLE}"
    )
    assert buttons(message) == []


def test_twelve_terms_stay_within_fifty_blocks(service: GlossaryService) -> None:
    terms = service.glossary.terms[:12]
    message = checked(
        answers.terms_message(TermList(tuple(card_of(service, t.term) for t in terms)))
    )
    assert len(message.blocks) == 48  # 8 cards of 5 blocks, 7 dividers, "Also in the message"
    assert texts(message, "header") == [t.title for t in terms[:8]]
    assert texts(message, "context")[-1] == "Also in the message: " + ", ".join(
        t.title for t in terms[8:]
    )


def test_no_terms_says_so() -> None:
    message = checked(answers.terms_message(TermList((), "I found no glossary terms.")))
    assert message.text == "I found no glossary terms."
    assert texts(message, "section") == ["I found no glossary terms."]


def test_a_shared_card_names_who_shared_it(service: GlossaryService) -> None:
    message = checked(cards.shared_message(card_of(service, EQL), "U123"))
    assert texts(message, "context")[-1] == "Shared by <@U123> with /define"
    assert "share_term" not in [b[0] for b in buttons(message)]


@pytest.mark.parametrize("user", ["", "U1", "<!channel>", "U123> <!here", "u123", "B123"])
def test_a_shared_card_never_mentions_a_malformed_user(service: GlossaryService, user: str) -> None:
    message = checked(cards.shared_message(card_of(service, EQL), user))
    assert not any("Shared by" in t for t in texts(message, "context"))
    assert message.blocks[-1]["type"] == "actions"


def test_define_message_picks_the_renderer_for_each_reply(service: GlossaryService) -> None:
    replies = [
        service.define(text) for text in ("help", "list", "list pricing", "search fee", "EQL")
    ]
    help, listed, category, results, found = replies
    assert isinstance(help, Help) and isinstance(listed, Categories)
    assert isinstance(category, CategoryTerms) and isinstance(results, SearchResults)
    assert isinstance(found, Answer)
    assert [answers.define_message(reply) for reply in replies] == [
        answers.help_message(help),
        answers.categories_message(listed),
        answers.category_message(category),
        answers.search_message(results),
        answers.answer_message(found),
    ]


def test_ask_message_picks_the_renderer_for_each_reply(service: GlossaryService) -> None:
    twice = service.ask("what do EQL and MQL mean?")
    assert isinstance(twice, TermList)
    assert answers.ask_message(Help(private=False)) == answers.help_message(Help(private=False))
    assert answers.ask_message(Chatter()) == answers.chatter_message()
    assert answers.ask_message(twice) == answers.terms_message(twice)
    oem = service.lookup("OEM")
    assert answers.ask_message(oem) == answers.answer_message(oem, shareable=False)


def test_a_term_with_every_field_oversized_renders_within_limits(huge_term: Term) -> None:
    message = checked(cards.term_message(Card(huge_term)))
    definition = message.blocks[1]["text"]["text"]
    assert 2995 <= len(definition) <= 3000
    assert definition.endswith("R&amp;D Q&amp;A…")
    assert message.blocks[0]["text"]["text"] == huge_term.title[:149] + "…"
