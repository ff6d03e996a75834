"""PRIVACY.md must describe every table the bot creates: a new table without a line there is a
promise to users broken silently."""

from __future__ import annotations

import re
from pathlib import Path

from bot.store.schema import metadata

PRIVACY = Path(__file__).resolve().parents[1] / "PRIVACY.md"


def documented_tables() -> set[str]:
    """Table names in the first column of PRIVACY.md's table (`name`, `a`, `b` (…))."""
    names: set[str] = set()
    for line in PRIVACY.read_text().splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([a-z_]+)`", first))
    return names


def test_every_table_is_in_privacy_md() -> None:
    assert sorted(set(metadata.tables) - documented_tables()) == []
    assert sorted(metadata.tables) == [
        "channel_settings",
        "explanation_cooldowns",
        "explanations",
        "jobs",
        "lookups",
        "once_keys",
        "preferences",
        "suggestions",
    ]
