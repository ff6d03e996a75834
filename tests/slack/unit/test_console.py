"""The console: the real Bolt app and listeners, offline, printing what Slack would show.

Pinned down: /define prints the private card under "only you see"; a channel message naming a
term prints the bot's thread reply; "@glossary …" prints the answer to the mention; the
explanation settings from the environment apply; ``blocks_to_text`` renders each block kind
as one exact, unescaped text.
"""

from __future__ import annotations

import io

import pytest

from bot.config import load_settings
from bot.slack.console import Console, blocks_to_text
from bot.terms import Glossary

EQL_CARD = """
— only you see:
Ecosystem Qualified Lead (EQL)
Ecosystem Qualified Leads (EQLs) are leads or potential customers that have been identified \
as a good fit for a company’s products or services, based on the company’s Ideal Customer \
Profile (ICP). These leads may come from a variety of sources, such as marketing campaigns, \
sales outreach, or referrals from partners or affiliates.
  [ Share in channel ]
  *Category:* Sales and leads  ·  *Also written:* ecosystem-qualified lead
  *Related:*
  [ Ideal Customer Profile (ICP) ]  [ Marketing Qualified Lead (MQL) ]  [ Partner ecosystem ]

"""


def console(glossary: Glossary, **environ: str) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(load_settings(environ=environ, dotenv_path=None), glossary, out), out


def test_define_prints_the_private_card(glossary: Glossary) -> None:
    bot, out = console(glossary)
    bot.handle("/define eql")
    assert out.getvalue() == EQL_CARD


def test_a_channel_message_prints_the_thread_explanation(glossary: Glossary) -> None:
    bot, out = console(glossary)
    bot.handle("our EQL pipeline is growing")
    printed = out.getvalue()
    assert printed.startswith(
        "\n— the bot posts in the thread:\n*Ecosystem Qualified Lead (EQL)*\n"
    )
    assert "📖 Partner glossary · each term is explained once per thread" in printed
    bot.handle("EQL again, same channel")  # within the cooldown: the bot stays quiet
    assert out.getvalue() == printed + "\n"


def test_a_mention_prints_the_answer(glossary: Glossary) -> None:
    bot, out = console(glossary)
    bot.handle("@glossary what is an OEM")
    lines = out.getvalue().splitlines()
    assert lines[1:4] == [
        "— the bot posts in the thread:",
        "Original equipment manufacturer (OEM)",
        "OEMs purchase products or components from a company and incorporate them into their "
        "own products. They then sell the finished products to their own customers.",
    ]
    assert "  [ White label ]  [ Independent software vendor (ISV) ]" in lines


@pytest.mark.parametrize("line", ["", "   ", "lunch anyone?"])
def test_lines_without_an_answer_print_nothing_from_the_bot(glossary: Glossary, line: str) -> None:
    bot, out = console(glossary)
    bot.handle(line)
    assert out.getvalue().strip() == ""


def test_explanations_switched_off_in_the_settings_stay_off(glossary: Glossary) -> None:
    bot, out = console(glossary, EXPLAIN_IN_CHANNELS="false")
    bot.handle("our EQL pipeline is growing")
    assert out.getvalue().strip() == ""


def test_blocks_to_text() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "R&amp;D"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "a &lt;b&gt;"},
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c1"}, {"text": "c2"}]},
        {"type": "actions", "elements": [{"text": {"text": "A"}}, {"text": {"text": "B"}}, {}]},
        {"type": "divider"},
        {"type": "input", "label": {"type": "plain_text", "text": "Share this card in"}},
        {"type": "image", "image_url": "https://example.com/x.png"},
    ]
    assert blocks_to_text(blocks) == (
        "R&D\na <b>\n  [ Open ]\n  c1 c2\n  [ A ]  [ B ]  [ … ]\n"
        + "─" * 40
        + "\n  Share this card in: [____________]"
    )
    assert blocks_to_text(blocks[:1], color=True) == "\033[1mR&D\033[0m"
