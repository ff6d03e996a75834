"""bot.terms.governance_rules through the loader: audience, owner, review and lifecycle fields.

Each bad value is pinned with the exact ``file:line: message`` that ``python -m bot check``
prints, on a glossary written to ``tmp_path``, checked as of a fixed date (2026-11-30) so the
"in the future" rule never depends on the clock.
"""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest

from bot import cli
from bot.terms import Term, read_glossary
from bot.terms.loader import iter_problems

TODAY = date(2026, 11, 30)
BROKER = "  - {term: Broker, category: C, definition: Brokers broker.}\n"
AGENT = "terms:\n  - {term: Agent, category: C, definition: D.}\n"
BROKER_FILE = "terms:\n" + BROKER


def problems_in(tmp_path: Path, text: str) -> list[str]:
    """The problems of ``g.yaml`` holding ``text`` (dedented), paths relative to tmp_path."""
    (tmp_path / "g.yaml").write_text(dedent(text), encoding="utf-8")
    _, found = read_glossary(tmp_path / "g.yaml", TODAY)
    return [line.replace(f"{tmp_path}{os.sep}", "") for line in iter_problems(found)]


def entry(fields: str) -> str:
    """A file with one valid Agent entry (line 2) plus ``fields`` in flow style, and a Broker."""
    return f"terms:\n  - {{term: Agent, category: C, definition: D., {fields}}}\n" + BROKER


