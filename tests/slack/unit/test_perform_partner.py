"""Partner-safe posting, from a real payload through its listener to the Performer and the
Slack stand-in (tests/partner_terms: EQL has a partner wording, Deal desk is internal).

Pinned down, for thread explanations: a channel Slack shares (the event's flag, or
``conversations.info``) never hears an internal term or wording; the kill switch still holds;
a channel's settings (off, paused, max terms, partner view) and an author's opt-out apply when
the job runs. For mention answers, the shortcut and Share: the partner version goes where
partners read, the internal one elsewhere, and a DM never asks Slack; an internal term is never
shared where partners read, and the sharer is told so privately.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.service import GlossaryService, Policy
from bot.slack import work
from bot.slack.listeners import actions, events, shortcuts
from bot.slack.perform import Performer
from bot.slack.render.cards import Message
from bot.store import MemoryStore
from bot.store.base import ChannelSettings, NewJob
from tests.partner_terms import DESK, DESK_TEXT, EQL, EQL_INTERNAL, EQL_PARTNER, partner_glossary
from tests.standin import FakeSlackWebAPI, ids, requests
from tests.standin.ids import BOT_USER_ID, USER_ID

from .conftest import T0, WORKSPACE, call, fast_client

TEXT = "the deal desk scored our EQLs"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def make(
    api: FakeSlackWebAPI, store: MemoryStore, **policy: Any
) -> tuple[GlossaryService, Performer]:
    service = GlossaryService(partner_glossary(), store, Policy(**policy), clock=lambda: T0)
    client = fast_client(api)
    return service, Performer(service, lambda workspace: client, clock=lambda: T0)


@pytest.fixture
def service(api: FakeSlackWebAPI, store: MemoryStore) -> GlossaryService:
    return make(api, store)[0]


@pytest.fixture
def performer(api: FakeSlackWebAPI, store: MemoryStore) -> Performer:
    return make(api, store)[1]


def run(performer: Performer, jobs: tuple[NewJob, ...]) -> None:
    for job in jobs:
        performer.perform(job.kind, job.payload, job.workspace)


def explain(performer: Performer, channel: str, *, user: str = USER_ID, flag: bool = False) -> None:
    body = requests.message(TEXT, channel=channel, user=user, is_ext_shared_channel=flag)
    run(performer, call(events.message(performer.service), body).jobs)


def posted(api: FakeSlackWebAPI, channel: str) -> list[str]:
    """Everything the bot posted to ``channel``, as one string per post (text and blocks)."""
    return [
        json.dumps([c.params.get("text"), c.decoded("blocks")], ensure_ascii=False)
        for c in api.calls("chat.postMessage")
        if c.params.get("channel") == channel
    ]


def asked(api: FakeSlackWebAPI) -> list[str]:
    return [str(c.params.get("channel")) for c in api.calls("conversations.info")]


# --- thread explanations ----------------------------------------------------------------------


def test_an_unshared_channel_hears_the_internal_wording(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    channel = ids.new_id("C")
    explain(performer, channel)
    (post,) = posted(api, channel)
    assert DESK_TEXT in post and EQL_INTERNAL in post and EQL_PARTNER not in post
    assert asked(api) == [channel]


@pytest.mark.parametrize("how", ["event-flag", "conversations.info"])
def test_a_shared_channel_never_hears_an_internal_term(
    performer: Performer, api: FakeSlackWebAPI, how: str
) -> None:
    channel = ids.new_id("C")
    if how == "conversations.info":
        api.set_channel(channel, is_ext_shared=True)
    explain(performer, channel, flag=how == "event-flag")
    (post,) = posted(api, channel)
    assert EQL_PARTNER in post
    assert DESK not in post and EQL_INTERNAL not in post
    assert asked(api) == ([] if how == "event-flag" else [channel])


def test_the_kill_switch_holds_for_channels_slack_shares(
    api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    _, performer = make(api, store, in_slack_connect=False)
    shared, forced = ids.new_id("C"), ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    store.set_channel_settings(WORKSPACE, forced, ChannelSettings(partner_view=True))
    explain(performer, shared)
    explain(performer, forced)  # the partner view by choice: not a Slack Connect channel
    assert posted(api, shared) == []
    (post,) = posted(api, forced)
    assert EQL_PARTNER in post and DESK not in post


@pytest.mark.parametrize(
    "settings",
    [ChannelSettings(explain=False), ChannelSettings(paused_until=T0 + 3600)],
    ids=["off", "paused"],
)
def test_channel_settings_can_silence_explanations(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore, settings: ChannelSettings
) -> None:
    channel = ids.new_id("C")
    store.set_channel_settings(WORKSPACE, channel, settings)
    explain(performer, channel)
    assert posted(api, channel) == []
    assert asked(api) == []  # decided before asking Slack anything


def test_channel_settings_limit_the_terms_in_full(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    channel = ids.new_id("C")
    store.set_channel_settings(WORKSPACE, channel, ChannelSettings(max_terms=1))
    explain(performer, channel)
    (call_,) = [c for c in api.calls("chat.postMessage") if c.params["channel"] == channel]
    sections = [b["text"]["text"] for b in call_.decoded("blocks") if b["type"] == "section"]
    assert sections == [f"*{DESK}*\n{DESK_TEXT}"]
    assert call_.params["text"] == f"Glossary: {DESK}, {EQL} (EQL)"


def test_an_opted_out_author_is_not_explained(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    channel = ids.new_id("C")
    store.set_opted_out(WORKSPACE, "U0QUIET", True, T0)
    explain(performer, channel, user="U0QUIET")
    assert posted(api, channel) == []
    explain(performer, channel, user="U0TALKS")
    assert len(posted(api, channel)) == 1


# --- mention answers, the shortcut, Share -------------------------------------------------------


def mention(performer: Performer, channel: str, text: str, flag: bool = False) -> None:
    body = requests.app_mention(f"<@{BOT_USER_ID}> {text}", channel=channel)
    body["is_ext_shared_channel"] = flag
    run(performer, call(events.app_mention(performer.service), body).jobs)


def test_a_mention_answer_in_a_shared_channel_is_the_partner_one(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    shared, own = ids.new_id("C"), ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    mention(performer, shared, "what is the deal desk?")
    mention(performer, shared, "what is an EQL?")
    mention(performer, own, "what is the deal desk?")
    no_entry, eql = posted(api, shared)
    assert "no partner-facing glossary entry" in no_entry and DESK_TEXT not in no_entry
    assert EQL_PARTNER in eql and EQL_INTERNAL not in eql
    (internal,) = posted(api, own)
    assert DESK_TEXT in internal


def test_a_dm_answer_is_internal_and_asks_slack_nothing(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    body = requests.dm_message("what is the deal desk?", channel="D0PARTNERDM")
    run(performer, call(events.message(performer.service), body).jobs)
    (post,) = posted(api, "D0PARTNERDM")
    assert DESK_TEXT in post and asked(api) == []


def test_the_shortcut_in_a_shared_channel_lists_partner_terms_only(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    shared = ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    url = api.response_url("R0SHORTCUT")
    body = requests.message_action(
        "explain_message_terms", text=TEXT, channel=shared, response_url=url
    )
    run(performer, call(shortcuts.explain_message(performer.service), body).tasks)
    (response,) = api.responses("R0SHORTCUT")
    words = json.dumps(response.body, ensure_ascii=False)
    assert EQL_PARTNER in words and DESK not in words and EQL_INTERNAL not in words


def share_click(channel: str, term: str, url: str) -> dict[str, Any]:
    return requests.block_actions_message(
        "share_term", term, channel=channel, is_ephemeral=True, response_url=url
    )


def test_sharing_in_a_shared_channel_posts_the_partner_card(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    shared = ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    click = share_click(shared, EQL, api.response_url("R0SHARE"))
    run(performer, call(actions.share_term(performer.service), click).jobs)
    shared_card, confirmation = [r.body for r in api.responses("R0SHARE")]
    assert shared_card["response_type"] == "in_channel"
    words = json.dumps(shared_card, ensure_ascii=False)
    assert EQL_PARTNER in words and EQL_INTERNAL not in words and DESK not in words
    assert confirmation == {
        "text": "Shared “Ecosystem Qualified Lead (EQL)” with the channel.",
        "replace_original": True,
    }


def test_an_internal_term_is_not_shared_where_partners_read(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    shared = ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    click = share_click(shared, DESK, api.response_url("R0DESK"))
    run(performer, call(actions.share_term(performer.service), click).jobs)
    notice = "“Deal desk” is internal: I don't share it in channels with partners."
    (only,) = [r.body for r in api.responses("R0DESK")]
    assert (only["response_type"], only["replace_original"], only["text"]) == (
        "ephemeral",
        False,
        notice,
    )


def test_an_internal_term_shared_from_the_modal_is_withheld_and_the_sharer_told(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    forced = ids.new_id("C")
    store.set_channel_settings(WORKSPACE, forced, ChannelSettings(partner_view=True))
    selected = {"type": "conversations_select", "selected_conversation": forced}
    body = requests.view_submission(
        "term_modal",
        {"share_channel": {"channel": selected}},
        private_metadata=json.dumps({"term": DESK}),
        view_id="V0MODAL",
    )
    run(performer, call(actions.views(performer.service)["term_modal"], body).jobs)
    assert posted(api, forced) == []
    told = [
        c.params["text"] for c in api.calls("chat.postMessage") if c.params["channel"] == USER_ID
    ]
    assert told == ["“Deal desk” is internal: I don't share it in channels with partners."]


def test_a_post_without_a_channel_it_can_tell_about_is_the_partner_one(
    performer: Performer, api: FakeSlackWebAPI, store: MemoryStore
) -> None:
    """The store cannot say whether the channel forces the partner view: partners it is."""
    channel = ids.new_id("C")
    store.close()
    job = work.post(WORKSPACE, channel, Message("internal words"))
    job = NewJob(job.kind, {**job.payload, "partner": {"text": "partner words", "blocks": []}})
    performer.perform(job.kind, job.payload, WORKSPACE)
    assert [c.params["text"] for c in api.calls("chat.postMessage")] == ["partner words"]


def related_click(channel: str, term: str, url: str, *, ephemeral: bool) -> dict[str, Any]:
    """A related-term (or "did you mean") button, on a public answer or a private card."""
    return requests.block_actions_message(
        "define_term_0", term, channel=channel, is_ephemeral=ephemeral, response_url=url
    )


@pytest.mark.parametrize("ephemeral", [False, True], ids=["public-answer", "private-card"])
def test_a_term_button_in_a_shared_channel_opens_the_partner_card(
    performer: Performer, api: FakeSlackWebAPI, ephemeral: bool
) -> None:
    """Anyone in the channel may click (a partner too): the card they get is the partner one."""
    shared = ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    click = related_click(shared, EQL, api.response_url("R0RELATED"), ephemeral=ephemeral)
    run(performer, call(actions.define_term(performer.service), click).tasks)
    (card,) = [r.body for r in api.responses("R0RELATED")]
    words = json.dumps(card, ensure_ascii=False)
    assert EQL_PARTNER in words and EQL_INTERNAL not in words and DESK not in words
    assert (card["response_type"], card["replace_original"]) == ("ephemeral", ephemeral)


def test_an_internal_term_button_in_a_shared_channel_shows_no_card(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    """A private internal card (``/define`` in a shared channel) has an internal related
    button: clicked there, it says so without the term's name, and keeps the card."""
    shared = ids.new_id("C")
    api.set_channel(shared, is_ext_shared=True)
    click = related_click(shared, DESK, api.response_url("R0DESKBTN"), ephemeral=True)
    run(performer, call(actions.define_term(performer.service), click).tasks)
    (only,) = [r.body for r in api.responses("R0DESKBTN")]
    assert only == {
        "text": "That term has no partner-facing glossary entry.",
        "blocks": [],
        "response_type": "ephemeral",
        "replace_original": False,
    }


def test_a_term_button_in_an_own_channel_or_a_dm_opens_the_internal_card(
    performer: Performer, api: FakeSlackWebAPI
) -> None:
    own = ids.new_id("C")
    for channel, url in ((own, "R0OWN"), ("D0PARTNERDM", "R0DM")):
        click = related_click(channel, DESK, api.response_url(url), ephemeral=False)
        run(performer, call(actions.define_term(performer.service), click).tasks)
        (card,) = [r.body for r in api.responses(url)]
        assert DESK_TEXT in json.dumps(card, ensure_ascii=False)
    assert asked(api) == [own]  # a DM is never asked about
