"""Fixtures for Slack-layer unit tests: a service on a MemoryStore, a Web client that records
calls instead of making them, Ack/Respond mocks, and oversized terms and queries."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse, WebClient

from bot.service import GlossaryService
from bot.slack.send import Sender
from bot.store import MemoryStore
from bot.terms import Glossary, Term
from tests.standin import requests
from tests.standin.ids import BOT_USER_ID

T0 = 1_700_000_000.0
HUGE_QUERY = ("<!channel> R&D <b> & " * 500)[:10_000]
"""10,000 characters of the text Slack's mrkdwn treats as control characters."""


def typed_search(text: str, metadata: str = "") -> dict[str, Any]:
    """The Home tab's search box after Enter: a ``plain_text_input`` action with ``value``."""
    typed = {
        "type": "plain_text_input",
        "action_id": "home_search",
        "block_id": "home_search",
        "value": text,
        "action_ts": "1700000000.000100",
    }
    return requests.block_actions_home(private_metadata=metadata, actions=[typed])


def slack_error(error: str, method: str = "chat.postMessage") -> SlackApiError:
    """The exception slack_sdk raises when Slack answers ``{"ok": false, "error": ...}``."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=f"https://slack.com/api/{method}",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError("The request to the Slack API failed.", response)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(glossary: Glossary, store: MemoryStore) -> GlossaryService:
    return GlossaryService(glossary, store, clock=lambda: T0)


@pytest.fixture
def client() -> Mock:
    """A WebClient whose methods are mocks: calls are recorded, nothing leaves the process."""
    return Mock(spec=WebClient)


@pytest.fixture
def sender() -> Sender:
    return Sender()  # no background executor: posts happen inside the handler call


@pytest.fixture
def ack() -> Mock:
    return Mock(spec=Ack)


@pytest.fixture
def respond() -> Mock:
    return Mock(spec=Respond)


@pytest.fixture
def context() -> BoltContext:
    return BoltContext({"bot_user_id": BOT_USER_ID})


@pytest.fixture(scope="session")
def huge_term() -> Term:
    """A term no maintainer should write, but the YAML schema allows: every field oversized."""
    return Term(
        term="Giant & <Term> " + "N" * 285,
        category="Odd & <category> " + "c" * 200,
        definition=("Q&A <!here> & R&D " * 300)[:5000],
        acronyms=("G&T", "<GT>"),
        aliases=tuple(f"alias {i} & <{i}>" for i in range(20)),
        related=("Ecosystem Qualified Lead", "Marketing Qualified Lead", "No such term"),
    )
