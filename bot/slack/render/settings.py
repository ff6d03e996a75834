"""Block Kit for ``/define settings``: one modal, prefilled with the channel's settings.

Numbers are ``number_input`` fields (Slack's client checks them too), each optional: an empty
pause keeps the pause as it is, an empty cooldown or maximum means the bot's default, whose
value the hint states. The channel travels in ``private_metadata``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    NumberInputElement,
    Option,
    RadioButtonsElement,
)

from bot import channel_settings
from bot.slack.render.cards import mrkdwn
from bot.store.base import ChannelSettings

SETTINGS_CALLBACK = "channel_settings"
VALUE = "value"
BLOCKS = {
    "explain": "c_explain",
    "pause_days": "c_pause_days",
    "cooldown_hours": "c_cooldown_hours",
    "max_terms": "c_max_terms",
    "partner_view": "c_partner_view",
}
ON, OFF = "on", "off"


def settings_modal(
    channel: str,
    settings: ChannelSettings,
    now: float,
    *,
    default_cooldown_hours: float,
    default_max_terms: int,
) -> dict[str, Any]:
    """The modal for ``channel``'s settings as they are at ``now``."""
    on = Option(value=ON, text="On: explain glossary terms in threads")
    off = Option(value=OFF, text="Off: stay quiet in this channel")
    partner = Option(
        value=ON, text="Treat this channel as shared with partners (partner wording only)"
    )
    left = channel_settings.pause_days_left(settings, now)
    until = datetime.fromtimestamp(settings.paused_until, UTC).strftime("%Y-%m-%d %H:%M UTC")
    pause_hint = (
        f"Paused until {until}. 0 resumes now; leave it empty to keep the pause."
        if left
        else "Explanations pause for this many days, then resume by themselves."
    )
    cooldown = settings.cooldown_hours
    blocks: list[Block] = [
        ContextBlock(
            elements=[mrkdwn(f"Settings for <#{channel}>. Changes are announced in the channel.")]
        ),
        InputBlock(
            block_id=BLOCKS["explain"],
            label="Explanations",
            element=RadioButtonsElement(
                action_id=VALUE, options=[on, off], initial_option=on if settings.explain else off
            ),
        ),
        InputBlock(
            block_id=BLOCKS["pause_days"],
            label="Pause for (days)",
            element=NumberInputElement(
                action_id=VALUE,
                is_decimal_allowed=False,
                min_value=0,
                max_value=channel_settings.MAX_PAUSE_DAYS,
                initial_value=str(left) if left else None,
            ),
            hint=pause_hint,
            optional=True,
        ),
        InputBlock(
            block_id=BLOCKS["cooldown_hours"],
            label="Cooldown (hours)",
            element=NumberInputElement(
                action_id=VALUE,
                is_decimal_allowed=True,
                min_value=0,
                max_value=channel_settings.MAX_COOLDOWN_HOURS,
                initial_value=None if cooldown is None else f"{cooldown:g}",
            ),
            hint=f"How long before a term is explained again in this channel. "
            f"Empty: the default, {default_cooldown_hours:g} hours.",
            optional=True,
        ),
        InputBlock(
            block_id=BLOCKS["max_terms"],
            label="Terms explained per message",
            element=NumberInputElement(
                action_id=VALUE,
                is_decimal_allowed=False,
                min_value=1,
                max_value=channel_settings.MAX_TERMS,
                initial_value=None if settings.max_terms is None else str(settings.max_terms),
            ),
            hint=f"Others are only named. Empty: the default, {default_max_terms}.",
            optional=True,
        ),
        InputBlock(
            block_id=BLOCKS["partner_view"],
            label="Partner view",
            element=CheckboxesElement(
                action_id=VALUE,
                options=[partner],
                initial_options=[partner] if settings.partner_view else None,
            ),
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": SETTINGS_CALLBACK,
        "title": {"type": "plain_text", "text": "Channel settings"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": channel}),
        "blocks": [b.to_dict() for b in blocks],
    }
