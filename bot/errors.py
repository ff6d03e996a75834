"""Exceptions shared across layers (kept here so no layer imports another just for a type)."""

from __future__ import annotations


class StartupError(Exception):
    """Start-up cannot go on; the message says why in one line and names the setting.

    The runner prints it as ``Cannot start: <message>`` and exits 2, never with a traceback.
    """
