"""What a listener decides: the ack, and the work to do after it, as plain values.

A listener is a pure function ``Incoming → Outcome``. The dispatcher (``bot.slack.dispatch``)
then stores ``jobs`` durably *before* acking, acks with ``ack``, and hands ``tasks`` to a thread
pool. Both jobs and tasks are ``NewJob`` values: a kind and a JSON payload, performed by
``bot.slack.perform``. Durable jobs are for work that must not be lost once Slack hears "200"
(Slack never resends an acknowledged event): explanations, answers to mentions and DMs, shares.
Tasks are for work that is worthless later or cheap to redo by clicking again: Home tab and
modal updates (a ``trigger_id`` dies after 3 s), replacing a private card, counting a lookup.

Everything here is data, so a listener test is one call and a literal comparison. Every job
carries the workspace it is for (whose token posts it, whose state it touches). Dedupe keys are
Slack's own ids, which are unique across workspaces: an event that reaches two of our
installations (a Slack Connect channel between them) is still answered once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.slack.render.cards import Message
from bot.store.base import NO_WORKSPACE, PURGE_KIND, NewJob, Workspace

POST = "post"
EXPLAIN = "explain"
RESPOND = "respond"
VIEW = "view"
RECORD = "record"
HOME = "home"
PURGE = PURGE_KIND

ANSWER_WITHOUT_STORE = frozenset({POST, RESPOND})
"""Job kinds run in-process when the store cannot take them, for a first delivery only.
Explanations are not among them: without the store the bot cannot know what it said before,
so they pause rather than risk repeating themselves."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One request from Slack, reduced to what listeners read."""

    body: dict[str, Any]
    bot_user_id: str | None = None
    workspace: Workspace = NO_WORKSPACE
    """Whose request this is (Bolt reads it from every payload shape, Grid included)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The ack (keyword arguments for Bolt's ``ack``) and the work after it."""

    ack: dict[str, Any] = field(default_factory=dict)
    jobs: tuple[NewJob, ...] = ()
    tasks: tuple[NewJob, ...] = ()


NOTHING = Outcome()


def post(
    workspace: Workspace,
    channel: str,
    message: Message,
    *,
    thread_ts: str | None = None,
    dedupe_key: str | None = None,
    record: dict[str, Any] | None = None,
    tell_on_failure: dict[str, str] | None = None,
) -> NewJob:
    """``chat.postMessage``; optionally count a lookup once it is posted, and DM
    ``tell_on_failure["user"]`` its ``text`` (``{error}`` filled in) if Slack refuses for good."""
    payload: dict[str, Any] = {"channel": channel, "text": message.text, "blocks": message.blocks}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    if record is not None:
        payload["record"] = record
    if tell_on_failure is not None:
        payload["tell_on_failure"] = tell_on_failure
    return NewJob(POST, payload, dedupe_key, workspace)


def explain(
    workspace: Workspace,
    channel: str,
    thread_ts: str,
    terms: list[str],
    *,
    dedupe_key: str | None,
    author: str = "",
    shared: bool = False,
) -> NewJob:
    """Claim these terms for the thread when the job runs, then post what was granted.
    ``author`` (who wrote the message: they may have opted out) and ``shared`` (the event said
    the channel is shared with partners) are weighed when the job runs (bot.slack.perform)."""
    payload: dict[str, Any] = {"channel": channel, "thread_ts": thread_ts, "terms": terms}
    if author:
        payload["user"] = author
    if shared:
        payload["shared"] = True
    if dedupe_key:
        payload["claim"] = dedupe_key  # the claim's owner: this job, whichever attempt posts
    return NewJob(EXPLAIN, payload, dedupe_key, workspace)


def respond(
    workspace: Workspace,
    url: str,
    message: Message,
    *,
    response_type: str = "ephemeral",
    replace_original: bool = False,
    then: dict[str, Any] | None = None,
    on_failure: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> NewJob:
    """POST to a ``response_url``; ``then`` is a second body sent to the same URL on success
    (e.g. "Shared ✓" replacing the private card), ``on_failure`` an ephemeral message
    (``channel``, ``user``, ``text``) telling the user the truth when Slack refuses."""
    body = {
        "text": message.text,
        "blocks": message.blocks,
        "response_type": response_type,
        "replace_original": replace_original,
    }
    payload: dict[str, Any] = {"url": url, "body": body}
    if then is not None:
        payload["then"] = then
    if on_failure is not None:
        payload["on_failure"] = on_failure
    return NewJob(RESPOND, payload, dedupe_key, workspace)


def view(workspace: Workspace, method: str, **args: Any) -> NewJob:
    """``views.publish`` / ``views.open`` / ``views.update`` with these arguments."""
    return NewJob(VIEW, {"method": method, "args": args}, workspace=workspace)


def home(workspace: Workspace, user: str, mode: str, value: str, page: int) -> NewJob:
    """Publish a user's Home tab for a browsing state. A task, not a listener's work: its "most
    looked up" list is read from the store, which must never delay an ack."""
    state = {"user": user, "mode": mode, "value": value, "page": page}
    return NewJob(HOME, state, workspace=workspace)


def record(query: str, term: str | None, user: str) -> dict[str, Any]:
    """A lookup to count (as a task of its own, or attached to a post)."""
    return {"query": query, "term": term, "user": user}


def record_task(workspace: Workspace, query: str, term: str | None, user: str) -> NewJob:
    return NewJob(RECORD, record(query, term, user), workspace=workspace)


def purge(workspace: Workspace, *, dedupe_key: str | None) -> NewJob:
    """Delete everything stored for a workspace that uninstalled the app or revoked its token."""
    return NewJob(PURGE, {}, dedupe_key, workspace)
