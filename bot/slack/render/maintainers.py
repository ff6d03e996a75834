"""Block Kit for App Home's own part: the opt-out toggle, *Suggest a term*, and the
Maintainers section.

Each list of the Maintainers section is one section block of a few lines, so the whole part
costs under ten blocks of the Home tab's hundred whatever the store holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    CheckboxesElement,
    DividerBlock,
    HeaderBlock,
    Option,
    SectionBlock,
)

from bot.governance import HomeExtras, MaintainerPanel
from bot.slack.render.cards import mrkdwn
from bot.slack.render.suggest import HOME_SUGGEST_ACTION, person
from bot.slack.render.text import clip_escaped, quote
from bot.terms.review import Overdue

OPT_OUT_ACTION = "home_opt_out"
OPT_OUT_VALUE = "opt_out"
CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,20}$")


def extras_blocks(extras: HomeExtras | None) -> list[Block]:
    """The person's own controls and, for a maintainer, the Maintainers section."""
    blocks: list[Block] = [DividerBlock()]
    if extras is not None and extras.opted_out is not None:
        option = Option(value=OPT_OUT_VALUE, text="Don't explain terms in my messages")
        blocks.append(
            SectionBlock(
                text=mrkdwn("*Your messages*\nTick this and I leave your messages alone."),
                accessory=CheckboxesElement(
                    action_id=OPT_OUT_ACTION,
                    options=[option],
                    initial_options=[option] if extras.opted_out else None,
                ),
            )
        )
    blocks.append(
        SectionBlock(
            text=mrkdwn("*Missing a term?* Suggest it to the glossary maintainers."),
            accessory=ButtonElement(
                text="Suggest a term", action_id=HOME_SUGGEST_ACTION, value="home"
            ),
        )
    )
    if extras is not None and extras.panel is not None:
        blocks += panel_blocks(extras.panel)
    return blocks


def panel_blocks(panel: MaintainerPanel) -> list[Block]:
    misses = [f"{quote(m.query, 60)} · {m.count}×" for m in panel.misses]
    waiting = [f"{quote(s.term, 60)} from {person(s.suggester)}" for s in panel.waiting]
    top = [f"{quote(name, 60)} · {count}" for name, count in panel.top]
    channels = [f"{_channel(c)} · {count}" for c, count in panel.channels]
    return [
        DividerBlock(),
        HeaderBlock(text="Maintainers"),
        _list("Top misses (30 days)", misses, "No misses. Everyone found what they asked for."),
        _list(
            f"Terms to review ({panel.overdue_count})",
            [_overdue(o) for o in panel.overdue],
            "Nothing overdue, and every term has an owner.",
        ),
        _list(f"Suggestions waiting ({panel.waiting_count})", waiting, "None waiting."),
        _list("Most looked up", top, "No lookups yet."),
        _list("Explanations this week", channels, "No explanations this week."),
    ]


def _list(title: str, lines: Sequence[str], empty: str) -> SectionBlock:
    body = "\n".join(f"• {line}" for line in lines) if lines else f"_{empty}_"
    return SectionBlock(text=mrkdwn(f"*{title}*\n{body}"))


def _overdue(item: Overdue) -> str:
    what = f"overdue since {item.since.isoformat()}" if item.since else item.why.value
    where = f"{PurePath(item.term.source).name}:{item.term.line}"
    return f"{quote(item.term.term, 60)} · {what} · `{clip_escaped(where, 80)}`"


def _channel(channel: str) -> str:
    return f"<#{channel}>" if CHANNEL_RE.match(channel) else clip_escaped(channel, 30)
