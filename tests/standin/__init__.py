"""A local stand-in for Slack: Web API, response_url, Socket Mode, and signed requests.

Why: the bot's behaviour under Slack's real protocols (errors, rate limits, retries, acks,
signatures) can only be tested against something that speaks those protocols.  Everything
binds to 127.0.0.1 on random ports; nothing here imports the ``bot`` package.
"""

from . import ids, requests
from .ids import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    TEAM_ID,
    USER_ID,
    next_ts,
)
from .requests import Prepared, SentResponse, SignedSender
from .socket_mode import FakeSocketModeServer
from .web_api import FakeSlackWebAPI, ResponseCall
from .web_methods import Call

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DM_CHANNEL_ID",
    "TEAM_ID",
    "USER_ID",
    "Call",
    "FakeSlackWebAPI",
    "FakeSocketModeServer",
    "Prepared",
    "ResponseCall",
    "SentResponse",
    "SignedSender",
    "ids",
    "next_ts",
    "requests",
]
