"""render.cards and render.answers for partner-safe answers, labelled private cards and
deprecations, literally.

Pinned down: a private card shows both wordings labelled "Internal" / "What partners see", or
"Internal only: not shown in shared channels"; a partner card shows only the partner wording;
"*X* is deprecated; use *Y*" with Y's definition on cards and in thread explanations; the
answer about an internal term where partners read says there is no partner-facing entry and
shows none of its words; a shared card is never labelled; the "internal, not shared" notice;
both wordings survive clipping within Slack's 3,000-character section.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.replies import View
from bot.service import GlossaryService
from bot.slack.render import answers, cards
from bot.slack.render.cards import Message
from bot.store import MemoryStore
from bot.store.base import Workspace
from bot.terms import Glossary, Term
from tests.blockkit_limits import assert_block_kit_limits
from tests.partner_terms import (
    BRONZE,
    BRONZE_TEXT,
    DESK,
    DESK_TEXT,
    EQL,
    EQL_INTERNAL,
    EQL_PARTNER,
    EQL_TITLE,
    GOLD,
    GOLD_TEXT,
    SILVER,
    partner_glossary,
)

WS = Workspace(None, "T0TEST")


@pytest.fixture
def service() -> GlossaryService:
    return GlossaryService(partner_glossary(), MemoryStore())


def checked(message: Message) -> Message:
    assert_block_kit_limits(message)
    return message


def sections(message: Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def test_a_private_card_labels_both_wordings(service: GlossaryService) -> None:
    message = checked(answers.define_message(service.define("EQL")))
    assert sections(message) == [f"*Internal:* {EQL_INTERNAL}\n*What partners see:* {EQL_PARTNER}"]
    assert message.text == f"{EQL_TITLE}: {EQL_INTERNAL}"


def test_a_private_card_of_an_internal_term_says_partners_never_see_it(
    service: GlossaryService,
) -> None:
    message = checked(answers.define_message(service.define("deal desk")))
    assert sections(message) == [f"{DESK_TEXT}\n_Internal only: not shown in shared channels._"]


def test_a_private_card_with_one_wording_needs_no_labels(service: GlossaryService) -> None:
    assert sections(checked(answers.define_message(service.define("gold tier")))) == [GOLD_TEXT]


def test_a_partner_card_shows_the_partner_wording_only(service: GlossaryService) -> None:
    message = checked(answers.ask_message(service.ask("EQL", View.PARTNER)))
    assert sections(message) == [EQL_PARTNER]
    assert message.text == f"{EQL_TITLE}: {EQL_PARTNER}"
    words = str(message.blocks)
    assert EQL_INTERNAL not in words and DESK not in words  # nor its related internal term


def test_an_internal_term_asked_where_partners_read_has_no_entry(
    service: GlossaryService,
) -> None:
    message = checked(answers.ask_message(service.ask("what is the deal desk?", View.PARTNER)))
    text = "Sorry, there is no partner-facing glossary entry for “what is the deal desk?”."
    assert (message.text, sections(message)) == (text, [text])
    assert DESK_TEXT not in str(message.blocks) and "suggest_term" not in str(message.blocks)


def test_a_deprecated_term_redirects_on_its_card(service: GlossaryService) -> None:
    message = checked(answers.answer_message(service.lookup("silver tier")))
    assert sections(message) == [f"*{SILVER}* is deprecated; use *{GOLD}*.\n{GOLD_TEXT}"]
    assert message.text == f"{SILVER} is deprecated; use {GOLD}: {GOLD_TEXT}"


def test_a_deprecated_term_redirects_in_a_thread_explanation(service: GlossaryService) -> None:
    explanation = service.claim_explanation(WS, "C1", "1.0", [SILVER, EQL], 0.0, view=View.PARTNER)
    assert explanation is not None
    message = checked(cards.explanation_message(explanation))
    assert sections(message) == [
        f"*{SILVER}* is deprecated; use *{GOLD}*.\n{GOLD_TEXT}",
        f"*{EQL_TITLE}*\n{EQL_PARTNER}",
    ]


def test_a_shared_card_is_never_labelled(service: GlossaryService) -> None:
    card = service.card(EQL)
    assert card is not None
    message = checked(cards.shared_message(replace(card, labelled=True), "U0USER"))
    assert sections(message) == [EQL_INTERNAL]


def test_the_withheld_notice_names_the_term_only() -> None:
    message = checked(cards.withheld_message("Deal <desk>"))
    text = "“Deal &lt;desk&gt;” is internal: I don't share it in channels with partners."
    assert (message.text, sections(message)) == (text, [text])


def test_both_long_wordings_fit_one_section() -> None:
    term = Term("Long", "Odd", "i" * 5000, partner_definition="p" * 5000)
    glossary = Glossary([term])
    service = GlossaryService(glossary, MemoryStore())
    (text,) = sections(checked(answers.define_message(service.define("Long"))))
    internal, partner = text.split("\n")
    assert internal == "*Internal:* " + "i" * 1399 + "…"
    assert partner == "*What partners see:* " + "p" * 1399 + "…"


def test_a_deprecated_term_without_a_replacement_to_show_still_says_so(
    service: GlossaryService,
) -> None:
    explanation = service.claim_explanation(WS, "C1", "1.0", [BRONZE], 0.0, view=View.PARTNER)
    assert explanation is not None
    assert sections(checked(cards.explanation_message(explanation))) == [
        f"*{BRONZE}* is deprecated.\n{BRONZE_TEXT}"
    ]
