"""/define: the private answer is the ack itself; counting the lookup is a task after it.

Pinned down: every kind of reply (help, found, ambiguous, suggest, none, list, list X, unknown
category, search) acks ephemerally with its text; lookups, and only lookups, add one record
task with the query, the term it counted for and the asker; a miss is stored without the asker;
typed control characters are shown, never executed.
"""

from __future__ import annotations

import pytest
from slack_sdk.web import WebClient

from bot.service import GlossaryService
from bot.slack.listeners import commands
from bot.slack.perform import Performer
from bot.slack.render.answers import define_message
from bot.store import MemoryStore
from bot.store.base import NewJob, Workspace
from tests.standin import requests
from tests.standin.ids import USER_ID

from .conftest import EQL, EQL_DEFINITION, EQL_TITLE, WORKSPACE, call

PRM_TITLES = (
    "Partner Relationship Management (PRM), Partner Relationship Management Software (PRM), "
    "Partnership Relationship Manager (PRM)"
)


def record(query: str, term: str | None) -> NewJob:
    return NewJob("record", {"query": query, "term": term, "user": USER_ID}, workspace=WORKSPACE)


@pytest.mark.parametrize(
    ("text", "reply", "tasks"),
    [
        ("", "How to use /define", ()),
        ("help", "How to use /define", ()),
        ("eql", f"{EQL_TITLE}: {EQL_DEFINITION}", (record("eql", EQL),)),
        (
            "PRM",
            f"“PRM” has 3 meanings: {PRM_TITLES}",
            (record("PRM", "Partner Relationship Management"),),
        ),
        ("ELQ", "I don't have an entry for “ELQ”. Did you mean this?", (record("ELQ", None),)),
        (
            "CRM",
            "Sorry, there is no glossary entry for “CRM” yet. I've noted it for the maintainers.",
            (record("CRM", None),),
        ),
        ("list", "Glossary categories", ()),
        ("list pricing", "Pricing models: 8 terms", ()),
        ("list nope", "There is no category “nope”.", ()),
        ("search commission", "6 entries mention “commission”, best match first:", ()),
    ],
    ids=[
        "empty",
        "help",
        "found",
        "ambiguous",
        "suggest",
        "none",
        "list",
        "list-one",
        "unknown-category",
        "search",
    ],
)
def test_define_acks_privately_and_records_lookups(
    service: GlossaryService, text: str, reply: str, tasks: tuple[NewJob, ...]
) -> None:
    outcome = call(commands.define(service), requests.slash_command(text))
    expected_blocks = define_message(service.define(text)).blocks
    assert outcome.ack == {"response_type": "ephemeral", "text": reply, "blocks": expected_blocks}
    assert (outcome.jobs, outcome.tasks) == ((), tasks)


def test_typed_control_characters_are_shown_not_executed(service: GlossaryService) -> None:
    typed = "&lt;!channel&gt; R&amp;D"  # as Slack escapes what was typed
    outcome = call(commands.define(service), requests.slash_command(typed))
    assert "“&lt;!channel&gt; R&amp;D”" in outcome.ack["text"]
    buttons = [e for b in outcome.ack["blocks"] for e in b.get("elements", [])]
    suggest = [e["value"] for e in buttons if e.get("action_id") == "suggest_term"]
    assert suggest == ["R&D"]  # mentions are dropped from what is suggested and counted
    assert "<!channel>" not in str(outcome.ack)
    assert outcome.tasks == (record("R&D", None),)


def test_an_overlong_command_is_cut_before_the_lookup(service: GlossaryService) -> None:
    outcome = call(commands.define(service), requests.slash_command("x" * 4000))
    assert outcome.tasks == (record("x" * 200, None),)


class RecordingStore(MemoryStore):
    """Remembers each lookup exactly as the service hands it to the store."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[tuple[Workspace, str, str | None, str]] = []

    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        self.recorded.append((workspace, query, term, user))


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("eql", (WORKSPACE, "eql", EQL, USER_ID)),
        ("CRM", (WORKSPACE, "crm", None, "")),
        ("  What  is   a ZORB? ", (WORKSPACE, "zorb", None, "")),
        ("<@U0OTHER> zorb", (WORKSPACE, "zorb", None, "")),
    ],
    ids=["hit", "miss", "question", "mention"],
)
def test_a_miss_is_stored_without_its_asker_and_normalised(
    service: GlossaryService, text: str, stored: tuple[Workspace, str, str | None, str]
) -> None:
    service.store = store = RecordingStore()
    (task,) = call(commands.define(service), requests.slash_command(text)).tasks
    Performer(service, lambda workspace: WebClient()).perform(
        task.kind, task.payload, task.workspace
    )
    assert store.recorded == [stored]


def test_the_command_is_registered_as_slash_define(service: GlossaryService) -> None:
    assert list(commands.listeners(service)) == ["/define"]
