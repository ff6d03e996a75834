"""Messages reuse blocks built for the same content (``render.blocks``): a repeat renders the
same message in a list of its own, one view's wording never shows in another's whichever was
rendered first, a button is only where it was asked for, and Slack's limits hold on a repeat as
on the first render."""

from __future__ import annotations

from typing import Any

from bot.replies import Card, Explanation, View
from bot.service import GlossaryService
from bot.slack.render import answers, blocks, cards
from bot.store import MemoryStore
from bot.store.base import Workspace
from bot.terms import Glossary, Term
from tests.blockkit_limits import assert_block_kit_limits
from tests.partner_terms import (
    DESK,
    EQL,
    EQL_INTERNAL,
    EQL_PARTNER,
    EQL_TITLE,
    GOLD,
    partner_glossary,
)

WS = Workspace(None, "T0TEST")


def sections(message: cards.Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(action_id, value) of every button: section accessories, then actions, in order."""
    found = [
        (b["accessory"]["action_id"], b["accessory"]["value"]) for b in blocks if "accessory" in b
    ]
    rows = [b["elements"] for b in blocks if b["type"] == "actions"]
    return found + [(e["action_id"], e["value"]) for row in rows for e in row]


def test_a_repeat_renders_the_same_message_in_a_list_of_its_own() -> None:
    terms = (Term("EQL", "Sales", "A lead"), Term("MQL", "Sales", "A lead, less so"))
    first = cards.explanation_message(Explanation(terms[:1], terms[1:]))
    again = cards.explanation_message(Explanation(terms[:1], terms[1:]))
    assert again == first
    assert again.blocks is not first.blocks
    assert [b["type"] for b in again.blocks] == ["section", "context", "context"]


def test_each_view_gets_its_own_wording_whichever_rendered_first() -> None:
    service = GlossaryService(partner_glossary(), MemoryStore())
    shown = []
    for channel, view in (("C1", View.INTERNAL), ("C2", View.PARTNER), ("C3", View.INTERNAL)):
        explanation = service.claim_explanation(WS, channel, "1.0", [EQL], 0.0, view=view)
        assert explanation is not None
        shown.append(sections(cards.explanation_message(explanation)))
    assert shown == [
        [f"*{EQL_TITLE}*\n{EQL_INTERNAL}"],
        [f"*{EQL_TITLE}*\n{EQL_PARTNER}"],
        [f"*{EQL_TITLE}*\n{EQL_INTERNAL}"],
    ]


def test_a_long_definition_is_clipped_on_every_render() -> None:
    term = Term("Long & <odd>", "Odd", "Q&A " * 1000)
    glossary = Glossary([term])
    explanation = Explanation((glossary.get(term.term) or term,))
    for _ in range(2):
        message = cards.explanation_message(explanation)
        assert_block_kit_limits(message)
        (text,) = sections(message)
        assert text.startswith("*Long &amp; &lt;odd&gt;*\nQ&amp;A Q&amp;A")
        assert (len(text) <= 3000, text[-1]) == (True, "…")


def test_a_define_answer_renders_the_same_message_in_a_list_of_its_own() -> None:
    service = GlossaryService(partner_glossary(), MemoryStore())
    first = answers.define_message(service.define("EQL"))
    again = answers.define_message(service.define("EQL"))
    assert again == first
    assert again.blocks is not first.blocks
    assert [b["type"] for b in again.blocks] == [
        "header",
        "section",
        "context",
        "context",
        "actions",
    ]
    assert buttons(again.blocks) == [
        ("share_term", EQL),
        ("define_term_0", DESK),
        ("define_term_1", GOLD),
    ]


def test_each_card_gets_its_own_wording_whichever_rendered_first() -> None:
    """The same term as a partner card, an internal card and a private (labelled) card."""
    service = GlossaryService(partner_glossary(), MemoryStore())
    partner, internal = [EQL_PARTNER], [EQL_INTERNAL]
    labelled = [f"*Internal:* {EQL_INTERNAL}\n*What partners see:* {EQL_PARTNER}"]
    shown = [
        sections(answers.ask_message(service.ask("EQL", View.PARTNER))),
        sections(answers.define_message(service.define("EQL"))),
        sections(answers.ask_message(service.ask("EQL", View.INTERNAL))),
        sections(answers.ask_message(service.ask("EQL", View.PARTNER))),
        sections(answers.define_message(service.define("EQL"))),
    ]
    assert shown == [partner, labelled, internal, partner, labelled]


def test_the_share_button_is_only_on_cards_that_offer_it() -> None:
    service = GlossaryService(partner_glossary(), MemoryStore())
    card = service.card(EQL)
    assert card is not None
    offered = [
        buttons(cards.term_message(card, shareable=shareable).blocks)[0][0]
        for shareable in (True, False, True, False)
    ]
    assert offered == ["share_term", "define_term_0", "share_term", "define_term_0"]


def test_related_buttons_carry_the_action_of_their_card() -> None:
    """The Home modal's card and a /define card of the same term share blocks but not buttons."""
    service = GlossaryService(partner_glossary(), MemoryStore())
    card = service.card(EQL)
    assert card is not None
    modal = [b.to_dict() for b in cards.term_blocks(card.term, card.related, action="modal_term")]
    define = cards.term_message(card, shareable=False).blocks
    assert modal[:3] == define[:3]
    assert buttons(modal) == [("modal_term_0", DESK), ("modal_term_1", GOLD)]
    assert buttons(define) == [("define_term_0", DESK), ("define_term_1", GOLD)]


def test_an_oversized_card_is_clipped_on_every_render(huge_term: Term) -> None:
    card = Card(huge_term, (Term("R & <D>" * 20, "Odd", "x"),), labelled=True)
    first = cards.term_message(card)
    for message in (first, cards.term_message(card)):
        assert_block_kit_limits(message)
        assert message == first
        assert message.blocks[0]["text"]["text"] == "Giant & <Term> " + "N" * 134 + "…"


TYPED = (  # each line: what five people typed, with the same answer each time
    [f"zorb{n}" for n in range(5)],  # nothing found
    [
        "PARTNR PORTL",
        "PARTNR PORTl",
        "PARTNR PORtL",
        "PARTNR POrTL",
        "PARTNr PORTL",
    ],  # did you mean
    ["search partner", "search Partner", "search PARTNER", "search pArtner", "search paRtner"],
    [f"list zorb{n}" for n in range(5)],  # no such category
    ["PRM", "prm", "Prm", "pRM", "PrM"],  # several meanings
    [f"search zorb{n}" for n in range(5)],  # nothing mentions it
    ["Ideal Partner Profile", "ideal partner profile", "IDEAL PARTNER PROFILE", "IPP", "ipp"],
)  # (the last: internal, so for partners "no partner-facing entry")


def test_what_someone_typed_is_not_kept_in_the_caches(service: GlossaryService) -> None:
    """Answers that quote the asker (and "shared by" lines) are built for that message only
    (PRIVACY.md: the bot keeps no text people type beyond the lookups it lists); the bot's own
    words and the glossary's are kept."""
    caches = (blocks.section, blocks.context, blocks.actions, blocks.header)
    card = service.card("Partner portal")
    assert card is not None
    sizes = []
    for n in range(5):
        for texts in TYPED:
            answers.define_message(service.define(texts[n]))
            answers.ask_message(service.ask(texts[n], View.PARTNER))
        cards.shared_message(card, f"U0USER{n}")
        sizes.append([c.cache_info().currsize for c in caches])
    assert sizes[1:] == sizes[:1] * 4
