"""bot.channel_settings: the settings form, applying it, and the one-line notice.

Pinned down: numbers are checked with a message per field; empty fields mean "keep the pause"
and "the bot's default"; a pause counts from now and 0 resumes; the notice names who changed
what, in words.
"""

from __future__ import annotations

import pytest

from bot.channel_settings import SettingsForm, apply, changes, notice, parse_form
from bot.store.base import ChannelSettings

NOW = 1_700_000_000.0
DAY = 86400.0


def form(**fields: object) -> SettingsForm:
    base: dict[str, object] = {
        "explain": True,
        "pause_days": None,
        "cooldown_hours": None,
        "max_terms": None,
        "partner_view": False,
    }
    return SettingsForm(**{**base, **fields})  # type: ignore[arg-type]


def test_a_full_form_is_read() -> None:
    raw = {
        "explain": "off",
        "pause_days": " 3 ",
        "cooldown_hours": "1.5",
        "max_terms": "2",
        "partner_view": "on",
    }
    assert parse_form(raw) == SettingsForm(False, 3, 1.5, 2, True)


@pytest.mark.parametrize(("typed", "kept"), [("0.00001", 0.0), ("2.345", 2.35), ("720", 720.0)])
def test_a_cooldown_keeps_two_decimals(typed: str, kept: float) -> None:
    """So the notice and the modal's number input never see "1e-05"."""
    form = parse_form({"cooldown_hours": typed})
    assert isinstance(form, SettingsForm) and form.cooldown_hours == kept


def test_empty_fields_are_defaults() -> None:
    assert parse_form({"explain": "on"}) == form()


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ({"pause_days": "2.5"}, {"pause_days": "Enter a whole number from 0 to 365."}),
        ({"pause_days": "366"}, {"pause_days": "Enter a whole number from 0 to 365."}),
        ({"cooldown_hours": "-1"}, {"cooldown_hours": "Enter a number from 0 to 720."}),
        ({"cooldown_hours": "nan"}, {"cooldown_hours": "Enter a number from 0 to 720."}),
        ({"cooldown_hours": "soon"}, {"cooldown_hours": "Enter a number from 0 to 720."}),
        (
            {"max_terms": "0", "pause_days": "x"},
            {
                "max_terms": "Enter a whole number from 1 to 10.",
                "pause_days": "Enter a whole number from 0 to 365.",
            },
        ),
    ],
)
def test_bad_numbers_are_named_by_field(raw: dict[str, str], errors: dict[str, str]) -> None:
    assert parse_form(raw) == errors


def test_a_pause_counts_from_now_and_zero_resumes() -> None:
    paused = apply(ChannelSettings(), form(pause_days=3), "U1", NOW)
    assert paused == ChannelSettings(paused_until=NOW + 3 * DAY, updated_by="U1", updated_at=NOW)
    kept = apply(paused, form(), "U2", NOW + DAY)
    assert kept.paused_until == NOW + 3 * DAY
    assert apply(paused, form(pause_days=0), "U2", NOW + DAY).paused_until == 0.0


def test_the_notice_names_who_changed_what() -> None:
    old = ChannelSettings()
    new = apply(old, form(pause_days=3), "U1", NOW)
    assert notice("U1", changes(old, new, NOW)) == "<@U1> paused explanations for 3 days."


@pytest.mark.parametrize("user", ["", "!channel", "U1|x>", "<!here>"])
def test_a_notice_mentions_only_a_real_user_id(user: str) -> None:
    assert notice(user, ["turned explanations off"]) == "Someone turned explanations off."


def test_every_change_is_worded() -> None:
    old = ChannelSettings(paused_until=NOW + DAY, cooldown_hours=2.0, max_terms=3)
    new = apply(old, form(explain=False, pause_days=0, max_terms=1, partner_view=True), "U1", NOW)
    assert notice("U1", changes(old, new, NOW)) == (
        "<@U1> turned explanations off, resumed explanations, reset the cooldown to the "
        "default, set the terms per message to 1 and turned the partner view on."
    )
    back = apply(new, form(cooldown_hours=1.0, pause_days=1), "U2", NOW)
    assert changes(new, back, NOW) == [
        "turned explanations on",
        "paused explanations for 1 day",
        "set the cooldown to 1 hour",
        "reset the terms per message to the default",
        "turned the partner view off",
    ]


def test_saving_the_same_settings_changes_nothing() -> None:
    old = ChannelSettings(paused_until=NOW + DAY, cooldown_hours=12.0)
    same = apply(old, form(cooldown_hours=12.0), "U1", NOW)
    assert changes(old, same, NOW) == []
