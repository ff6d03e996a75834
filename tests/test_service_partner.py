"""GlossaryService in the partner view, deprecations and channel settings (tests/partner_terms).

Pinned down: in the partner view an internal term is no card, no related button, no "did you
mean", no search result and no explanation (and is not claimed), a lookup of one says there is
no partner-facing entry, the partner wording replaces the definition and internal-only fields
are gone; ``/define`` labels its cards; deprecated terms carry their replacement (none when the
replacement is internal and partners read); a channel's settings override the cooldown and the
number of terms, turn explanations off or pause them, and an opted-out author is not explained;
a mention that is a long sentence is no lookup to record.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.replies import Answer, Card, Explanation, TermList, View
from bot.service import GlossaryService
from bot.store import MemoryStore
from bot.store.base import ChannelSettings, Workspace
from bot.terms import Status
from tests.fakes import T0
from tests.partner_terms import (
    BRONZE,
    DESK,
    EQL,
    EQL_INTERNAL,
    EQL_PARTNER,
    GOLD,
    SILVER,
    partner_glossary,
)

WS = Workspace(None, "T0TEST")
HOUR = 3600.0


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(store: MemoryStore) -> GlossaryService:
    return GlossaryService(partner_glossary(), store, clock=lambda: T0)


def only_card(answer: object) -> Card:
    assert isinstance(answer, Answer)
    (card,) = answer.cards
    return card


# --- lookups ----------------------------------------------------------------------------------


def test_the_partner_view_shows_the_partner_wording_and_no_internal_field(
    service: GlossaryService,
) -> None:
    card = only_card(service.lookup("EQL", View.PARTNER))
    term = card.term
    assert (term.term, term.definition, term.partner_definition) == (EQL, EQL_PARTNER, None)
    assert (term.owner, term.reviewed, term.review_every_days) == (None, None, None)
    assert [t.term for t in card.related] == [GOLD]  # Deal desk is internal
    assert (card.replacement, card.labelled) == (None, False)


def test_the_internal_view_keeps_everything(service: GlossaryService) -> None:
    card = only_card(service.lookup("EQL"))
    assert (card.term.definition, card.term.owner) == (EQL_INTERNAL, "U0OWNER")
    assert [t.term for t in card.related] == [DESK, GOLD]


def test_an_internal_term_has_no_partner_facing_entry(service: GlossaryService) -> None:
    answer = service.lookup("what is the deal desk?", View.PARTNER)
    assert (answer.hidden, answer.cards, answer.searched) == (True, (), ())
    assert answer.counted == DESK  # found, so no miss
    assert only_card(service.lookup("deal desk")).term.term == DESK


def test_partners_are_offered_no_internal_term_as_did_you_mean(
    service: GlossaryService,
) -> None:
    internal = service.lookup("deal dask")
    assert (internal.status, [t.term for t in internal.result.terms]) == (Status.SUGGEST, [DESK])
    partner = service.lookup("deal dask", View.PARTNER)
    assert (partner.status, partner.result.terms, partner.hidden) == (Status.NONE, (), False)
    assert all(t.term != DESK for t in partner.searched)


def test_define_is_private_so_its_cards_are_labelled(service: GlossaryService) -> None:
    card = only_card(service.define("EQL"))
    assert (card.labelled, card.term.definition, card.term.partner_definition) == (
        True,
        EQL_INTERNAL,
        EQL_PARTNER,
    )
    assert only_card(service.define("deal desk")).labelled is True


def test_a_mention_in_the_partner_view_names_only_partner_terms(
    service: GlossaryService,
) -> None:
    reply = service.ask("do the deal desk and gold tier apply to EQLs?", View.PARTNER)
    assert isinstance(reply, TermList)
    assert [(c.term.term, c.term.definition) for c in reply.cards] == [
        (GOLD, "The top partner tier, with the highest discount."),
        (EQL, EQL_PARTNER),
    ]
    hidden = service.ask("what's the deal desk?", View.PARTNER)
    assert isinstance(hidden, Answer) and hidden.hidden


def test_the_shortcut_in_the_partner_view_lists_no_internal_term(
    service: GlossaryService,
) -> None:
    names = [c.term.term for c in service.terms_in("deal desk EQL", View.PARTNER).cards]
    assert names == [EQL]
    assert service.terms_in("the deal desk", View.PARTNER).cards == ()


def test_a_long_sentence_in_a_mention_is_answered_but_is_no_lookup(
    service: GlossaryService,
) -> None:
    long = service.ask("can you join the partner call at three tomorrow please")
    short = service.ask("what's a zorb?")
    assert isinstance(long, Answer) and isinstance(short, Answer)
    assert (long.status, long.counts) == (Status.NONE, False)
    assert (short.status, short.counts, short.asked) == (Status.NONE, True, "zorb")


def test_card_by_name_follows_the_view(service: GlossaryService) -> None:
    assert service.card(DESK, View.PARTNER) is None
    partner = service.card(EQL, View.PARTNER)
    assert partner is not None and partner.term.definition == EQL_PARTNER


# --- deprecation ------------------------------------------------------------------------------


def test_a_deprecated_term_points_to_its_replacement(service: GlossaryService) -> None:
    card = only_card(service.lookup("silver tier"))
    assert (card.term.term, card.replacement and card.replacement.term) == (SILVER, GOLD)


def test_a_replacement_partners_may_not_see_is_not_offered_to_them(
    service: GlossaryService,
) -> None:
    assert only_card(service.lookup(BRONZE)).replacement is not None
    assert only_card(service.lookup(BRONZE, View.PARTNER)).replacement is None


# --- explanations -----------------------------------------------------------------------------


def names(explanation: Explanation | None) -> tuple[list[str], list[str]]:
    assert explanation is not None
    return [t.term for t in explanation.full], [t.term for t in explanation.more]


def test_partners_never_hear_an_internal_term_and_it_stays_unclaimed(
    service: GlossaryService,
) -> None:
    found = service.claim_explanation(WS, "C1", "1.0", [DESK, EQL], T0, view=View.PARTNER)
    assert names(found) == ([EQL], [])
    assert found is not None and found.full[0].definition == EQL_PARTNER
    assert service.claim_explanation(WS, "C1", "1.0", [DESK], T0, view=View.PARTNER) is None
    # Not claimed: the internal view of the same thread may still explain it.
    assert names(service.claim_explanation(WS, "C1", "1.0", [DESK], T0)) == ([DESK], [])


def test_an_explanation_redirects_deprecated_terms(service: GlossaryService) -> None:
    found = service.claim_explanation(WS, "C1", "1.0", [SILVER, EQL], T0)
    assert found is not None
    assert [(old, new.term) for old, new in found.replacements] == [(SILVER, GOLD)]


def test_channel_settings_override_max_terms_and_cooldown(service: GlossaryService) -> None:
    settings = ChannelSettings(max_terms=1, cooldown_hours=1.0)
    found = service.claim_explanation(WS, "C1", "1.0", [EQL, GOLD], T0, settings=settings)
    assert names(found) == ([EQL], [GOLD])
    later = T0 + 1.5 * HOUR  # past the channel's hour, far inside the bot's 24 hours
    again = service.claim_explanation(WS, "C1", "2.0", [EQL], later, settings=settings)
    assert names(again) == ([EQL], [])
    assert service.claim_explanation(WS, "C1", "3.0", [EQL], later + HOUR) is None


def test_explanations_follow_the_channel_and_the_author(
    service: GlossaryService, store: MemoryStore
) -> None:
    assert service.explain_settings(WS, "C1", "U1", T0) == ChannelSettings()
    store.set_channel_settings(WS, "C2", ChannelSettings(explain=False))
    store.set_channel_settings(WS, "C3", ChannelSettings(paused_until=T0 + HOUR))
    store.set_opted_out(WS, "U2", True, T0)
    assert service.explain_settings(WS, "C2", "U1", T0) is None
    assert service.explain_settings(WS, "C3", "U1", T0) is None
    assert service.explain_settings(WS, "C3", "U1", T0 + HOUR) is not None  # the pause ended
    assert service.explain_settings(WS, "C1", "U2", T0) is None
    assert service.explain_settings(WS, "C1", "", T0) is not None


def test_partner_view_is_read_from_the_channel_settings(
    service: GlossaryService, store: MemoryStore
) -> None:
    store.set_channel_settings(WS, "C4", replace(ChannelSettings(), partner_view=True))
    assert (service.partner_view(WS, "C4"), service.partner_view(WS, "C1")) == (True, False)
