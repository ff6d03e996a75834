"""Distribution, end to end: one workspace's state never changes another's, and an uninstall
or a revoked bot token deletes exactly that workspace's rows.

``python -m bot serve`` runs in OAuth mode (see test_distribution_install.py) on a SQLite file
that the tests read directly (``rows_by``): a purge is checked table by table, not through the
bot's own answers. Negative checks wait until the job queue is idle (``wait_idle``); lookups
are counted by an in-process task after the ack, so tests wait for their rows to appear.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.standin import Call, FakeSlackWebAPI, ids
from tests.standin import requests as rq
from tests.standin.installs import Install

from .harness import HttpBot, new_channel, posts, wait_posts, wait_until
from .oauth_harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    command_from,
    delivered,
    install_at,
    oauth_http_bot,
    rows_by,
    say,
)

EQL = "Glossary: Ecosystem Qualified Lead (EQL)"
JV, MDF, VAR = "Joint venture (JV)", "Market development funds (MDF)", "Value-added reseller (VAR)"
Where = tuple[Install, str]
"""A workspace as Slack delivers to it: the installation that serves it, and its team id."""


@pytest.fixture(scope="module")
def bot(stand_in: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    workdir = tmp_path_factory.mktemp("oauth-state")
    with oauth_http_bot(stand_in, workdir, EXPLAIN_COOLDOWN_HOURS="24") as started:
        yield started
        assert "Traceback" not in started.log()


@pytest.fixture
def slack(api: FakeSlackWebAPI) -> FakeSlackWebAPI:
    api.oauth_client(CLIENT_ID, CLIENT_SECRET)
    return api


def installed(bot: HttpBot, slack: FakeSlackWebAPI, install: Install) -> Install:
    assert install_at(bot.port, slack, install).status == 200
    return install


def two_workspaces(bot: HttpBot, slack: FakeSlackWebAPI, grid: bool) -> tuple[Where, Where]:
    """Two installations (Alpha, Beta), or one org-wide install serving two workspaces."""
    if grid:
        org = Install(None, enterprise_id=ids.new_id("E"), is_enterprise_install=True)
        installed(bot, slack, org)
        return (org, ids.new_id("T")), (org, ids.new_id("T"))
    alpha = installed(bot, slack, Install(ids.new_id("T"), "Alpha"))
    beta = installed(bot, slack, Install(ids.new_id("T"), "Beta"))
    return (alpha, str(alpha.team_id)), (beta, str(beta.team_id))


def define(bot: HttpBot, where: Where, text: str, user: str = "") -> None:
    form = command_from(text, *where, user=user or ids.new_id("U"))
    assert bot.sender.command(form).status == 200


def rows(bot: HttpBot, where: Where) -> dict[str, int]:
    return rows_by(bot.env["DATABASE_URL"], "team_id", where[1])


def wait_lookups(bot: HttpBot, where: Where, count: int) -> None:
    wait_until(lambda: rows(bot, where)["lookups"] == count, 5, f"{count} lookups in {where[1]}")


def most_looked_up(bot: HttpBot, slack: FakeSlackWebAPI, where: Where) -> tuple[str, list[str]]:
    """Open the Home tab in ``where``: (the token it was published with, its "Most looked up")."""
    user = ids.new_id("U")
    home = rq.app_home_opened(user=user)["event"]
    assert bot.event(delivered(home, *where)).status == 200

    def published() -> Call | None:
        calls = slack.calls("views.publish")
        return next((c for c in calls if c.params.get("user_id") == user), None)

    call = wait_until(published, 5, f"the Home tab of {user}")
    blocks = call.decoded("view")["blocks"]
    texts = [(b.get("text") or {}).get("text") for b in blocks]
    if "*Most looked up*" not in texts:
        return str(call.token), []
    row = blocks[texts.index("*Most looked up*") + 1]
    return str(call.token), [e["text"]["text"] for e in row["elements"]]


# -- per-workspace state ------------------------------------------------------------------------


@pytest.mark.parametrize("grid", [False, True], ids=["two-installs", "one-org-two-workspaces"])
def test_cooldowns_are_per_workspace_and_a_shared_thread_is_explained_once(
    bot: HttpBot, slack: FakeSlackWebAPI, grid: bool
) -> None:
    a, b = two_workspaces(bot, slack, grid)
    shared = new_channel()  # a Slack Connect channel both workspaces are in
    first, second = ids.next_ts(), ids.next_ts()
    say(bot, *a, "Any EQLs from the summit?", shared, ts=first, shared=True)
    wait_posts(slack, shared, 1)
    # B replies in A's thread: one thread history for both, so it is not told again …
    say(bot, *b, "Those EQLs, yes", shared, thread_ts=first, shared=True)
    bot.wait_idle()
    assert len(posts(slack, shared)) == 1
    # … but a new thread from B is, within A's cooldown: B's cooldown is its own.
    say(bot, *b, "Our EQLs are ready", shared, ts=second, shared=True)
    wait_posts(slack, shared, 2)
    say(bot, *a, "More EQLs?", shared, shared=True)  # A's own cooldown still holds
    bot.wait_idle()
    told = posts(slack, shared)
    assert [(c.token, c.params["text"], c.params["thread_ts"]) for c in told] == [
        (a[0].token, EQL, first),
        (b[0].token, EQL, second),
    ]
    assert [rows(bot, w)["explanation_cooldowns"] for w in (a, b)] == [1, 1]


@pytest.mark.parametrize("grid", [False, True], ids=["two-installs", "one-org-two-workspaces"])
def test_lookup_counts_and_the_home_tab_are_per_workspace(
    bot: HttpBot, slack: FakeSlackWebAPI, grid: bool
) -> None:
    a, b = two_workspaces(bot, slack, grid)
    for text in ("JV", "JV", "MDF"):
        define(bot, a, text)
    define(bot, b, "VAR")
    wait_lookups(bot, a, 3)
    wait_lookups(bot, b, 1)
    assert most_looked_up(bot, slack, a) == (a[0].token, [JV, MDF])
    assert most_looked_up(bot, slack, b) == (b[0].token, [VAR])


# -- uninstall and revocation -------------------------------------------------------------------

KINDS = ("app_uninstalled", "tokens_revoked")


def goodbye(kind: str, install: Install) -> dict[str, Any]:
    """What Slack sends once ``install`` was removed (``app_uninstalled``) or its bot token
    revoked (``tokens_revoked`` naming the bot user)."""
    event: dict[str, Any] = {"type": kind, "event_ts": ids.next_ts()}
    if kind == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": [install.bot_user_id]}
    return event


def make_state(bot: HttpBot, slack: FakeSlackWebAPI, where: Where) -> None:
    """An explanation (and its cooldown) and two lookups in ``where``."""
    channel = new_channel()
    say(bot, *where, "Any EQLs?", channel)
    define(bot, where, "JV", user="U0ANA")
    define(bot, where, "nothing-matches-this")  # a miss: kept without a user
    wait_posts(slack, channel)
    wait_lookups(bot, where, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_uninstall_or_revocation_purges_exactly_that_workspace(
    bot: HttpBot, slack: FakeSlackWebAPI, kind: str
) -> None:
    purges_exactly_one_workspace(bot, slack, kind)


def test_the_purge_on_postgres(
    slack: FakeSlackWebAPI, tmp_path: Path, fresh_postgres_url: str
) -> None:
    with oauth_http_bot(slack, tmp_path, DATABASE_URL=fresh_postgres_url) as on_postgres:
        purges_exactly_one_workspace(on_postgres, slack, "app_uninstalled")
        assert "Traceback" not in on_postgres.log()


def purges_exactly_one_workspace(bot: HttpBot, slack: FakeSlackWebAPI, kind: str) -> None:
    a, b = two_workspaces(bot, slack, grid=False)
    slack.fail("chat.postMessage", "channel_not_found")  # A's first post fails for good …
    say(bot, *a, "Any EQLs?", new_channel())
    bot.wait_idle()  # … and its job is kept as failed: a jobs row of A's
    make_state(bot, slack, a)
    make_state(bot, slack, b)
    state = {
        "jobs": 0,
        "explanations": 1,
        "explanation_cooldowns": 1,
        "lookups": 2,
        "slack_installations": 1,
        "slack_bots": 1,
    }
    assert (rows(bot, a), rows(bot, b)) == ({**state, "jobs": 1}, state)

    slack.revoke(a[0])  # Slack has revoked A's tokens by the time it tells the app
    mark = bot.mark()
    assert bot.event(delivered(goodbye(kind, a[0]), *a)).status == 200
    bot.wait_idle()
    assert (rows(bot, a), rows(bot, b)) == (dict.fromkeys(state, 0), state)
    assert f"workspace -:{a[1]} uninstalled; its data was deleted" in bot.log(mark)

    # A is no longer served (nothing is even queued for it); B is, with its own token.
    in_a, in_b = new_channel(), new_channel()
    say(bot, *a, "Any EQLs?", in_a)
    say(bot, *b, "Any EQLs?", in_b)
    (answer,) = wait_posts(slack, in_b)
    bot.wait_idle()
    assert (posts(slack, in_a), answer.token) == ([], b[0].token)
    assert rows(bot, a) == dict.fromkeys(state, 0)


def test_an_org_wide_uninstall_purges_every_workspace_of_the_organisation(
    bot: HttpBot, slack: FakeSlackWebAPI
) -> None:
    g1, g2 = two_workspaces(bot, slack, grid=True)
    alone = installed(bot, slack, Install(ids.new_id("T"), "Elsewhere"))
    other = (alone, str(alone.team_id))
    org, enterprise = g1[0], str(g1[0].enterprise_id)
    for where in (g1, g2, other):
        make_state(bot, slack, where)
    everything = rows_by(bot.env["DATABASE_URL"], "enterprise_id", enterprise)
    assert everything == {
        "jobs": 0,
        "explanations": 2,
        "explanation_cooldowns": 2,
        "lookups": 4,
        "slack_installations": 1,
        "slack_bots": 1,
    }
    before = rows(bot, other)

    slack.revoke(org)
    assert bot.event(delivered(goodbye("app_uninstalled", org), *g2)).status == 200
    bot.wait_idle()
    after = rows_by(bot.env["DATABASE_URL"], "enterprise_id", enterprise)
    assert (after, rows(bot, other)) == (dict.fromkeys(everything, 0), before)
