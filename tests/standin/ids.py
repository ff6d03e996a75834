"""Identifiers shaped like Slack's, shared by the fake servers and the payload builders.

Slack message timestamps double as message ids ("1712345678.000100"): they must be unique per
channel and sort in posting order, and bots key threads and de-duplication on them.  A single
process-wide generator keeps every ts handed out by the stand-in unique and strictly increasing,
whether it came from a fake `chat.postMessage` or from a request builder.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time

# Workspace the stand-in pretends to be.  Builders and fake API answers agree on these so that
# Bolt's self-event filter (auth.test user_id / bot_id) behaves as it does against real Slack.
TEAM_ID = "T0TEST"
TEAM_DOMAIN = "test"
APP_ID = "A0TEST"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
USER_ID = "U0USER"
USER_NAME = "alice"
CHANNEL_ID = "C0CHAN"
CHANNEL_NAME = "general"
DM_CHANNEL_ID = "D0DM"
VERIFICATION_TOKEN = "verification-token-standin"

_ALPHABET = string.ascii_uppercase + string.digits
_lock = threading.Lock()
_last_micros = 0
_counter = itertools.count(1)


def next_ts() -> str:
    """Return a unique, strictly increasing Slack ts ("seconds.micros", 6 decimals)."""
    global _last_micros
    with _lock:
        now = int(time.time() * 1_000_000)
        _last_micros = max(now, _last_micros + 1)
        micros = _last_micros
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def new_id(prefix: str, length: int = 10) -> str:
    """Random id in Slack's style: prefix + uppercase alphanumerics (e.g. "V0A1B2C3D4")."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def event_id() -> str:
    """Events API event ids look like "Ev0123ABCD45"."""
    return new_id("Ev", 10)


def trigger_id() -> str:
    """trigger_ids look like "12345.98765.abcd2358fdea"."""
    n = next(_counter)
    return f"{1000 + n}.{int(time.time())}.{secrets.token_hex(16)}"


def envelope_id() -> str:
    """Socket Mode envelope ids are UUID-like strings."""
    h = secrets.token_hex(16)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
