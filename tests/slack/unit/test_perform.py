"""The Performer against the local Slack stand-in (a real HTTP server, so slack_sdk's own
encoding, errors and retry handlers run unchanged): posts, explanations, response_url shares.

Pinned down: a post goes out with unfurling off and counts its lookup only once posted; a
refusal is ``Failed`` with Slack's error, counts nothing and DMs the user when asked to; a
rejected token is reported with the job's workspace; an explanation claims its terms, posts
them in the thread, and gives the claim back when the post fails, so a later explanation can
post them; a response_url refused (``expired_url``) is ``Failed``, the user is told the truth
privately and never "Shared"; 5xx past the client's retries, and unreachable hosts, are
``Retry``. Everything sent passes the Block Kit checker. Views, Home and counts (also a count
the store refuses after a post): test_perform_tasks.
"""

from __future__ import annotations

import logging

import pytest

from bot.replies import Explanation
from bot.slack import work
from bot.slack.failures import Failed, Retry
from bot.slack.perform import Performer, explain_failure
from bot.slack.render.cards import Message, explanation_message
from bot.store import MemoryStore
from bot.store.base import NewJob, Workspace
from bot.terms import Glossary
from tests.standin import FakeSlackWebAPI
from tests.standin.ids import CHANNEL_ID, USER_ID
from tests.standin.interactive import UNSET_RESPONSE_URL

from .conftest import EQL, EQL_TITLE, MQL, WORKSPACE, sent

MESSAGE = Message("Glossary: EQL", [{"type": "section", "text": {"type": "mrkdwn", "text": "EQL"}}])
THREAD = "1700000000.000100"
FAILURE = "I couldn't share “EQL”: Slack said `{error}`. {advice}"
OTHER = Workspace("E0ORG", "T0OTHER")


# --- post ---------------------------------------------------------------------------------------


