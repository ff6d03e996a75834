"""``diff_terms``: what a reload changed in what terms say, as an announcement reports it."""

from __future__ import annotations

from dataclasses import replace

from bot.changes import Changes, Deprecated, diff_terms
from bot.terms.model import Term

ISV = Term("Independent software vendor", "Partners", "A company that sells software.")
VAR = Term("Value-added reseller", "Partners", "Resells with services on top.")
MDF = Term("Market development funds", "Money", "Money for joint marketing.", owner="U0OWNER")
GOLD = Term("Gold tier", "Tiers", "The top partner tier.")
ELITE = Term("Elite tier", "Tiers", "The new top partner tier.")


def names(terms: tuple[Term, ...]) -> list[str]:
    return [t.term for t in terms]


def test_nothing_changed_is_an_empty_and_falsy_changes() -> None:
    changes = diff_terms([ISV, VAR], [VAR, ISV])
    assert changes == Changes()
    assert not changes


def test_added_changed_removed_and_deprecated_are_each_reported_alphabetically() -> None:
    before = [ISV, VAR, MDF, GOLD]
    after = [
        replace(ISV, definition="A company that builds and sells software."),
        MDF,
        replace(GOLD, status="deprecated", replaced_by="Elite tier"),
        ELITE,
        Term("Co-sell", "Sales", "Selling together with a partner."),
    ]
    changes = diff_terms(before, after)
    assert names(changes.added) == ["Co-sell", "Elite tier"]
    assert names(changes.changed) == ["Independent software vendor"]
    assert changes.deprecated == (Deprecated(after[2], ELITE),)
    assert names(changes.removed) == ["Value-added reseller"]
    assert changes


def test_a_changed_partner_definition_is_a_change() -> None:
    before = replace(VAR, partner_definition="A reseller.")
    after = replace(VAR, partner_definition="A reseller that adds services.")
    assert names(diff_terms([before], [after]).changed) == ["Value-added reseller"]


def test_whitespace_owner_review_dates_and_aliases_are_not_changes() -> None:
    after = replace(
        MDF,
        definition="Money for\n  joint   marketing. ",
        owner="U0OTHER",
        review_every_days=90,
        aliases=("MDF funds",),
        source="glossary/money.yaml",
        line=40,
    )
    assert diff_terms([MDF], [after]) == Changes()


def test_drafts_are_absent_so_publishing_one_is_new_and_unpublishing_is_removed() -> None:
    draft = replace(ELITE, status="draft")
    assert diff_terms([ISV], [ISV, draft]) == Changes()
    assert names(diff_terms([ISV, draft], [ISV, ELITE]).added) == ["Elite tier"]
    assert names(diff_terms([ISV, ELITE], [ISV, draft]).removed) == ["Elite tier"]


def test_a_new_successor_for_a_deprecated_term_is_reported_again_and_same_one_is_not() -> None:
    old = replace(GOLD, status="deprecated", replaced_by="Elite tier")
    platinum = Term("Platinum tier", "Tiers", "The top tier, renamed again.")
    new = replace(GOLD, status="deprecated", replaced_by="platinum TIER")
    assert diff_terms([old, ELITE, platinum], [new, ELITE, platinum]).deprecated == (
        Deprecated(new, platinum),
    )
    assert diff_terms([old, ELITE], [old, ELITE]) == Changes()


def test_a_deprecation_without_a_known_successor_names_none() -> None:
    gone = replace(GOLD, status="deprecated")
    assert diff_terms([GOLD], [gone]).deprecated == (Deprecated(gone, None),)


def test_undeprecating_a_term_is_a_change() -> None:
    old = replace(GOLD, status="deprecated", replaced_by="Elite tier")
    assert names(diff_terms([old, ELITE], [GOLD, ELITE]).changed) == ["Gold tier"]


def test_names_match_case_insensitively_so_a_recased_name_is_no_change() -> None:
    assert diff_terms([ISV], [replace(ISV, term="independent software vendor")]) == Changes()


def test_a_rename_is_the_old_name_removed_and_the_new_one_added() -> None:
    changes = diff_terms([GOLD], [replace(GOLD, term="Gold level")])
    assert (names(changes.added), names(changes.removed)) == (["Gold level"], ["Gold tier"])


def test_an_internal_rewording_under_the_same_partner_wording_is_marked_internal() -> None:
    """Partners read the partner wording; when only the definition behind it changed, the
    change is listed for colleagues but marked, so a shared channel is not told of it."""
    before = replace(VAR, partner_definition="A reseller.")
    internal = replace(before, definition="Resells with services; margins are 30%.")
    assert diff_terms([before], [internal]) == Changes(
        changed=(internal,), internal_wording=(internal,)
    )
    dropped = replace(before, partner_definition=None)  # partners now read the definition
    assert diff_terms([before], [dropped]) == Changes(changed=(dropped,))
