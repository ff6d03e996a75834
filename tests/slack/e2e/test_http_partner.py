"""Partner-safe answers end to end: ``python -m bot serve`` on tests/partner_terms' glossary.

Shared channels are marked the two ways Slack marks them: the event's ``is_ext_shared_channel``
and ``conversations.info`` (the stand-in answers ``is_ext_shared`` as configured). Channel
settings and opt-outs are written to the bot's own SQLite store, as ``/define settings`` and
App Home's toggle would. Negative checks wait for the job queue to drain (``wait_idle``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import SqlStore
from bot.store.base import ChannelSettings, Workspace
from tests.partner_terms import (
    DESK,
    DESK_TEXT,
    EQL_INTERNAL,
    EQL_PARTNER,
    EQL_TITLE,
    GOLD,
    GOLD_TEXT,
    SILVER,
    YAML,
)
from tests.standin import BOT_USER_ID, FakeSlackWebAPI, ids
from tests.standin import requests as rq
from tests.standin.ids import TEAM_ID

from .harness import HttpBot, http_bot, mrkdwn_texts, new_channel, posts, wait_posts, wait_until

TEXT = "the deal desk scored our EQLs"
WORKSPACE = Workspace(None, TEAM_ID)
NO_ENTRY = "Sorry, there is no partner-facing glossary entry for “what is the deal desk?”."


def glossary_dir(root: Path) -> Path:
    folder = root / "glossary"
    folder.mkdir()
    (folder / "partner.yaml").write_text(YAML, "utf-8")
    return folder


@pytest.fixture(scope="module")
def bot(stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    workdir = tmp_path_factory.mktemp("partner-bot")
    path = str(glossary_dir(workdir))
    with http_bot(stand_in, workdir, workers=1, GLOSSARY_PATH=path, JOB_LEASE_S="4") as started:
        yield started


@pytest.fixture(scope="module")
def store(bot: HttpBot) -> Iterator[SqlStore]:
    """The bot's own store, to change settings as its modals would."""
    sql = SqlStore(bot.env["DATABASE_URL"])
    yield sql
    sql.close()


def words(call: Any) -> str:
    """Everything a post says: its text and every string in its blocks."""
    return f"{call.params.get('text')}\n{call.decoded('blocks')}"


def shared_channel(api: FakeSlackWebAPI) -> str:
    channel = new_channel()
    api.set_channel(channel, is_ext_shared=True)
    return channel


# --- thread explanations ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["event-flag", "conversations.info"])
def test_a_shared_channel_hears_only_partner_wording(
    bot: HttpBot, api: FakeSlackWebAPI, how: str
) -> None:
    flagged = how == "event-flag"
    channel = new_channel() if flagged else shared_channel(api)
    bot.event(rq.message(TEXT, channel=channel, is_ext_shared_channel=flagged))
    (post,) = wait_posts(api, channel)
    sections = [b["text"]["text"] for b in post.decoded("blocks") if b["type"] == "section"]
    assert sections == [f"*{EQL_TITLE}*\n{EQL_PARTNER}"]
    assert post.params["text"] == f"Glossary: {EQL_TITLE}"
    assert DESK not in words(post) and EQL_INTERNAL not in words(post)


