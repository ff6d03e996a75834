"""bot.slack.oauth: signed states, the install pages, Bolt's settings, the two OAuth routes.

Pinned down: a state is ``<id>.<issued>.<mac>``, consumed once; a state with any part changed,
signed with another secret, or older than ten minutes is refused without touching the state
store; the failure page says which of these happened; every value from Slack or the request
is escaped; the OAuth routes exist only in OAuth mode and their pages are never cached.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltResponse
from slack_bolt.oauth.callback_options import FailureArgs
from slack_bolt.request import BoltRequest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import Engine

from bot.config import Settings, load_settings
from bot.logs import Throttled
from bot.slack import oauth as oauth_module
from bot.slack.app import make_client
from bot.slack.oauth import BOT_SCOPES, SignedStateStore, oauth_mode, oauth_settings
from bot.slack.oauth_pages import failure_page, success_page
from bot.slack.wsgi import create_wsgi_app
from bot.store import SqlStore, migrate
from tests.fakes import Clock

T0 = 1_700_000_000.0
SECRET = "state-secret-for-tests"


class Inner(OAuthStateStore):
    """A state store that remembers what it issued and what it was asked to consume."""

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.consumed: list[str] = []

    def issue(self, *args: Any, **kwargs: Any) -> str:
        self.issued.append(f"nonce-{len(self.issued)}")
        return self.issued[-1]

    def consume(self, state: str) -> bool:
        self.consumed.append(state)
        if state in self.issued:
            self.issued.remove(state)
            return True
        return False


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def inner() -> Inner:
    return Inner()


@pytest.fixture
def states(inner: Inner, clock: Clock) -> SignedStateStore:
    return SignedStateStore(inner, SECRET, clock=clock)


def test_a_state_is_the_stores_id_the_time_and_a_signature(states: SignedStateStore) -> None:
    nonce, issued, mac = states.issue().split(".")
    assert (nonce, issued, len(mac)) == ("nonce-0", "1700000000", 64)


def test_a_valid_state_is_consumed_once(states: SignedStateStore, inner: Inner) -> None:
    state = states.issue()
    assert (states.problem(state), states.consume(state), states.consume(state)) == (
        None,
        True,
        False,
    )
    assert inner.consumed == ["nonce-0", "nonce-0"]


def tampered(state: str) -> dict[str, str]:
    nonce, issued, mac = state.split(".")
    return {
        "other id": f"nonce-9.{issued}.{mac}",
        "later time": f"{nonce}.{int(issued) + 1}.{mac}",
        "other mac": f"{nonce}.{issued}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
        "no mac": f"{nonce}.{issued}",
        "bare id": nonce,
        "extra part": f"{state}.x",
        "non-ascii mac": f"{nonce}.{issued}.{'é' * 64}",
        "non-digit time": f"{nonce}.１２.{mac}",
        "empty": "",
    }


def test_a_tampered_state_is_forged_and_never_reaches_the_store(
    states: SignedStateStore, inner: Inner
) -> None:
    state = states.issue()
    for name, forged in tampered(state).items():
        assert (name, states.problem(forged), states.consume(forged)) == (name, "forged", False)
    assert states.problem(None) == "forged"
    assert inner.consumed == []
    assert states.consume(state) is True  # the real one still works


def test_a_state_signed_with_another_secret_is_forged(inner: Inner, clock: Clock) -> None:
    theirs = SignedStateStore(inner, "another-secret", clock=clock).issue()
    ours = SignedStateStore(inner, SECRET, clock=clock)
    assert (ours.problem(theirs), ours.consume(theirs), inner.consumed) == ("forged", False, [])


def test_a_state_expires_after_ten_minutes(
    states: SignedStateStore, inner: Inner, clock: Clock
) -> None:
    state = states.issue()
    clock.now = T0 + 600
    assert states.problem(state) is None
    clock.now = T0 + 601
    assert (states.problem(state), states.consume(state), inner.consumed) == (
        "expired",
        False,
        [],
    )


# -- pages ----------------------------------------------------------------------------------
def installation(**fields: Any) -> Installation:
    values: dict[str, Any] = {"app_id": "A0APP", "user_id": "U0ADMIN", "bot_token": "xoxb-1"}
    return Installation(**{**values, **fields})


def test_the_success_page_names_the_workspace_and_escapes_it() -> None:
    page = success_page(installation(team_id="T0AAA", team_name="R&D <b>"))
    assert "Partner Glossary is installed in R&amp;D &lt;b&gt;." in page
    assert '<a href="slack://app?team=T0AAA&amp;id=A0APP">Open it in Slack</a>' in page
    assert '<a href="https://app.slack.com/client/T0AAA">in your browser</a>' in page
    assert "<b>" not in page


def test_the_success_page_of_an_org_wide_install_names_the_organisation() -> None:
    page = success_page(
        installation(
            enterprise_id="E0GRID",
            enterprise_name="Globex",
            enterprise_url="https://globex.enterprise.slack.com/",
            is_enterprise_install=True,
        )
    )
    assert "Partner Glossary is installed in the Globex organisation." in page
    link = "https://globex.enterprise.slack.com/manage/organization/apps/profile/A0APP"
    assert f'<a href="{link}/workspaces/add">choose the workspaces it serves</a>' in page


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("forged", "This installation link was not issued by this app."),
        ("expired", "This installation link has expired."),
        ("invalid_state", "This installation link has already been used."),
        ("access_denied", "The installation was cancelled in Slack."),
        ("storage_error", "The app could not save the installation. Please try again in a moment."),
        ("team_<x>", "Slack reported an error (team_&lt;x&gt;)."),
    ],
)
def test_the_failure_page_says_what_went_wrong(reason: str, said: str) -> None:
    page = failure_page(reason, install_path="/slack/install")
    assert f"<p>{said}</p><p>Nothing was installed.</p>" in page
    assert '<a href="/slack/install">Start the installation again</a>' in page


# -- Bolt's settings --------------------------------------------------------------------------
@pytest.fixture
def settings() -> Settings:
    return load_settings(
        {
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_STATE_SECRET": SECRET,
        },
        dotenv_path=None,
    )


@pytest.fixture
def engine(tmp_path: Any) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    migrate.upgrade(url)
    store = SqlStore(url)
    yield store.engine
    store.close()


def test_settings_use_our_paths_scopes_and_signed_states(
    settings: Settings, engine: Engine
) -> None:
    oauth = oauth_settings(settings, engine)
    assert (oauth.install_path, oauth.redirect_uri_path) == (
        "/slack/install",
        "/slack/oauth_redirect",
    )
    assert (oauth.client_id, list(oauth.scopes or []), oauth.user_scopes) == (
        "111.222",
        list(BOT_SCOPES),
        [],
    )
    assert (oauth.state_expiration_seconds, oauth.installation_store_bot_only) == (600, True)
    assert isinstance(oauth.state_store, SignedStateStore)


def failure(oauth: Any, reason: str, query: str) -> BoltResponse:
    request = BoltRequest(body="", query=query, headers={})
    args = FailureArgs(
        request=request,
        reason=reason,
        suggested_status_code=401,
        settings=oauth,
        default=oauth.callback_options,
    )
    response: BoltResponse = oauth.callback_options.failure(args)
    return response


def test_the_failure_callback_tells_forged_from_used_and_logs_once(
    settings: Settings,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The module's throttle is per process: other tests may have used its keys already.
    monkeypatch.setattr(oauth_module, "throttled", Throttled(oauth_module.logger))
    caplog.set_level(logging.WARNING, logger="bot.slack.oauth")
    oauth = oauth_settings(settings, engine)
    used = oauth.state_store.issue()
    pages = [
        failure(oauth, "invalid_state", "state=abc.1.2"),
        failure(oauth, "invalid_state", "state=abc.1.2"),
        failure(oauth, "invalid_state", f"state={used}"),
        failure(oauth, "<script>", ""),
    ]
    assert [p.status for p in pages] == [401, 401, 401, 401]
    assert ["not issued by this app" in p.body for p in pages] == [True, True, False, False]
    assert "already been used" in pages[2].body
    assert "Slack reported an error (unknown_error)." in pages[3].body
    assert pages[0].headers["set-cookie"] == [
        "slack-app-oauth-state=deleted; Secure; HttpOnly; Path=/; "
        "Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    ]
    assert [r.getMessage() for r in caplog.records] == [
        "refused an install redirect: forged",
        "refused an install redirect: invalid_state",
        "refused an install redirect: unknown_error",
    ]


def test_oauth_mode_builds_an_app_with_bolts_installation_store_authorize(
    settings: Settings, engine: Engine
) -> None:
    mode = oauth_mode(settings, engine, make_client(None, "http://127.0.0.1:9/api/"))
    app = App(client=make_client(None, "http://127.0.0.1:9/api/"), **mode.app_kwargs())
    assert app.oauth_flow is not None
    assert app.installation_store is mode.settings.installation_store
    assert mode.tokens.store is app.installation_store
    assert (mode.authorize.bot_only, mode.authorize.cache_enabled) == (True, True)


# -- the routes -----------------------------------------------------------------------------
class FakeFlow:
    install_path = "/slack/install"
    redirect_uri_path = "/slack/oauth_redirect"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []

    def handle_installation(self, request: BoltRequest) -> BoltResponse:
        self.seen.append(("install", request.raw_body, request.query))
        return BoltResponse(status=200, body="<p>add</p>", headers={"Set-Cookie": ["s=1"]})

    def handle_callback(self, request: BoltRequest) -> BoltResponse:
        self.seen.append(("callback", request.raw_body, request.headers.get("cookie")))
        return BoltResponse(status=401, body="<p>no</p>", headers={"Content-Type": "text/html"})


class NoBolt:
    def dispatch(self, request: BoltRequest) -> BoltResponse:
        raise AssertionError("an OAuth page reached Bolt's dispatch")


def get(wsgi: Any, path: str, **environ: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO(), **environ}
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body: Iterable[bytes] = wsgi(env, lambda status, headers: started.append((status, headers)))
    ((status, headers),) = started
    return status, headers, b"".join(body)


def test_the_oauth_routes_go_to_bolts_flow_uncached() -> None:
    flow = FakeFlow()
    wsgi = create_wsgi_app(NoBolt(), signing_secret="s", ready=lambda: (True, {}), oauth=flow)
    status, headers, body = get(wsgi, "/slack/install", QUERY_STRING="team=T1")
    assert (status, body, ("set-cookie", "s=1") in headers) == ("200 OK", b"<p>add</p>", True)
    assert ("Cache-Control", "no-store") in headers
    assert ("Referrer-Policy", "no-referrer") in headers
    status, headers, body = get(
        wsgi, "/slack/oauth_redirect", QUERY_STRING="code=c&state=s", HTTP_COOKIE="s=1"
    )
    assert (status, body) == ("401 Unauthorized", b"<p>no</p>")
    assert flow.seen == [("install", "", {"team": ["T1"]}), ("callback", "", ["s=1"])]
    assert get(wsgi, "/slack/install", REQUEST_METHOD="POST")[0] == "405 Method Not Allowed"


def test_without_oauth_there_are_no_install_pages() -> None:
    wsgi = create_wsgi_app(NoBolt(), signing_secret="s", ready=lambda: (True, {}))
    assert get(wsgi, "/slack/install")[0] == "404 Not Found"
    assert get(wsgi, "/slack/oauth_redirect")[0] == "404 Not Found"
