"""The console: the real Bolt app, listeners and job runner, offline, printing what Slack
would show.

Pinned down: /define prints the private card under "only you see"; a channel message naming a
term prints the bot's thread reply; "@glossary …" prints the answer to the mention; where the
bot would stay silent (no terms, already explained, auto_expand: false, explanations switched
off) one dim line says why; ``run_console`` reads lines until the input ends or "quit";
``blocks_to_text`` renders each block kind as one exact, unescaped text.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from bot.config import load_settings
from bot.slack.console import Console, blocks_to_text, run_console
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


ALREADY = (
    "  (the bot stays silent: every term in it was already explained in this thread or channel "
    "today)"
)


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
    assert out.getvalue() == printed + f"{ALREADY}\n\n"


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


@pytest.mark.parametrize("line", ["", "   "])
def test_empty_lines_print_nothing(glossary: Glossary, line: str) -> None:
    bot, out = console(glossary)
    bot.handle(line)
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("lunch anyone?", "no glossary terms in that message"),
        ("our affiliate deals", "Affiliate: explained only when asked (auto_expand: false)"),
    ],
)
def test_silence_is_explained_in_one_line(glossary: Glossary, line: str, why: str) -> None:
    bot, out = console(glossary)
    bot.handle(line)
    assert out.getvalue() == f"  (the bot stays silent: {why})\n\n"


def test_explanations_switched_off_in_the_settings_stay_off(glossary: Glossary) -> None:
    bot, out = console(glossary, EXPLAIN_IN_CHANNELS="false")
    bot.handle("our EQL pipeline is growing")
    assert out.getvalue() == "  (the bot stays silent: EXPLAIN_IN_CHANNELS is off)\n\n"


def test_run_console_says_why_for_each_silent_line(
    glossary: Glossary, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = "lunch anyone?\nour EQL pipeline\nEQL again\nour affiliate deals\nquit\nEQL\n"
    settings = load_settings(environ={}, dotenv_path=None)
    assert run_console(settings, glossary, io.StringIO(lines)) == 0
    silent = [line for line in capsys.readouterr().out.splitlines() if "stays silent" in line]
    assert silent == [
        "  (the bot stays silent: no glossary terms in that message)",
        ALREADY,
        "  (the bot stays silent: Affiliate: explained only when asked (auto_expand: false))",
    ]


def test_blocks_to_text() -> None:
    blocks: list[dict[str, Any]] = [
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


def test_governance_commands_show_the_modal_they_open(glossary: Glossary) -> None:
    bot, out = console(glossary)
    bot.handle("/define suggest zorb")
    assert out.getvalue() == (
        "\n— a modal opens: Suggest a term\n"
        "  [Term]\n  [Acronym]\n  [Definition]\n  [Category]\n  [Why it matters]\n"
        "  (a form to fill in, in Slack; the console cannot submit it)\n\n"
    )


def test_the_console_channel_is_internal_so_nothing_is_logged_about_it(
    glossary: Glossary, caplog: pytest.LogCaptureFixture
) -> None:
    bot, out = console(glossary)
    with caplog.at_level("WARNING"):
        bot.handle("our EQL pipeline is growing")
    assert "the bot posts in the thread" in out.getvalue()
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