def test_an_internal_channel_hears_the_internal_wording(bot: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    bot.event(rq.message(TEXT, channel=channel))
    (post,) = wait_posts(api, channel)
    assert post.params["text"] == f"Glossary: {DESK}, {EQL_TITLE}"
    assert EQL_INTERNAL in words(post) and EQL_PARTNER not in words(post)


def test_a_deprecated_term_is_redirected(bot: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    bot.event(rq.message("still on the silver tier?", channel=channel))
    (post,) = wait_posts(api, channel)
    section = post.decoded("blocks")[0]["text"]["text"]
    assert section == f"*{SILVER}* is deprecated; use *{GOLD}*.\n{GOLD_TEXT}"


# --- channel settings and opt-out -------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [ChannelSettings(explain=False), ChannelSettings(paused_until=4_000_000_000.0)],
    ids=["off", "paused"],
)
def test_silenced_channels_get_no_explanation(
    bot: HttpBot, api: FakeSlackWebAPI, store: SqlStore, settings: ChannelSettings
) -> None:
    channel = new_channel()
    store.set_channel_settings(WORKSPACE, channel, settings)
    assert bot.event(rq.message(TEXT, channel=channel)).status == 200
    bot.wait_idle()
    assert posts(api, channel) == []


def test_max_terms_and_the_partner_view_come_from_the_channel(
    bot: HttpBot, api: FakeSlackWebAPI, store: SqlStore
) -> None:
    few, partners = new_channel(), new_channel()
    store.set_channel_settings(WORKSPACE, few, ChannelSettings(max_terms=1))
    store.set_channel_settings(WORKSPACE, partners, ChannelSettings(partner_view=True))
    bot.event(rq.message(TEXT, channel=few))
    bot.event(rq.message(TEXT, channel=partners))
    (limited,) = wait_posts(api, few)
    assert "Also mentioned: *Ecosystem Qualified Lead (EQL)*." in mrkdwn_texts(
        limited.decoded("blocks")
    )
    (forced,) = wait_posts(api, partners)
    assert EQL_PARTNER in words(forced) and DESK not in words(forced)


def test_an_opted_out_authors_message_is_not_explained(
    bot: HttpBot, api: FakeSlackWebAPI, store: SqlStore
) -> None:
    channel = new_channel()
    store.set_opted_out(WORKSPACE, "U0OPTEDOUT", True, 1_700_000_000.0)
    bot.event(rq.message(TEXT, channel=channel, user="U0OPTEDOUT"))
    bot.wait_idle()
    assert posts(api, channel) == []


# --- mentions, the shortcut, Share ------------------------------------------------------------


def test_mentions_in_a_shared_channel_get_partner_answers(
    bot: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    for answered, question in enumerate(("what is the deal desk?", "what is an EQL?"), 1):
        body = rq.app_mention(f"<@{BOT_USER_ID}> {question}", channel=channel)
        body["is_ext_shared_channel"] = True
        bot.event(body)
        wait_posts(api, channel, answered)  # in turn: the order of the answers is checked
    no_entry, eql = posts(api, channel)
    assert no_entry.params["text"] == NO_ENTRY and DESK_TEXT not in words(no_entry)
    assert EQL_PARTNER in words(eql) and EQL_INTERNAL not in words(eql)


def test_the_shortcut_in_a_shared_channel_names_partner_terms_only(
    bot: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = shared_channel(api)
    url = api.response_url("R0PARTNERSHORTCUT")
    bot.interactive(
        rq.message_action("explain_message_terms", text=TEXT, channel=channel, response_url=url)
    )
    (response,) = api.wait_for_response("R0PARTNERSHORTCUT")
    said = str(response.body)
    assert EQL_PARTNER in said and DESK not in said and EQL_INTERNAL not in said


def test_share_in_a_shared_channel_posts_the_partner_card_and_withholds_internal_terms(
    bot: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = shared_channel(api)
    for term, rid in (("Ecosystem Qualified Lead", "R0SHAREEQL"), (DESK, "R0SHAREDESK")):
        click = rq.block_actions_message(
            "share_term",
            term,
            channel=channel,
            is_ephemeral=True,
            response_url=api.response_url(rid),
        )
        bot.interactive(click)
    card, confirmation = [r.body for r in api.wait_for_response("R0SHAREEQL", count=2)]
    assert card["response_type"] == "in_channel" and EQL_PARTNER in str(card)
    assert EQL_INTERNAL not in str(card)
    assert confirmation["text"] == f"Shared “{EQL_TITLE}” with the channel."
    (withheld,) = [r.body for r in api.wait_for_response("R0SHAREDESK")]
    assert (withheld["response_type"], withheld["text"]) == (
        "ephemeral",
        "“Deal desk” is internal: I don't share it in channels with partners.",
    )
    bot.wait_idle()
    assert len(api.responses("R0SHAREDESK")) == 1  # no "Shared ✓" after it


def test_a_related_term_button_in_a_shared_channel_opens_the_partner_card(
    bot: HttpBot, api: FakeSlackWebAPI
) -> None:
    """Anyone in the channel (a partner too) may click a button of a public answer."""
    channel = shared_channel(api)
    click = rq.block_actions_message(
        "define_term_0", "Ecosystem Qualified Lead", channel=channel,
        response_url=api.response_url("R0RELATEDEQL"),
    )  # fmt: skip
    bot.interactive(click)
    (card,) = [r.body for r in api.wait_for_response("R0RELATEDEQL")]
    assert card["response_type"] == "ephemeral" and EQL_PARTNER in str(card)
    assert EQL_INTERNAL not in str(card) and DESK not in str(card)


# --- private /define, misses --------------------------------------------------------------------


def test_private_define_shows_both_wordings_labelled(bot: HttpBot) -> None:
    eql = bot.command("EQL").json()
    assert eql["blocks"][1]["text"]["text"] == (
        f"*Internal:* {EQL_INTERNAL}\n*What partners see:* {EQL_PARTNER}"
    )
    desk = bot.command("deal desk").json()
    assert desk["blocks"][1]["text"]["text"] == (
        f"{DESK_TEXT}\n_Internal only: not shown in shared channels._"
    )


def lookups(bot: HttpBot) -> list[tuple[str, str | None, str]]:
    path = bot.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT query, term, user_id FROM lookups ORDER BY id").fetchall()
    return [(str(q), t, str(u)) for q, t, u in rows]


EARLIER_DEFINES = ("eql", "deal desk")
"""What the previous test's ``/define``s count: a background task (not a durable job, so
``wait_idle`` does not wait for it) that may land after this test has started."""


def test_misses_are_real_lookups_normalised_and_anonymous(bot: HttpBot) -> None:
    def new_rows() -> list[tuple[str, str | None, str]]:
        return [row for row in lookups(bot)[before:] if row[0] not in EARLIER_DEFINES]

    before = len(lookups(bot))
    dm = ids.new_id("D")
    for text in ("thanks", "can you join the partner call at three tomorrow please"):
        bot.event(rq.dm_message(text, channel=dm))
    bot.wait_idle()
    assert new_rows() == []  # chatter and sentences are no lookups
    bot.command("  What is a   ZORB? ", user="U0ASKER")
    bot.event(rq.dm_message("what's a quux?", channel=dm, user="U0ASKER"))
    found = wait_until(lambda: len(new_rows()) >= 2 or None, 5, "two misses")
    assert found
    assert sorted(new_rows()) == [("quux", None, ""), ("zorb", None, "")]


def test_the_kill_switch_still_stops_explanations_in_shared_channels(
    stand_in: FakeSlackWebAPI, api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    path = str(glossary_dir(tmp_path))
    settings = {"GLOSSARY_PATH": path, "EXPLAIN_IN_SLACK_CONNECT": "false"}
    with http_bot(stand_in, tmp_path, name="no-connect", workers=1, **settings) as quiet:
        flagged, detected, internal = new_channel(), shared_channel(api), new_channel()
        quiet.event(rq.message("our EQLs", channel=flagged, is_ext_shared_channel=True))
        quiet.event(rq.message("our EQLs", channel=detected))
        quiet.event(rq.message("our EQLs", channel=internal))
        wait_posts(api, internal)
        quiet.wait_idle()
        assert (posts(api, flagged), posts(api, detected)) == ([], [])
