"""render.cards: what each reply looks like, with literal texts, action_ids and button values.

Pinned down: the term card (header, definition, category/aliases context, related-term buttons
``define_term_N`` whose values are term names, the share button), the four lookup answers
(found, ambiguous PRM, suggest, none), help, the category list and one category, search
results, thread explanations (3 in full + "Also mentioned"), several terms in one message
within 50 blocks, and the "Shared by" line, which never mentions a malformed user id.
Every output also passes ``assert_block_kit_limits``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.service import Answer, GlossaryService
from bot.slack.render import cards
from bot.slack.render.cards import Message
from bot.terms import Glossary, LookupResult, Status

from .limits import assert_block_kit_limits

EQL = "Ecosystem Qualified Lead"
EQL_DEFINITION = (
    "Ecosystem Qualified Leads (EQLs) are leads or potential customers that have been identified "
    "as a good fit for a company’s products or services, based on the company’s Ideal Customer "
    "Profile (ICP). These leads may come from a variety of sources, such as marketing campaigns, "
    "sales outreach, or referrals from partners or affiliates."
)
HINT = "Try `/define search &lt;words&gt;`, or browse every term with `/define list`."


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


def answer(service: GlossaryService, query: str) -> Message:
    message = cards.answer_message(service.glossary, service.lookup(query))
    assert_block_kit_limits(message)
    return message


def test_found_card(service: GlossaryService) -> None:
    message = answer(service, "EQL")
    assert message.text == f"Ecosystem Qualified Lead (EQL): {EQL_DEFINITION}"
    assert [b["type"] for b in message.blocks] == [
        "header",
        "section",
        "context",
        "context",
        "actions",
    ]
    assert texts(message, "header") == ["Ecosystem Qualified Lead (EQL)"]
    assert texts(message, "section") == [EQL_DEFINITION]
    assert texts(message, "context") == [
        "*Category:* Sales and leads  ·  *Also written:* ecosystem-qualified lead",
        "*Related:*",
    ]
    assert buttons(message) == [
        ("share_term", "Share in channel", EQL),
        ("define_term_0", "Ideal Customer Profile (ICP)", "Ideal Customer Profile"),
        ("define_term_1", "Marketing Qualified Lead (MQL)", "Marketing Qualified Lead"),
        ("define_term_2", "Partner ecosystem", "Partner ecosystem"),
    ]
    assert message.blocks[1]["accessory"]["style"] == "primary"  # beside the definition


def test_public_answers_have_no_share_button(service: GlossaryService) -> None:
    message = cards.answer_message(service.glossary, service.lookup("EQL"), shareable=False)
    assert [b[0] for b in buttons(message)] == ["define_term_0", "define_term_1", "define_term_2"]


def test_card_lists_every_acronym(glossary: Glossary) -> None:
    term = glossary.get("Partner Relationship Management Software")
    assert term is not None
    context = texts(cards.term_message(glossary, term), "context")[0]
    assert context.startswith("*Category:* Tools and platforms  ·  *Also written:* PRM software")
    assert context.count(", ") == 5  # six of its seven aliases


def test_ambiguous_prm_shows_three_cards(service: GlossaryService) -> None:
    message = answer(service, "PRM")
    titles = [
        "Partner Relationship Management (PRM)",
        "Partner Relationship Management Software (PRM)",
        "Partnership Relationship Manager (PRM)",
    ]
    assert message.text == "“PRM” has 3 meanings: " + ", ".join(titles)
    assert texts(message, "section")[0] == "“PRM” has 3 meanings in the glossary:"
    assert texts(message, "header") == titles
    assert len(of_type(message, "divider")) == 3
    shares = [value for action_id, _, value in buttons(message) if action_id == "share_term"]
    assert shares == [t.removesuffix(" (PRM)") for t in titles]


def test_suggest_offers_buttons_then_search_results(glossary: Glossary) -> None:
    suggested = tuple(t for t in glossary.terms if t.term.startswith("Strategic f"))
    searched = tuple(t for t in glossary.terms if t.term.startswith(("Strategic a", "Coop")))
    result = LookupResult("Strategic", Status.SUGGEST, suggested)
    message = cards.answer_message(glossary, Answer(result, searched))
    assert_block_kit_limits(message)
    assert message.text == "I don't have an entry for “Strategic”. Did you mean this?"
    assert texts(message, "context") == ["Entries that mention it:", HINT]
    assert [value for _, _, value in buttons(message)] == [
        "Strategic fit",
        "Coopetition",
        "Strategic alignment",
        "Strategic alliance",
    ]
    assert [b["elements"][0]["action_id"] for b in of_type(message, "actions")] == [
        "define_term_0",
        "define_term_0",
    ]


def test_none_says_so_and_offers_entries_that_mention_it(service: GlossaryService) -> None:
    message = answer(service, "CRM")
    text = "Sorry, there is no glossary entry for “CRM” yet. I've noted it for the maintainers."
    assert (message.text, texts(message, "section")) == (text, [text])
    assert texts(message, "context") == ["Entries that mention it:", HINT]
    assert buttons(message) == [
        ("define_term_0", "Partner Ecosystem Platform (PEP)", "Partner Ecosystem Platform")
    ]


def test_none_without_search_results_only_hints(service: GlossaryService) -> None:
    message = answer(service, "xyzzy")
    assert texts(message, "context") == [HINT]
    assert buttons(message) == []


def test_help_names_every_subcommand() -> None:
    message = cards.help_message()
    assert_block_kit_limits(message)
    assert message.text == "How to use /define"
    (text,) = texts(message, "section")
    assert [line.split("`")[1] for line in text.splitlines()[1:4]] == [
        "/define EQL",
        "/define search commission",
        "/define list",
    ]


def test_categories_list_nine_categories_with_working_shortcuts(glossary: Glossary) -> None:
    message = cards.categories_message(glossary)
    assert_block_kit_limits(message)
    (text,) = texts(message, "section")
    assert text.splitlines()[0] == "*The glossary has 98 terms in these categories:*"
    lines = re.findall(r"^• \*(.+)\* — (\d+) terms  \(`/define list (\w+)`\)$", text, re.M)
    assert [(label, int(count)) for label, count, _ in lines] == [
        ("Joint activities", 9),
        ("Partner types", 23),
        ("Pricing models", 8),
        ("Programs and management", 15),
        ("Relationships and ecosystems", 15),
        ("Roles and stakeholders", 7),
        ("Sales and leads", 6),
        ("Strategy and governance", 11),
        ("Tools and platforms", 4),
    ]
    assert sum(int(count) for _, count, _ in lines) == 98
    for label, _, shortcut in lines:
        assert glossary.category(shortcut) == (label, glossary.categories()[label])


def test_one_category_lists_its_terms_as_buttons(glossary: Glossary) -> None:
    found = glossary.category("partner")
    assert found is not None
    message = cards.category_message(*found)
    assert_block_kit_limits(message)
    assert (message.text, texts(message, "header")) == (
        "Partner types: 23 terms",
        ["Partner types (23)"],
    )
    assert [len(b["elements"]) for b in of_type(message, "actions")] == [5, 5, 5, 5, 3]
    assert [b[0] for b in buttons(message)] == [f"define_term_{i}" for i in range(23)]
    assert [b[2] for b in buttons(message)] == [t.term for t in found[1]]


def test_a_long_category_points_to_the_home_tab(glossary: Glossary) -> None:
    message = cards.category_message("Everything", glossary.terms)
    assert_block_kit_limits(message)
    assert len(buttons(message)) == 40
    assert texts(message, "context") == ["…and 58 more: browse them in my Home tab."]


def test_unknown_category_escapes_the_query_and_lists_categories(glossary: Glossary) -> None:
    message = cards.unknown_category_message("<!channel> stuff", glossary)
    assert_block_kit_limits(message)
    assert message.text == "There is no category “&lt;!channel&gt; stuff”."
    assert message.blocks[1:] == cards.categories_message(glossary).blocks


def test_search_results(glossary: Glossary) -> None:
    message = cards.search_message("commission", glossary.search("commission"))
    assert_block_kit_limits(message)
    assert texts(message, "section") == ["*6 entries mention “commission”*, best match first:"]
    assert [b[2] for b in buttons(message)] == [
        "Commission-based pricing",
        "Agent",
        "Referral partner",
        "Affiliate",
        "Hybrid pricing",
        "Partner program",
    ]
    empty = cards.search_message("zzqx", [])
    assert (empty.text, buttons(empty)) == ("Nothing in the glossary mentions “zzqx”.", [])


def test_explanation_three_in_full_then_also_mentioned(service: GlossaryService) -> None:
    text = "OEM and VAR deals, ISV and EQL and MQL"
    explanation = service.explain(channel="C1", thread_ts="1.0", text=text)
    assert explanation is not None
    message = cards.explanation_message(explanation)
    assert_block_kit_limits(message)
    assert [t.split("\n")[0] for t in texts(message, "section")] == [
        "*Original equipment manufacturer (OEM)*",
        "*Value-added reseller (VAR)*",
        "*Independent software vendor (ISV)*",
    ]
    assert texts(message, "context") == [
        "Also mentioned: *Ecosystem Qualified Lead (EQL)*, *Marketing Qualified Lead (MQL)*. "
        "Try `/define &lt;term&gt;`.",
        "📖 Partner glossary · each term is explained once per thread · `/define` anytime",
    ]
    assert message.text.startswith("Glossary: Original equipment manufacturer (OEM), ")
    assert buttons(message) == []


def test_twelve_terms_stay_within_fifty_blocks(glossary: Glossary) -> None:
    terms = list(glossary.terms[:12])
    message = cards.terms_message(glossary, terms, empty="none")
    assert_block_kit_limits(message)
    assert len(message.blocks) == 48
    assert texts(message, "header") == [t.title for t in terms[:8]]
    assert texts(message, "context")[-1] == "Also in the message: " + ", ".join(
        t.title for t in terms[8:]
    )


def test_no_terms_says_so() -> None:
    message = cards.terms_message(Glossary([]), [], empty="I found no glossary terms.")
    assert message.text == "I found no glossary terms."
    assert texts(message, "section") == ["I found no glossary terms."]


def test_shared_card_names_who_shared_it(glossary: Glossary) -> None:
    term = glossary.get(EQL)
    assert term is not None
    message = cards.shared_message(glossary, term, "U123")
    assert_block_kit_limits(message)
    assert texts(message, "context")[-1] == "Shared by <@U123> with /define"
    assert "share_term" not in [b[0] for b in buttons(message)]


@pytest.mark.parametrize("user", ["", "U1", "<!channel>", "U123> <!here", "u123", "B123"])
def test_shared_card_never_mentions_a_malformed_user(glossary: Glossary, user: str) -> None:
    term = glossary.get(EQL)
    assert term is not None
    message = cards.shared_message(glossary, term, user)
    assert_block_kit_limits(message)
    assert not any("Shared by" in t for t in texts(message, "context"))
    assert message.blocks[-1]["type"] == "actions"


def test_ambiguous_fallback_text_is_escaped(glossary: Glossary) -> None:
    terms = tuple(t for t in glossary.terms if "PRM" in t.acronyms)
    query = "PRM <!channel> & co"
    answer = Answer(LookupResult(query, Status.AMBIGUOUS, terms))
    message = cards.answer_message(glossary, answer)
    assert_block_kit_limits(message)
    assert message.text.startswith("“PRM &lt;!channel&gt; &amp; co” has 3 meanings: ")
