"""Thread explanations reuse blocks built for the same text (render.cards ``_section`` and
``_context``): a repeat renders the same message, one view's wording never shows in the
other's, and Slack's limits hold on a repeat as on the first render."""

from __future__ import annotations

from bot.replies import Explanation, View
from bot.service import GlossaryService
from bot.slack.render import cards
from bot.store import MemoryStore
from bot.store.base import Workspace
from bot.terms import Glossary, Term
from tests.blockkit_limits import assert_block_kit_limits
from tests.partner_terms import EQL, EQL_INTERNAL, EQL_PARTNER, EQL_TITLE, partner_glossary

WS = Workspace(None, "T0TEST")


def sections(message: cards.Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


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
