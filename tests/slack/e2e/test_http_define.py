"""``/define`` over HTTP: the private answer is the ack body itself, within Slack's 3 seconds."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.blockkit_limits import assert_block_kit_limits
from tests.standin import FakeSlackWebAPI

from .harness import ACK_DEADLINE, HttpBot, buttons, headers, mrkdwn_texts, strings

HELP_FIRST_LINE = "*Look up partnership jargon — only you see the answer.*"


def define(http: HttpBot, text: str) -> dict[str, Any]:
    """``/define <text>``: checks the ack is a fast, private, well-formed reply and returns it."""
    started = time.monotonic()
    response = http.command(text)
    elapsed = time.monotonic() - started
    assert (response.status, response.headers["content-type"]) == (
        200,
        "application/json;charset=utf-8",
    )
    assert elapsed < ACK_DEADLINE, f"/define {text!r} acked after {elapsed:.2f}s"
    reply: dict[str, Any] = response.json()
    assert reply["response_type"] == "ephemeral"
    assert_block_kit_limits(reply, f"/define {text!r}")
    return reply


def test_define_eql_is_a_private_card_with_related_and_share_buttons(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    reply = define(http, "eql")
    assert headers(reply["blocks"]) == ["Ecosystem Qualified Lead (EQL)"]
    assert reply["text"].startswith("Ecosystem Qualified Lead (EQL): Ecosystem Qualified Leads")
    # Keyed by action_id: where on the card the share button sits is the renderer's choice.
    assert {b["action_id"]: (b["text"]["text"], b["value"]) for b in buttons(reply["blocks"])} == {
        "define_term_0": ("Ideal Customer Profile (ICP)", "Ideal Customer Profile"),
        "define_term_1": ("Marketing Qualified Lead (MQL)", "Marketing Qualified Lead"),
        "define_term_2": ("Partner ecosystem", "Partner ecosystem"),
        "share_term": ("Share in channel", "Ecosystem Qualified Lead"),
    }
    assert "*Category:* Sales and leads" in mrkdwn_texts(reply["blocks"])
    http.wait_idle()
    assert api.calls() == []  # answered in the ack alone: no Web API call, no response_url


def test_define_an_ambiguous_acronym_lists_every_meaning(http: HttpBot) -> None:
    reply = define(http, "PRM")
    assert reply["blocks"][0]["text"]["text"] == "“PRM” has 3 meanings in the glossary:"
    assert headers(reply["blocks"]) == [
        "Partner Relationship Management (PRM)",
        "Partner Relationship Management Software (PRM)",
        "Partnership Relationship Manager (PRM)",
    ]


def test_define_tolerates_typos(http: HttpBot) -> None:
    assert headers(define(http, "partnr portl")["blocks"]) == ["Partner portal"]


def test_define_unknown_term_says_so(http: HttpBot) -> None:
    reply = define(http, "CRM")
    assert reply["text"] == (
        "Sorry, there is no glossary entry for “CRM” yet. I've noted it for the maintainers."
    )
    assert reply["blocks"][0]["text"]["text"] == reply["text"]
    hint = "Try `/define search &lt;words&gt;`, or browse every term with `/define list`."
    assert hint in mrkdwn_texts(reply["blocks"]).splitlines()


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_define_without_a_term_shows_usage(http: HttpBot, text: str) -> None:
    reply = define(http, text)
    assert reply["text"] == "How to use /define"
    assert reply["blocks"][0]["text"]["text"].splitlines()[0] == HELP_FIRST_LINE


def test_define_list_names_the_categories(http: HttpBot) -> None:
    reply = define(http, "list")
    text = reply["blocks"][0]["text"]["text"]
    assert text.splitlines()[0] == "*The glossary has 99 terms in these categories:*"
    assert "• *Pricing models* — 8 terms  (`/define list pricing`)" in text.splitlines()


def test_define_list_a_category_shows_its_terms(http: HttpBot) -> None:
    reply = define(http, "list pricing")
    assert headers(reply["blocks"]) == ["Pricing models (8)"]
    assert [b["text"]["text"] for b in buttons(reply["blocks"])] == [
        "Commission-based pricing",
        "Flat fee pricing",
        "Hybrid pricing",
        "Reseller pricing",
        "Subscription pricing",
        "Usage-based pricing",
        "Value-based pricing",
        "White label pricing",
    ]


def test_define_search_lists_the_entries_that_mention_a_word(http: HttpBot) -> None:
    reply = define(http, "search commission")
    assert reply["blocks"][0]["text"]["text"] == (
        "*6 entries mention “commission”*, best match first:"
    )
    assert [b["text"]["text"] for b in buttons(reply["blocks"])] == [
        "Commission-based pricing",
        "Agent",
        "Referral partner",
        "Affiliate",
        "Hybrid pricing",
        "Partner program",
    ]


# Slash-command text arrives with typed & < > escaped (should_escape: false keeps real mentions
# as <!channel> / <@U…>); neither form may come back as a live mention.
@pytest.mark.parametrize(
    "text",
    ["<!channel>", "&lt;!here&gt;", "<@U123>", "what is <!everyone> PRM <!subteam^S1>", "PRM <>"],
)
def test_define_never_echoes_a_live_mention(http: HttpBot, text: str) -> None:
    reply = define(http, text)
    everything = "\n".join(strings(reply))
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam"):
        assert live not in everything
    # …while the user still sees what they asked for, escaped:
    if text == "<@U123>":
        assert "“&lt;@U123&gt;”" in reply["blocks"][0]["text"]["text"]
