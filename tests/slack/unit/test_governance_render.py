"""Rendering for governance: the review post, the YAML reply, the settings modal, App Home's
own part. Every output passes the Block Kit checker, oversized and hostile values included.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.governance import HomeExtras, MaintainerPanel
from bot.slack.render.maintainers import extras_blocks
from bot.slack.render.settings import settings_modal
from bot.slack.render.suggest import review_message, suggestion_modal, yaml_message
from bot.store.base import ChannelSettings, Miss, NewSuggestion, Suggestion
from bot.terms import Term
from bot.terms.review import Overdue, Why
from tests.blockkit_limits import assert_block_kit_limits

from .conftest import HUGE_QUERY, T0, WORKSPACE

ZORB = Suggestion(
    7, WORKSPACE, "Zorb", "A zorb is a deal.", "Sales and leads", "ZB", "We say it.", "U0ANA",
    "waiting", T0, review_channel="C0REVIEW", review_ts="1.000100",
)  # fmt: skip
HOSTILE = Suggestion(
    8, WORKSPACE, HUGE_QUERY[:100], HUGE_QUERY[:1500], HUGE_QUERY[:100], "R&D", HUGE_QUERY[:500],
    "<!channel>", "approved", T0, decided_by="U0BEA", review_channel="C0REVIEW",
)  # fmt: skip


def texts(blocks: list[dict[str, object]]) -> list[str]:
    found = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(str(text["text"]))
        for element in block.get("elements", []):  # type: ignore[attr-defined]
            if element.get("type") == "mrkdwn":
                found.append(str(element["text"]))
    return found


def test_a_waiting_suggestion_offers_the_three_decisions() -> None:
    message = review_message(ZORB)
    assert_block_kit_limits(message)
    assert message.text == "Suggested term: “Zorb” (waiting)"
    assert texts(message.blocks) == [
        "💡 *Suggested term*\n*Zorb* (ZB)  ·  _Sales and leads_\nA zorb is a deal.",
        "*Why it matters*\nWe say it.",
        "Suggested by <@U0ANA> · #7",
    ]
    buttons = message.blocks[-1]["elements"]
    assert [(b["action_id"], b["value"], b.get("style")) for b in buttons] == [
        ("suggestion_approve", "7", "primary"),
        ("suggestion_edit", "7", None),
        ("suggestion_reject", "7", "danger"),
    ]


def test_a_decided_suggestion_says_who_decided() -> None:
    rejected = replace(ZORB, status="rejected", decided_by="U0BEA")
    message = review_message(rejected)
    assert texts(message.blocks)[-1] == "✖️ Rejected by <@U0BEA>"
    assert all(b["type"] != "actions" for b in message.blocks)


def test_hostile_text_is_escaped_and_clipped() -> None:
    message = review_message(HOSTILE)
    assert_block_kit_limits(message)
    assert "Suggested by someone · #8" in texts(message.blocks)
    assert texts(message.blocks)[-1] == "✅ Approved by <@U0BEA>"
    yaml = yaml_message(HOSTILE)
    assert_block_kit_limits(yaml)
    assert "<!channel>" not in yaml.text and "&lt;!channel&gt;" in yaml.text


def test_the_yaml_reply_is_ready_to_paste() -> None:
    approved = replace(ZORB, status="approved", decided_by="U0BEA")
    assert yaml_message(approved).text == (
        "Approved by <@U0BEA>. Paste this under `terms:` in a glossary file and commit it:\n"
        "```\n"
        "  - term: Zorb\n"
        "    acronym: ZB\n"
        "    category: Sales and leads\n"
        "    definition: &gt;-\n"  # Slack shows it as ">-", and copies it so
        "      A zorb is a deal.\n"
        "```"
    )


def test_an_edit_modal_is_prefilled_and_says_which_suggestion() -> None:
    draft = NewSuggestion(HUGE_QUERY, HUGE_QUERY, "Nope", HUGE_QUERY, HUGE_QUERY)
    view = suggestion_modal(draft, ["Sales and leads", "c" * 101], edit_id=8)
    assert_block_kit_limits(view)
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (
        "suggest_edit",
        "Edit suggestion",
        "Save",
    )
    category = view["blocks"][3]["element"]
    assert [o["value"] for o in category["options"]] == ["Sales and leads"]  # too long: left out
    assert "initial_option" not in category
    assert [len(b["element"].get("initial_value", "")) for b in view["blocks"]] == [
        100, 20, 1500, 0, 500,
    ]  # fmt: skip


def test_the_settings_modal_is_prefilled() -> None:
    paused = ChannelSettings(
        explain=False, paused_until=T0 + 2.5 * 86400, cooldown_hours=1.5, max_terms=2,
        partner_view=True,
    )  # fmt: skip
    view = settings_modal("C0SET", paused, T0, default_cooldown_hours=24, default_max_terms=3)
    assert_block_kit_limits(view)
    context, explain, pause, cooldown, terms, partner = view["blocks"]
    assert context["elements"][0]["text"] == (
        "Settings for <#C0SET>. Changes are announced in the channel."
    )
    assert explain["element"]["initial_option"]["value"] == "off"
    assert (pause["element"]["initial_value"], pause["hint"]["text"]) == (
        "3",
        "Paused until 2023-11-17 10:13 UTC. 0 resumes now; leave it empty to keep the pause.",
    )
    assert (cooldown["element"]["initial_value"], terms["element"]["initial_value"]) == ("1.5", "2")
    assert cooldown["hint"]["text"].endswith("Empty: the default, 24 hours.")
    assert [o["value"] for o in partner["element"]["initial_options"]] == ["on"]
    assert view["private_metadata"] == '{"channel": "C0SET"}'


def test_default_settings_leave_the_numbers_empty() -> None:
    view = settings_modal(
        "C0SET", ChannelSettings(), T0, default_cooldown_hours=24, default_max_terms=3
    )
    _, explain, pause, cooldown, terms, partner = view["blocks"]
    assert explain["element"]["initial_option"]["value"] == "on"
    assert [b["element"].get("initial_value") for b in (pause, cooldown, terms)] == [None] * 3
    assert "initial_options" not in partner["element"]


def test_everyone_gets_the_toggle_and_the_suggest_button() -> None:
    blocks = [b.to_dict() for b in extras_blocks(HomeExtras(opted_out=True))]
    assert_block_kit_limits({"type": "home", "blocks": blocks})
    toggle = blocks[1]["accessory"]
    assert (toggle["action_id"], [o["value"] for o in toggle["initial_options"]]) == (
        "home_opt_out",
        ["opt_out"],
    )
    assert toggle["options"][0]["text"]["text"] == "Don't explain terms in my messages"
    assert blocks[2]["accessory"]["action_id"] == "home_suggest"
    assert len(blocks) == 3


def test_without_the_store_the_toggle_is_left_out() -> None:
    blocks = [b.to_dict() for b in extras_blocks(HomeExtras(opted_out=None))]
    assert [b.get("accessory", {}).get("action_id") for b in blocks] == [None, "home_suggest"]


def test_the_maintainers_section() -> None:
    stale = Term("Stale", "Deals", "Stale.", source="/app/glossary/deals.yaml", line=12)
    panel = MaintainerPanel(
        misses=(Miss("zorb", 3, T0, T0), Miss(HUGE_QUERY, 1, T0, T0)),
        overdue=(Overdue(stale, Why.OVERDUE, date(2023, 4, 1)), Overdue(stale, Why.NO_OWNER)),
        overdue_count=9,
        waiting=(ZORB,),
        waiting_count=1,
        top=(("Fresh", 4),),
        channels=(("C0ONE", 12), ("bad<id>", 1)),
    )
    blocks = [b.to_dict() for b in extras_blocks(HomeExtras(False, panel))]
    assert_block_kit_limits({"type": "home", "blocks": blocks})
    lists = texts(blocks)[2:]
    assert lists[0] == "Maintainers"
    assert lists[1].startswith("*Top misses (30 days)*\n• “zorb” · 3×\n• “&lt;!channel&gt;")
    assert lists[2:] == [
        "*Terms to review (9)*\n• “Stale” · overdue since 2023-04-01 · `deals.yaml:12`\n"
        "• “Stale” · no owner · `deals.yaml:12`",
        "*Suggestions waiting (1)*\n• “Zorb” from <@U0ANA>",
        "*Most looked up*\n• “Fresh” · 4",
        "*Explanations this week*\n• <#C0ONE> · 12\n• bad&lt;id&gt; · 1",
    ]


def test_empty_lists_say_so() -> None:
    panel = MaintainerPanel((), (), 0, (), 0, (), ())
    lists = texts([b.to_dict() for b in extras_blocks(HomeExtras(False, panel))])[3:]
    assert lists == [
        "*Top misses (30 days)*\n_No misses. Everyone found what they asked for._",
        "*Terms to review (0)*\n_Nothing overdue, and every term has an owner._",
        "*Suggestions waiting (0)*\n_None waiting._",
        "*Most looked up*\n_No lookups yet._",
        "*Explanations this week*\n_No explanations this week._",
    ]


def test_a_hundred_and_fifty_long_categories_fit_one_select() -> None:
    """Slack's static_select takes 100 options (text 75, value 150): the first hundred that
    fit, and always the one an edited suggestion already has."""
    categories = [f"Category {i:03} " + "x" * 87 for i in range(150)]  # 100 characters each
    draft = NewSuggestion("T" * 150, "D" * 3000, categories[120], "A" * 30, "W" * 600)
    view = suggestion_modal(draft, categories, edit_id=9)
    assert_block_kit_limits(view)
    select = view["blocks"][3]["element"]
    values = [o["value"] for o in select["options"]]
    assert (len(values), values[:99], values[99]) == (100, categories[:99], categories[120])
    assert select["initial_option"]["value"] == categories[120]
    assert {len(o["text"]["text"]) for o in select["options"]} == {75}
    new = suggestion_modal(NewSuggestion("T", "", ""), categories)
    assert [o["value"] for o in new["blocks"][3]["element"]["options"]] == categories[:100]


def test_a_review_post_of_the_longest_suggestion_fits() -> None:
    """What the store may hold (a maintainer's edit is checked, an old row may not be)."""
    long = replace(ZORB, term="T&" * 75, definition="<!here> & " * 300, category="c&" * 50)
    assert_block_kit_limits(review_message(long))
    assert_block_kit_limits(yaml_message(replace(long, status="approved", decided_by="U0BEA")))
