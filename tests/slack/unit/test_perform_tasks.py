"""The Performer's in-process kinds against the Slack stand-in: views, the Home tab, counts.

Pinned down: a view call goes out with its arguments; a ``home`` task builds the Home tab after
the ack, for the clicker, from the store: its "most looked up" row is the workspace's own top
terms (never another workspace's), and a page past the end is clamped to the last one in both
the list and the state kept in private_metadata; a record task counts its lookup; a count the
store refuses after a post is a warning and a store-error metric, never a failed job (the
answer is out: a retry would post it twice); work of an unknown kind or view method fails for
good without calling Slack.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bot.logs import Throttled
from bot.service import GlossaryService
from bot.slack import perform, work
from bot.slack.failures import Failed
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.store import MemoryStore, StoreError
from bot.store.base import Workspace
from bot.terms import Glossary, Term
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import CHANNEL_ID, USER_ID

from .conftest import EQL, EQL_TITLE, MQL, MQL_TITLE, WORKSPACE, fast_client, sent

OTHER = Workspace("E0ORG", "T0OTHER")
MESSAGE = Message("Glossary: EQL", [{"type": "divider"}])
PARTNER = "Channel partner"


def test_a_view_call_goes_out_with_its_arguments(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    job = work.view(WORKSPACE, "views.publish", user_id=USER_ID, view=view)
    performer.perform(job.kind, job.payload, job.workspace)
    assert sent(api, "views.publish") == [{"user_id": USER_ID, "view": view}]


def most_looked_up(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(button text, term) of the "Most looked up" row; [] when the view has none."""
    blocks = view["blocks"]
    heading = {"type": "mrkdwn", "text": "*Most looked up*"}
    at = [i for i, b in enumerate(blocks) if b["type"] == "section" and b["text"] == heading]
    if not at:
        return []
    row = blocks[at[0] + 1]
    return [(button["text"]["text"], button["value"]) for button in row["elements"]]


def test_home_publishes_the_workspaces_own_most_looked_up(
    performer: Performer, api: FakeSlackWebAPI, service: GlossaryService
) -> None:
    for workspace, query, term in [
        (WORKSPACE, "mql", MQL),
        (WORKSPACE, "eql", EQL),
        (WORKSPACE, "eqls", EQL),
        (OTHER, "cp", PARTNER),
        (OTHER, "cp", PARTNER),
        (OTHER, "cp", PARTNER),
    ]:
        service.record(workspace, query, term, USER_ID)
    task = work.home(WORKSPACE, USER_ID, "all", "", 0)
    performer.perform(task.kind, task.payload, task.workspace)
    (call,) = api.calls("views.publish")
    assert (call.params["user_id"], call.params["view"]["type"]) == (USER_ID, "home")
    assert most_looked_up(call.params["view"]) == [(EQL_TITLE, EQL), (MQL_TITLE, MQL)]
    assert call.params["view"]["private_metadata"] == '{"mode": "all", "value": "", "page": 0}'


def test_home_without_lookups_has_no_most_looked_up_row(
    performer: Performer, api: FakeSlackWebAPI, service: GlossaryService
) -> None:
    service.record(OTHER, "cp", PARTNER, USER_ID)  # another workspace's count
    task = work.home(WORKSPACE, USER_ID, "all", "", 0)
    performer.perform(task.kind, task.payload, task.workspace)
    (call,) = api.calls("views.publish")
    assert most_looked_up(call.params["view"]) == []


def test_home_clamps_a_page_past_the_end_to_the_last(api: FakeSlackWebAPI) -> None:
    """20 terms starting with P are two pages of 15; the listener passed page 9 on as clicked."""
    terms = [Term(f"Partner tier {i:02d}", "Tiers", f"Tier {i}.") for i in range(20)]
    client = fast_client(api)
    performer = Performer(GlossaryService(Glossary(terms), MemoryStore()), lambda w: client)
    task = work.home(WORKSPACE, USER_ID, "letter", "P", 9)
    performer.perform(task.kind, task.payload, task.workspace)
    (call,) = api.calls("views.publish")
    view = call.params["view"]
    assert json.loads(view["private_metadata"]) == {"mode": "letter", "value": "P", "page": 1}
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sections[3:] == [
        "*Terms starting with P*  (20 terms · page 2 of 2)",
        *(f"*Partner tier {i}*  ·  _Tiers_\nTier {i}." for i in range(15, 20)),
        "*Your messages*\nTick this and I leave your messages alone.",
        "*Missing a term?* Suggest it to the glossary maintainers.",
    ]


@pytest.mark.parametrize(
    ("kind", "payload", "error"),
    [
        ("view", {"method": "chat.delete", "args": {}}, "unknown_view_method:chat.delete"),
        ("sing", {}, "unknown_job_kind:sing"),
    ],
)
def test_work_it_does_not_know_fails_for_good(
    performer: Performer, api: FakeSlackWebAPI, kind: str, payload: dict[str, Any], error: str
) -> None:
    with pytest.raises(Failed, match=f"^{re.escape(error)}$"):
        performer.perform(kind, payload, WORKSPACE)
    assert api.calls() == []


def store_errors(operation: str) -> float:
    """``glossary_store_errors_total`` for ``operation`` so far in this process."""
    value = REGISTRY.get_sample_value("glossary_store_errors_total", {"operation": operation})
    return value or 0.0


class UncountingStore(MemoryStore):
    """A store that takes jobs but whose lookup counts fail (a lock timeout, say)."""

    def record_lookup(
        self, workspace: Workspace, query: str, term: str | None, now: float, user: str = ""
    ) -> None:
        raise StoreError("lookups: statement timeout")


def test_a_count_the_store_refuses_after_the_post_does_not_fail_the_job(
    glossary: Glossary,
    api: FakeSlackWebAPI,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer is out: failing the job would post it again when the job is retried."""
    monkeypatch.setattr(perform, "throttled", Throttled(perform.logger))  # a fresh interval
    caplog.set_level(logging.WARNING, logger="bot.slack.perform")
    client = fast_client(api)
    performer = Performer(GlossaryService(glossary, UncountingStore()), lambda w: client)
    job = work.post(WORKSPACE, CHANNEL_ID, MESSAGE, record=work.record("eql", EQL, USER_ID))
    before = store_errors("record")
    performer.perform(job.kind, job.payload, job.workspace)  # no Failed, no Retry, no StoreError
    assert [c["channel"] for c in sent(api, "chat.postMessage")] == [CHANNEL_ID]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "a lookup was answered but not counted: lookups: statement timeout")
    ]
    assert store_errors("record") - before == 1.0


def test_a_record_task_counts_the_lookup(performer: Performer, store: MemoryStore) -> None:
    task = work.record_task(WORKSPACE, "MQL", MQL, USER_ID)
    performer.perform(task.kind, task.payload, task.workspace)
    assert store.top_terms(WORKSPACE, 5) == [(MQL, 1)]
