"""Fixtures for Slack-layer unit tests: a service over the real glossary on a MemoryStore with a
fixed clock, oversized terms and queries, the few payload shapes the stand-in's builders do not
make (the Home search box, forwarded messages), and a Performer against the Slack stand-in.

Listener tests need no mocks: a listener is ``Incoming → Outcome``, called with a real payload
and compared with literal values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web import WebClient

from bot.replies import Card
from bot.service import GlossaryService
from bot.slack import work
from bot.slack.app import make_client
from bot.slack.dispatch import Listener
from bot.slack.perform import Performer
from bot.slack.work import Incoming, Outcome
from bot.store import MemoryStore
from bot.store.base import Workspace
from bot.terms import Glossary, Term
from tests.blockkit_limits import assert_block_kit_limits
from tests.standin import FakeSlackWebAPI, requests
from tests.standin.ids import BOT_USER_ID, TEAM_ID

T0 = 1_700_000_000.0
WORKSPACE = Workspace(None, TEAM_ID)
"""The stand-in's workspace, as Bolt reads it from the payloads the stand-in builds."""
HUGE_QUERY = ("<!channel> R&D <b> & " * 500)[:10_000]
"""10,000 characters of the text Slack's mrkdwn treats as control characters."""
EQL, MQL = "Ecosystem Qualified Lead", "Marketing Qualified Lead"
EQL_TITLE, MQL_TITLE = "Ecosystem Qualified Lead (EQL)", "Marketing Qualified Lead (MQL)"
EQL_DEFINITION = (
    "Ecosystem Qualified Leads (EQLs) are leads or potential customers that have been identified "
    "as a good fit for a company’s products or services, based on the company’s Ideal Customer "
    "Profile (ICP). These leads may come from a variety of sources, such as marketing campaigns, "
    "sales outreach, or referrals from partners or affiliates."
)


def incoming(body: dict[str, Any]) -> Incoming:
    """A request as the dispatcher hands it to a listener, from the bot's own workspace."""
    return Incoming(body, bot_user_id=BOT_USER_ID, workspace=WORKSPACE)


def card_of(service: GlossaryService, name: str) -> Card:
    """The card of a term that must exist."""
    card = service.card(name)
    assert card is not None, name
    return card


def call(listener: Listener, body: dict[str, Any]) -> Outcome:
    """Run a listener on ``body``; everything it would send Slack must pass the Block Kit
    checker, and every job must survive the store's JSON round trip."""
    outcome = listener(incoming(body))
    if "blocks" in outcome.ack or "text" in outcome.ack:
        assert_block_kit_limits(outcome.ack, "ack")
    for job in (*outcome.jobs, *outcome.tasks):
        assert json.loads(json.dumps(job.payload)) == job.payload, job.kind
        where = f"{job.kind} job"
        if job.kind == work.POST:
            assert_block_kit_limits(job.payload, where)
        elif job.kind == work.RESPOND:
            assert_block_kit_limits(job.payload["body"], where)
            assert_block_kit_limits(job.payload.get("then", {}), f"{where} (then)")
        elif job.kind == work.VIEW:
            assert_block_kit_limits(job.payload["args"], where)
    return outcome


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


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(glossary: Glossary, store: MemoryStore) -> GlossaryService:
    return GlossaryService(glossary, store, clock=lambda: T0)


@pytest.fixture(scope="session")
def huge_term() -> Term:
    """A term no maintainer should write, but the YAML schema allows: every field oversized."""
    return Term(
        term="Giant & <Term> " + "N" * 285,
        category="Odd & <category> " + "c" * 200,
        definition=("Q&A <!here> & R&D " * 300)[:5000],
        acronyms=("G&T", "<GT>"),
        aliases=tuple(f"alias {i} & <{i}>" for i in range(20)),
        related=(EQL, MQL, "No such term"),
    )


# --- a Performer against the stand-in (test_perform*, test_token_errors) -----------------------


def fast_client(api: FakeSlackWebAPI, token: str = "xoxb-test") -> WebClient:
    """The production client (its retry handlers and counts), waiting 10 ms between tries."""
    client = make_client(token, api.base_url)
    for handler in client.retry_handlers:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)
    return client


def sent(api: FakeSlackWebAPI, method: str) -> list[dict[str, Any]]:
    """What the bot sent to ``method``, without blocks (checked by the renderer tests)."""
    return [{k: v for k, v in c.params.items() if k != "blocks"} for c in api.calls(method)]


@pytest.fixture
def api(slack_api: FakeSlackWebAPI) -> Iterator[FakeSlackWebAPI]:
    """The stand-in; afterwards, everything the bot sent must pass the Block Kit checker."""
    yield slack_api
    for made in slack_api.calls():
        if made.method.startswith(("chat.", "views.")):
            assert_block_kit_limits(made.params, f"{made.method} call")
    for response in slack_api.responses():
        assert_block_kit_limits(response.body, f"response_url {response.id}")


@pytest.fixture
def token_errors() -> list[tuple[Workspace, str]]:
    """What the Performer reported as Slack's token errors, with the job's workspace."""
    return []


@pytest.fixture
def performer(
    service: GlossaryService, api: FakeSlackWebAPI, token_errors: list[tuple[Workspace, str]]
) -> Performer:
    client = fast_client(api)
    return Performer(
        service,
        lambda workspace: client,
        clock=lambda: T0,
        token_error=lambda workspace, error: token_errors.append((workspace, error)),
    )
