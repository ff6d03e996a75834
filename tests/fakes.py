"""Small fakes shared by tests."""

from __future__ import annotations

T0 = 1_700_000_000.0
"""A fixed "now" (2023-11-14): tests never depend on the real clock."""


class Clock:
    """A clock that only moves when the test says so (``clock.now = …`` or ``advance``)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