BAD = {
    "audience_unknown": (
        entry("audience: secret"),
        ["g.yaml:2: 'Agent': 'audience' must be internal, partner or public, not 'secret'"],
    ),
    "partner_definition_empty": (
        entry("partner_definition: ' '"),
        ["g.yaml:2: 'Agent': 'partner_definition' is empty"],
    ),
    "partner_definition_not_text": (
        entry("partner_definition: [a, b]"),
        ["g.yaml:2: 'Agent': 'partner_definition' must be text, got a list"],
    ),
    "partner_definition_on_internal": (
        entry("audience: internal, partner_definition: Agents help."),
        [
            "g.yaml:2: 'Agent': an internal term cannot have a 'partner_definition' "
            "(partners never see it); remove one of them"
        ],
    ),
    "partner_definition_on_internal_by_default": (
        "defaults: {audience: internal}\n" + entry("partner_definition: Agents help."),
        [
            "g.yaml:3: 'Agent': an internal term (internal by the file's 'defaults') cannot "
            "have a 'partner_definition' (partners never see it); remove one of them"
        ],
    ),
    "bad_audience_under_an_internal_default": (
        "defaults: {audience: internal}\n" + entry("audience: secret, partner_definition: P."),
        ["g.yaml:3: 'Agent': 'audience' must be internal, partner or public, not 'secret'"],
    ),
    "owner_a_name": (
        entry("owner: bob"),
        [
            "g.yaml:2: 'Agent': 'owner' must be a Slack user id (U…/W…), a user-group id (S…) "
            "or an email, not 'bob'"
        ],
    ),
    "owner_a_channel": (
        entry("owner: C0123ABCD"),
        [
            "g.yaml:2: 'Agent': 'owner' must be a Slack user id (U…/W…), a user-group id (S…) "
            "or an email, not 'C0123ABCD'"
        ],
    ),
    "owner_a_number": (
        entry("owner: 42"),
        ["g.yaml:2: 'Agent': 'owner' must be text, got a number"],
    ),
    "reviewed_impossible_date": (
        entry("reviewed: 2026-13-40"),
        ["g.yaml:2: 'Agent': 'reviewed' must be a date like 2026-11-30, not '2026-13-40'"],
    ),
    "reviewed_impossible_quoted_date": (
        entry("reviewed: '2026-02-30'"),
        ["g.yaml:2: 'Agent': 'reviewed' must be a date like 2026-11-30, not '2026-02-30'"],
    ),
    "reviewed_other_format": (
        entry("reviewed: 30/11/2026"),
        ["g.yaml:2: 'Agent': 'reviewed' must be a date like 2026-11-30, not '30/11/2026'"],
    ),
    "reviewed_with_a_time": (
        entry("reviewed: 2026-11-30 10:00:00"),
        ["g.yaml:2: 'Agent': 'reviewed' must be a date like 2026-11-30, not '2026-11-30 10:00:00'"],
    ),
    "reviewed_in_the_future": (
        entry("reviewed: 2026-12-02"),
        ["g.yaml:2: 'Agent': 'reviewed' 2026-12-02 is in the future"],
    ),
    "review_every_in_months": (
        entry("review_every: 6 months"),
        [
            "g.yaml:2: 'Agent': 'review_every' must be days or weeks like 180d or 26w, "
            "not '6 months'"
        ],
    ),
    "review_every_a_bare_number": (
        entry("review_every: 180"),
        ["g.yaml:2: 'Agent': 'review_every' must be days or weeks like 180d or 26w, not '180'"],
    ),
    "review_every_zero": (
        entry("review_every: 0d"),
        ["g.yaml:2: 'Agent': 'review_every' must be days or weeks like 180d or 26w, not '0d'"],
    ),
    "status_unknown": (
        entry("status: retired"),
        ["g.yaml:2: 'Agent': 'status' must be draft, active or deprecated, not 'retired'"],
    ),
    "replaced_by_on_an_active_term": (
        entry("replaced_by: Broker"),
        ["g.yaml:2: 'Agent': 'replaced_by' is only for a deprecated term (add status: deprecated)"],
    ),
    "replaced_by_unknown": (
        entry("status: deprecated, replaced_by: Brokr"),
        ["g.yaml:2: 'Agent': replaced_by 'Brokr' is not in the glossary (did you mean 'Broker'?)"],
    ),
    "replaced_by_unknown_without_a_hint": (
        entry("status: deprecated, replaced_by: Reseller"),
        ["g.yaml:2: 'Agent': replaced_by 'Reseller' is not in the glossary"],
    ),
    "replaced_by_deprecated": (
        entry("status: deprecated, replaced_by: broker")
        + "  - {term: Dealer, category: C, definition: D., status: deprecated}\n"
        + "  - {term: Seller, category: C, definition: D., status: deprecated, "
        "replaced_by: Dealer}\n",
        ["g.yaml:5: 'Seller': replaced_by 'Dealer' is deprecated itself; name an active term"],
    ),
    "replaced_by_itself": (
        entry("status: deprecated, replaced_by: Agent"),
        ["g.yaml:2: 'Agent': a term cannot be replaced by itself"],
    ),
    "replaced_by_a_chain_of_deprecations": (
        entry("status: deprecated, replaced_by: Dealer")
        + "  - {term: Dealer, category: C, definition: D., status: deprecated, "
        "replaced_by: Agent}\n",
        [
            "g.yaml:2: 'Agent': replaced_by 'Dealer' is deprecated itself; name an active term",
            "g.yaml:4: 'Dealer': replaced_by 'Agent' is deprecated itself; name an active term",
        ],
    ),
    "replaced_by_with_a_misspelt_status": (
        entry("status: Deprecated, replaced_by: Broker"),
        [
            "g.yaml:2: 'Agent': 'status' must be draft, active or deprecated (in lower case), "
            "not 'Deprecated'"
        ],
    ),
    "audience_a_list": (
        entry("audience: [internal]"),
        ["g.yaml:2: 'Agent': 'audience' must be internal, partner or public, got a list"],
    ),
    "lists_with_an_item_twice": (
        entry("acronym: [AG, AG], related: [Broker, Broker]"),
        [
            "g.yaml:2: 'Agent': acronym 'AG' is listed twice",
            "g.yaml:2: 'Agent': related term 'Broker' is listed twice",
        ],
    ),
    "replaced_by_a_draft": (
        entry("status: deprecated, replaced_by: Dealer")
        + "  - {term: Dealer, category: C, definition: D., status: draft}\n",
        ["g.yaml:2: 'Agent': replaced_by 'Dealer' is a draft; name an active term"],
    ),
    "related_to_a_draft": (
        entry("related: [Dealer]")
        + "  - {term: Dealer, category: C, definition: D., status: draft, related: [Agent]}\n",
        ["g.yaml:2: 'Agent': related term 'Dealer' is a draft (never shown)"],
    ),
    "defaults_unknown_keys": (
        """\
        defaults:
          reveiw_every: 90d
          owner: U012AB3CD
        terms:
          - {term: Agent, category: C, definition: D.}
        """,
        [
            "g.yaml:2: unknown field 'reveiw_every' in 'defaults' (did you mean 'review_every'?)",
            "g.yaml:3: unknown field 'owner' in 'defaults' (only audience and review_every)",
        ],
    ),
    "defaults_bad_values": (
        """\
        defaults:
          audience: partners
          review_every: yearly
        terms:
          - {term: Agent, category: C, definition: D.}
        """,
        [
            "g.yaml:2: 'defaults': 'audience' must be internal, partner or public, not 'partners'",
            "g.yaml:3: 'defaults': 'review_every' must be days or weeks like 180d or 26w, "
            "not 'yearly'",
        ],
    ),
    "defaults_not_a_mapping": (
        "defaults: [365d]\n" + entry("owner: U012AB3CD"),
        ["g.yaml:1: 'defaults' must be a mapping with audience and/or review_every"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), BAD.values(), ids=BAD.keys())
def test_every_bad_governance_value_is_reported_on_its_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert problems_in(tmp_path, text) == expected


def test_problems_land_on_the_line_of_their_key(tmp_path: Path) -> None:
    text = """\
    terms:
      - term: Agent
        category: C
        definition: D.
        owner: someone
        reviewed: 2026-13-40
        status: deprecated
        replaced_by: Brokr
    """
    # An entry with problems of its own is not cross-checked (its replaced_by waits for them).
    assert problems_in(tmp_path, text + BROKER) == [
        "g.yaml:5: 'Agent': 'owner' must be a Slack user id (U…/W…), a user-group id (S…) "
        "or an email, not 'someone'",
        "g.yaml:6: 'Agent': 'reviewed' must be a date like 2026-11-30, not '2026-13-40'",
    ]


def test_good_values_become_term_fields_and_defaults_apply(tmp_path: Path) -> None:
    text = """\
    defaults:
      audience: partner
      review_every: 26w
    terms:
      - term: Agent
        category: C
        definition: D.
        audience: internal
        owner: U012AB3CD
        reviewed: 2026-06-01
        review_every: 90d
      - term: Broker
        category: C
        definition: D.
        partner_definition: >-
          Brokers   match
          buyers.
        owner: S0PARTNERS
        reviewed: "2026-12-01"
      - {term: Dealer, category: C, definition: D., owner: ops@example.com, status: draft}
      - {term: Seller, category: C, definition: D., status: deprecated, replaced_by: " Broker "}
      - {term: Vendor, category: C, definition: D., owner: W012AB3CD, status: active}
    """
    assert problems_in(tmp_path, text) == []
    terms, _ = read_glossary(tmp_path / "g.yaml", TODAY)
    source = str(tmp_path / "g.yaml")
    assert terms == [
        Term("Agent", "C", "D.", source=source, line=5, audience="internal", owner="U012AB3CD",
             reviewed=date(2026, 6, 1), review_every_days=90),
        Term("Broker", "C", "D.", source=source, line=12, audience="partner",
             partner_definition="Brokers match buyers.", owner="S0PARTNERS",
             reviewed=date(2026, 12, 1), review_every_days=182),
        Term("Dealer", "C", "D.", source=source, line=20, audience="partner",
             owner="ops@example.com", review_every_days=182, status="draft"),
        Term("Seller", "C", "D.", source=source, line=21, audience="partner",
             review_every_days=182, status="deprecated", replaced_by="Broker"),
        Term("Vendor", "C", "D.", source=source, line=22, audience="partner", owner="W012AB3CD",
             review_every_days=182),
    ]  # fmt: skip


def test_defaults_apply_only_to_their_own_file(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "a.yaml").write_text("defaults: {audience: internal, review_every: 30d}\n" + AGENT)
    (folder / "b.yaml").write_text(BROKER_FILE)
    terms, found = read_glossary(folder, TODAY)
    assert found == []
    assert [(t.term, t.audience, t.review_every_days) for t in terms] == [
        ("Agent", "internal", 30),
        ("Broker", "public", None),
    ]


def test_check_prints_governance_problems_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(entry("audience: secret, reviewed: 2999-01-01"))
    out = io.StringIO()
    assert cli.check(tmp_path / "g.yaml", out) == 1
    assert out.getvalue().replace(f"{tmp_path}{os.sep}", "").splitlines() == [
        "g.yaml:2: 'Agent': 'audience' must be internal, partner or public, not 'secret'",
        "g.yaml:2: 'Agent': 'reviewed' 2999-01-01 is in the future",
        "2 problem(s) found in g.yaml",
    ]