def test_a_post_goes_out_and_then_counts_its_lookup(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    counted = work.record("eql", EQL, USER_ID)
    job = work.post(WORKSPACE, CHANNEL_ID, MESSAGE, thread_ts=THREAD, record=counted)
    performer.perform(job.kind, job.payload, job.workspace)
    assert sent(api, "chat.postMessage") == [
        {
            "channel": CHANNEL_ID,
            "text": "Glossary: EQL",
            "thread_ts": THREAD,
            "unfurl_links": False,
            "unfurl_media": False,
        }
    ]
    assert store.top_terms(WORKSPACE, 5) == [(EQL, 1)]


def test_a_refused_post_fails_counts_nothing_and_tells_the_user(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    api.fail("chat.postMessage", "not_in_channel")
    job = work.post(
        WORKSPACE,
        CHANNEL_ID,
        MESSAGE,
        record=work.record("eql", EQL, USER_ID),
        tell_on_failure={"user": USER_ID, "text": FAILURE},
    )
    with pytest.raises(Failed, match=r"^not_in_channel$"):
        performer.perform(job.kind, job.payload, job.workspace)
    told = (
        "I couldn't share “EQL”: Slack said `not_in_channel`. "
        "Invite me to the channel (/invite @glossary) and try again."
    )
    assert sent(api, "chat.postMessage")[1:] == [{"channel": USER_ID, "text": told}]
    assert store.top_terms(WORKSPACE, 5) == []


def test_a_refused_token_is_reported_with_the_jobs_workspace(
    performer: Performer, api: FakeSlackWebAPI, token_errors: list[tuple[Workspace, str]]
) -> None:
    """OAuth mode forgets that installation's token only (test_token_errors)."""
    api.fail("chat.postMessage", "token_revoked")
    job = work.post(OTHER, CHANNEL_ID, MESSAGE)
    with pytest.raises(Failed, match=r"^token_revoked$"):
        performer.perform(job.kind, job.payload, job.workspace)
    assert token_errors == [(OTHER, "token_revoked")]


def test_server_errors_past_the_clients_retries_are_retry(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    api.server_error("chat.postMessage", status=503, times=3)
    job = work.post(WORKSPACE, CHANNEL_ID, MESSAGE)
    with pytest.raises(Retry, match=r"^fatal_error$"):
        performer.perform(job.kind, job.payload, job.workspace)
    assert len(api.calls("chat.postMessage")) == 3


def test_a_passing_server_error_is_retried_inside_the_client(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    api.server_error("chat.postMessage", status=500, times=2)
    job = work.post(WORKSPACE, CHANNEL_ID, MESSAGE)
    performer.perform(job.kind, job.payload, job.workspace)
    assert len(api.calls("chat.postMessage")) == 3


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("not_in_channel", "Invite me to the channel (/invite @glossary) and try again."),
        ("is_archived", "That channel is archived."),
        ("used_url", "The button has expired: run `/define` again to share."),
        ("invalid_blocks", "Please try again in a moment."),
    ],
)
def test_a_failure_notice_names_the_error_and_what_to_do(error: str, advice: str) -> None:
    expected = f"I couldn't share “EQL”: Slack said `{error}`. {advice}"
    assert explain_failure(FAILURE, error) == expected


def test_refusals_are_logged_once_per_kind_and_place(
    performer: Performer, api: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """An expected refusal is a warning per channel, anything else an error per method. The
    channel and error code are unique to this test: the throttle is shared by the process."""
    caplog.set_level(logging.WARNING, logger="bot.slack.perform")
    api.fail("chat.postMessage", "not_in_channel", times=3)
    api.fail("views.publish", "invalid_arguments_h8", times=2)
    for channel in ("C0LOGGED1", "C0LOGGED1", "C0LOGGED2"):
        with pytest.raises(Failed):
            performer.perform("post", work.post(WORKSPACE, channel, MESSAGE).payload, WORKSPACE)
    for _ in range(2):
        with pytest.raises(Failed):
            job = work.view(WORKSPACE, "views.publish", user_id="U0LOGGED")
            performer.perform(job.kind, job.payload, job.workspace)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Slack refused chat.postMessage in C0LOGGED1: not_in_channel"),
        ("WARNING", "Slack refused chat.postMessage in C0LOGGED2: not_in_channel"),
        ("ERROR", "Slack call views.publish failed (U0LOGGED): invalid_arguments_h8"),
    ]


# --- explain ------------------------------------------------------------------------------------


def explain(performer: Performer, terms: list[str], thread_ts: str = THREAD) -> None:
    job = work.explain(WORKSPACE, CHANNEL_ID, thread_ts, terms, dedupe_key=None)
    performer.perform(job.kind, job.payload, job.workspace)


def test_an_explanation_claims_then_posts_once_per_thread(
    performer: Performer, api: FakeSlackWebAPI, glossary: Glossary
) -> None:
    explain(performer, [EQL, MQL])
    explain(performer, [EQL])  # already explained in this thread: nothing to post
    (call,) = api.calls("chat.postMessage")
    assert sent(api, "chat.postMessage") == [
        {
            "channel": CHANNEL_ID,
            "thread_ts": THREAD,
            "text": f"Glossary: {EQL_TITLE}, Marketing Qualified Lead (MQL)",
            "unfurl_links": False,
            "unfurl_media": False,
        }
    ]
    eql, mql = glossary.get(EQL), glossary.get(MQL)
    assert eql is not None and mql is not None
    assert call.params["blocks"] == explanation_message(Explanation((eql, mql))).blocks


@pytest.mark.parametrize("failure", ["refused", "server-error"])
def test_a_failed_explanation_gives_its_terms_back(
    performer: Performer, api: FakeSlackWebAPI, failure: str
) -> None:
    if failure == "refused":
        api.fail("chat.postMessage", "not_in_channel")
    else:
        api.server_error("chat.postMessage", times=3)
    with pytest.raises(Failed if failure == "refused" else Retry):
        explain(performer, [EQL])
    explain(performer, [EQL])  # e.g. after the bot was invited: the same terms go out
    last = sent(api, "chat.postMessage")[-1]
    assert (last["thread_ts"], last["text"]) == (THREAD, f"Glossary: {EQL_TITLE}")
    assert len(api.calls("chat.postMessage")) == (2 if failure == "refused" else 4)


# --- respond ------------------------------------------------------------------------------------


def share(api: FakeSlackWebAPI) -> NewJob:
    return work.respond(
        WORKSPACE,
        api.response_url("R0SHARE"),
        MESSAGE,
        response_type="in_channel",
        then={"text": "Shared “EQL” with the channel.", "replace_original": True},
        on_failure={"channel": CHANNEL_ID, "user": USER_ID, "text": FAILURE},
    )


def test_a_share_posts_then_confirms(performer: Performer, api: FakeSlackWebAPI) -> None:
    job = share(api)
    performer.perform(job.kind, job.payload, job.workspace)
    assert [r.body for r in api.responses("R0SHARE")] == [
        {
            "text": "Glossary: EQL",
            "blocks": MESSAGE.blocks,
            "response_type": "in_channel",
            "replace_original": False,
        },
        {"text": "Shared “EQL” with the channel.", "replace_original": True},
    ]
    assert api.calls() == []


def test_an_expired_share_tells_the_user_the_truth(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    api.fail_response_url(404, "expired_url")
    job = share(api)
    with pytest.raises(Failed, match=r"^expired_url$"):
        performer.perform(job.kind, job.payload, job.workspace)
    assert len(api.responses("R0SHARE")) == 1  # the share itself; no "Shared" after it
    told = (
        "I couldn't share “EQL”: Slack said `expired_url`. "
        "The button has expired: run `/define` again to share."
    )
    assert sent(api, "chat.postEphemeral") == [
        {"channel": CHANNEL_ID, "user": USER_ID, "text": told}
    ]
    assert "Shared" not in str([c.params for c in api.calls()])


def test_when_the_private_notice_is_refused_too_the_user_gets_a_dm(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    api.fail_response_url(404, "expired_url")
    api.fail("chat.postEphemeral", "channel_not_found")
    job = share(api)
    with pytest.raises(Failed):
        performer.perform(job.kind, job.payload, job.workspace)
    told = (
        "I couldn't share “EQL”: Slack said `expired_url`. "
        "The button has expired: run `/define` again to share."
    )
    assert sent(api, "chat.postMessage") == [{"channel": USER_ID, "text": told}]


def test_a_response_url_server_error_is_retry(performer: Performer, api: FakeSlackWebAPI) -> None:
    api.fail_response_url(500, "oops")
    job = share(api)
    with pytest.raises(Retry, match=r"^oops$"):
        performer.perform(job.kind, job.payload, job.workspace)
    assert api.calls() == []


def test_an_unreachable_response_url_is_retry(performer: Performer) -> None:
    job = work.respond(WORKSPACE, UNSET_RESPONSE_URL, MESSAGE)
    with pytest.raises(Retry):
        performer.perform(job.kind, job.payload, job.workspace)
