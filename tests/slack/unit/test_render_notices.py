"""Block Kit of governance notices: announcements name terms (never definitions) and fit
Slack's limits however many changed; reminders list each overdue term with its ``file:line``."""

from __future__ import annotations

from datetime import date

from bot.changes import Changes, Deprecated
from bot.reminders import Due
from bot.slack.render.notices import announcement, reminder
from bot.terms.model import Term
from tests.blockkit_limits import assert_block_kit_limits


def term(name: str, audience: str = "public") -> Term:
    return Term(name, "Tiers", f"Secret wording of {name}.", audience=audience)


A, B, C, D, E = (term(n) for n in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon"))
CODENAME = term("Project Falcon", audience="internal")
CHANGES = Changes(
    added=(A, B, CODENAME),
    changed=(C,),
    deprecated=(Deprecated(D, E), Deprecated(term("Old tier"), CODENAME)),
    removed=(term("R&D <credits>"),),
)


def test_the_summary_names_every_group_and_no_definition() -> None:
    message = announcement(CHANGES, shared=False)
    assert message is not None
    summary = (
        "Glossary updated: 3 new (Alpha, Beta, Project Falcon), 1 changed (Gamma), "
        "2 deprecated (Delta → Epsilon, Old tier → Project Falcon), "
        "1 removed (R&amp;D &lt;credits&gt;)"
    )
    assert message.text == summary
    assert message.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "`/define` a term for its wording now."}],
        },
    ]
    assert "Secret wording" not in str(message.blocks)
    assert_block_kit_limits(message)


def test_a_shared_channel_never_hears_of_internal_terms() -> None:
    message = announcement(CHANGES, shared=True)
    assert message is not None
    assert message.text == (
        "Glossary updated: 2 new (Alpha, Beta), 1 changed (Gamma), "
        "2 deprecated (Delta → Epsilon, Old tier), 1 removed (R&amp;D &lt;credits&gt;)"
    )


def test_only_internal_changes_say_nothing_in_a_shared_channel() -> None:
    only_internal = Changes(added=(CODENAME,))
    assert announcement(only_internal, shared=True) is None
    assert announcement(Changes(), shared=False) is None


def test_many_changes_end_in_and_n_more_and_fit_the_limits() -> None:
    many = [term(f"{'Long name ' * 12}{n:03}") for n in range(300)]
    changes = Changes(
        added=tuple(many[:100]),
        changed=tuple(many[100:200]),
        deprecated=tuple(Deprecated(t, s) for t, s in zip(many[200:250], many[250:], strict=True)),
        removed=tuple(many[:100]),
    )
    message = announcement(changes, shared=False)
    assert message is not None
    assert message.text.startswith("Glossary updated: 100 new (Long name Long name")
    assert message.text.count(", and 92 more)") == 3  # new, changed, removed
    assert "Long name Long name…, and 42 more), 100 removed (" in message.text
    assert_block_kit_limits(message)


def test_a_reminder_lists_terms_with_file_line_and_due_date() -> None:
    dues = [
        Due("Gold tier", "glossary/tiers.yaml:3", date(2026, 10, 1)),
        Due("R&D <credits>", "glossary/money.yaml:40", None),
    ]
    message = reminder(dues)
    assert message.text == "2 glossary terms you own are due for review"
    assert message.blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*2 glossary terms you own are due for review.* Update the definition, "
                "or set `reviewed:` to today if it is still right, and commit.",
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "• *Gold tier* — `glossary/tiers.yaml:3` — due since 2026-10-01\n"
                "• *R&amp;D &lt;credits&gt;* — `glossary/money.yaml:40` — never reviewed",
            },
        },
    ]
    assert_block_kit_limits(message)


def test_one_term_reads_in_the_singular() -> None:
    message = reminder([Due("Gold tier", "glossary/tiers.yaml:3", None)])
    assert message.text == "1 glossary term you own is due for review"


def test_a_long_reminder_is_cut_at_forty_terms_and_fits_the_limits() -> None:
    dues = [Due(f"Term {'x' * 200}{n}", f"g/{'y' * 300}.yaml:{n}", None) for n in range(90)]
    message = reminder(dues)
    assert_block_kit_limits(message)
    listed = sum(block["text"]["text"].count("• ") for block in message.blocks[1:-1])
    assert listed == 40
    assert message.blocks[-1] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "…and 50 more: `python -m bot check --stale` lists them all.",
            }
        ],
    }
