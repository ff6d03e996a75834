"""A small glossary with every audience and lifecycle case, as Terms and as the YAML file.

- Ecosystem Qualified Lead (EQL): public, with a partner wording and internal-only fields;
- Deal desk: internal (never where partners read);
- Gold tier: public, one wording;
- Silver tier: deprecated, replaced by Gold tier;
- Bronze tier: deprecated, replaced by the internal Deal desk (nothing to redirect partners to).
"""

from __future__ import annotations

from datetime import date

from bot.terms import Glossary, Term

EQL = "Ecosystem Qualified Lead"
EQL_TITLE = "Ecosystem Qualified Lead (EQL)"
EQL_INTERNAL = "A lead a partner brings, scored by the deal desk before sales sees it."
EQL_PARTNER = "A lead that you, our partner, bring to us."
DESK = "Deal desk"
DESK_TEXT = "The internal team that approves partner discounts and special terms."
GOLD, GOLD_TEXT = "Gold tier", "The top partner tier, with the highest discount."
SILVER, SILVER_TEXT = "Silver tier", "The old middle partner tier."
BRONZE, BRONZE_TEXT = "Bronze tier", "The old entry partner tier."

TERMS = (
    Term(
        EQL,
        "Sales and leads",
        EQL_INTERNAL,
        acronyms=("EQL",),
        related=(DESK, GOLD),
        partner_definition=EQL_PARTNER,
        owner="U0OWNER",
        reviewed=date(2026, 1, 5),
        review_every_days=180,
    ),
    Term(DESK, "Programs and management", DESK_TEXT, audience="internal", related=(EQL,)),
    Term(GOLD, "Programs and management", GOLD_TEXT, audience="partner"),
    Term(SILVER, "Programs and management", SILVER_TEXT, status="deprecated", replaced_by=GOLD),
    Term(BRONZE, "Programs and management", BRONZE_TEXT, status="deprecated", replaced_by=DESK),
)

YAML = f"""\
terms:
  - term: {EQL}
    acronym: EQL
    category: Sales and leads
    definition: {EQL_INTERNAL}
    partner_definition: {EQL_PARTNER}
    owner: U0OWNER
    reviewed: 2026-01-05
    review_every: 180d
    related: [{DESK}, {GOLD}]
  - term: {DESK}
    category: Programs and management
    audience: internal
    definition: {DESK_TEXT}
    related: [{EQL}]
  - term: {GOLD}
    category: Programs and management
    audience: partner
    definition: {GOLD_TEXT}
  - term: {SILVER}
    category: Programs and management
    status: deprecated
    replaced_by: {GOLD}
    definition: {SILVER_TEXT}
"""
"""The glossary file for end-to-end runs: the same terms but Bronze tier, which they do not use."""


def partner_glossary() -> Glossary:
    return Glossary(TERMS).warm()
