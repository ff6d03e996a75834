"""Per-channel settings chosen with ``/define settings``: the form, its rules, and the notice.

A channel's members may turn explanations off, pause them for some days, change the cooldown
and the number of terms per message, or force the partner view. Every change is announced in
the channel naming who made it ("<@U1> paused explanations for 3 days"), so nobody wonders why
the bot went quiet. Pure functions of values: the Slack layer parses the modal into text, the
store keeps ``ChannelSettings``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.store.base import ChannelSettings

DAY_S = 86400.0
MAX_PAUSE_DAYS = 365
MAX_COOLDOWN_HOURS = 720.0
"""Thirty days: beyond that, turning explanations off says it better."""
MAX_TERMS = 10
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{1,20}$")


@dataclass(frozen=True, slots=True)
class SettingsForm:
    """What someone submitted; None means "leave as it is" (pause) or "the bot's default"."""

    explain: bool
    pause_days: int | None
    cooldown_hours: float | None
    max_terms: int | None
    partner_view: bool


def pause_days_left(settings: ChannelSettings, now: float) -> int:
    """Whole days (rounded up) until a pause ends; 0 when not paused."""
    return max(0, math.ceil((settings.paused_until - now) / DAY_S))


def parse_form(raw: Mapping[str, str]) -> SettingsForm | dict[str, str]:
    """The form from the modal's text values, or the problems by field name."""
    errors: dict[str, str] = {}
    pause = _number(raw.get("pause_days", ""), 0, MAX_PAUSE_DAYS, True, "pause_days", errors)
    hours = _number(
        raw.get("cooldown_hours", ""), 0, MAX_COOLDOWN_HOURS, False, "cooldown_hours", errors
    )
    terms = _number(raw.get("max_terms", ""), 1, MAX_TERMS, True, "max_terms", errors)
    if errors:
        return errors
    return SettingsForm(
        explain=raw.get("explain", "on") != "off",
        pause_days=None if pause is None else int(pause),
        # Two decimals at most: "1e-05" would reach the notice, and Slack's number input
        # refuses it as an initial value, so the modal would no longer open.
        cooldown_hours=None if hours is None else round(hours, 2),
        max_terms=None if terms is None else int(terms),
        partner_view=raw.get("partner_view", "") == "on",
    )


def _number(
    text: str, low: float, high: float, whole: bool, name: str, errors: dict[str, str]
) -> float | None:
    """A number in [low, high], or None for an empty field; a bad one is put in ``errors``."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(int(text)) if whole else float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # NaN too
        what = "a whole number" if whole else "a number"
        errors[name] = f"Enter {what} from {low:g} to {high:g}."
        return None
    return value


def apply(old: ChannelSettings, form: SettingsForm, by: str, now: float) -> ChannelSettings:
    """The settings after ``form``: a pause counts from now (0 days resumes; empty keeps it)."""
    paused_until = old.paused_until
    if form.pause_days is not None:
        paused_until = now + form.pause_days * DAY_S if form.pause_days else 0.0
    return replace(
        old,
        explain=form.explain,
        paused_until=paused_until,
        cooldown_hours=form.cooldown_hours,
        max_terms=form.max_terms,
        partner_view=form.partner_view,
        updated_by=by,
        updated_at=now,
    )


def changes(old: ChannelSettings, new: ChannelSettings, now: float) -> list[str]:
    """What changed, as phrases for the channel notice ("paused explanations for 3 days")."""
    said: list[str] = []
    if old.explain != new.explain:
        said.append("turned explanations " + ("on" if new.explain else "off"))
    was_paused, paused = old.paused_until > now, new.paused_until > now
    if paused and new.paused_until != old.paused_until:
        days = pause_days_left(new, now)
        said.append(f"paused explanations for {days} day{'s' if days != 1 else ''}")
    elif was_paused and not paused:
        said.append("resumed explanations")
    if old.cooldown_hours != new.cooldown_hours:
        hours = new.cooldown_hours
        said.append(
            "reset the cooldown to the default"
            if hours is None
            else f"set the cooldown to {hours:g} hour{'s' if hours != 1 else ''}"
        )
    if old.max_terms != new.max_terms:
        count = new.max_terms
        said.append(
            "reset the terms per message to the default"
            if count is None
            else f"set the terms per message to {count}"
        )
    if old.partner_view != new.partner_view:
        said.append("turned the partner view " + ("on" if new.partner_view else "off"))
    return said


def notice(user: str, said: list[str]) -> str:
    """One line for the channel: "<@U1> paused explanations for 3 days and turned …". Only a
    well-formed user id becomes a mention: the line is mrkdwn, posted where everyone reads."""
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    who = f"<@{user}>" if USER_ID_RE.match(user) else "Someone"
    return f"{who} {listed}."
