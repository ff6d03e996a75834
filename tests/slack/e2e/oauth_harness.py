"""A Bolt app in OAuth mode behind our WSGI routes, served in-process, against the stand-in.

Why not ``python -m bot serve``: until serve is wired for OAuth mode, this assembles the same
pieces serve will (``bot.slack.oauth.oauth_mode``, ``create_wsgi_app(..., oauth=...)``, the
migrated SQLite database) around one small listener, and serves them with wsgiref on
127.0.0.1. The browser side of the install is played by ``install()``: it opens
``/slack/install``, keeps the state cookie, lets the stand-in issue the code Slack would, and
follows the redirect back.

The module-level helpers do the same against any server, including the real ``python -m bot
serve`` in OAuth mode (``oauth_http_bot``): the browser round trip (``install_at``), events and
commands as Slack delivers them for an installation (``delivered``, ``say``, ``command_from``),
and a count of a workspace's rows in every table (``rows_by``).
"""

from __future__ import annotations

import html
import http.client
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltContext
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.config import load_settings
from bot.slack.app import make_client
from bot.slack.oauth import OAuthMode, oauth_mode
from bot.slack.wsgi import create_wsgi_app
from bot.store import SqlStore, migrate
from tests.standin import FakeSlackWebAPI, SentResponse, SignedSender, ids
from tests.standin import requests as rq
from tests.standin.installs import Install

from .harness import SECRET, HttpBot, bot_env

SIGNING_SECRET = "oauth-e2e-signing-secret"
CLIENT_ID, CLIENT_SECRET, STATE_SECRET = "111.222", "oauth-e2e-client-secret", "e2e-state-secret"
COOKIE = "slack-app-oauth-state"
_HREF = re.compile(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"')


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Page:
    status: int
    headers: list[tuple[str, str]]
    body: str

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


class OAuthBot:
    """The app on a random port; ``clock`` drives the signed states' age."""

    def __init__(self, api: FakeSlackWebAPI, workdir: Path, clock: Any) -> None:
        url = f"sqlite:///{workdir}/state.sqlite3"
        migrate.upgrade(url)
        self.sql = SqlStore(url)
        settings = load_settings(
            {
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_CLIENT_ID": CLIENT_ID,
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "SLACK_STATE_SECRET": STATE_SECRET,
                "SLACK_TOKEN_ROTATION": "true",
                "SLACK_API_URL": api.base_url,
            },
            dotenv_path=None,
        )
        client = make_client(None, api.base_url)
        self.mode: OAuthMode = oauth_mode(settings, self.sql.engine, client, clock=clock)
        app = App(
            client=client,
            **self.mode.app_kwargs(),
            request_verification_enabled=False,
            process_before_response=True,
            logger=logging.getLogger("bot.slack.bolt"),
        )

        @app.event("app_mention")
        def mentioned(event: dict[str, Any], context: BoltContext) -> None:
            """Answers with the bot user id Bolt's authorize found, using the request's token."""
            assert context.client is not None
            context.client.chat_postMessage(
                channel=event["channel"], text=f"I am {context.bot_user_id}"
            )

        app.event("app_uninstalled")(app.default_app_uninstalled_event_listener())
        app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
        assert app.oauth_flow is not None
        wsgi = create_wsgi_app(
            app,
            signing_secret=SIGNING_SECRET,
            ready=lambda: (True, {}),
            oauth=app.oauth_flow,
            access_log=False,
        )
        self.server: WSGIServer = make_server("127.0.0.1", 0, wsgi, handler_class=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.slack = SignedSender(self.base_url, SIGNING_SECRET)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.sql.close()

    def get(self, path: str, query: dict[str, str] | None = None, cookie: str = "") -> Page:
        return get_page(self.server.server_port, path, query, cookie)

    def start_install(self) -> tuple[str, str]:
        """Open the Add to Slack page: (the state in its link, the cookie the browser keeps)."""
        return start_install(self.server.server_port)

    def finish_install(self, code: str, state: str, cookie: str) -> Page:
        return self.get("/slack/oauth_redirect", {"code": code, "state": state}, cookie)

    def install(self, api: FakeSlackWebAPI, install: Install) -> Page:
        """The whole browser round trip for ``install``."""
        state, cookie = self.start_install()
        return self.finish_install(api.expect_install(install), state, cookie)

    def event(self, event: dict[str, Any], install: Install, team_id: str) -> SentResponse:
        """``event`` from workspace ``team_id``, delivered for ``install`` as Slack does it."""
        return self.slack.event(delivered(event, install, team_id))

    def mention(self, install: Install, team_id: str, channel: str) -> SentResponse:
        event = rq.app_mention(f"<@{install.bot_user_id}> hi", channel=channel)["event"]
        return self.event(event, install, team_id)

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """(enterprise_id, team_id, bot_token) of every row of ``table``, oldest first."""
        with self.sql.engine.connect() as conn:
            query = f"SELECT enterprise_id, team_id, bot_token FROM {table} ORDER BY id"
            return [tuple(row) for row in conn.execute(text(query))]

    def states(self) -> int:
        with self.sql.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM slack_oauth_states")).scalar_one())


# -- the browser and Slack's deliveries, for any server (this harness's or ``python -m bot``) ---
def get_page(port: int, path: str, query: dict[str, str] | None = None, cookie: str = "") -> Page:
    """GET ``path`` on 127.0.0.1:``port`` as a browser does, with the cookie it kept."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        target = f"{path}?{urlencode(query)}" if query else path
        conn.request("GET", target, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        return Page(response.status, response.getheaders(), body)
    finally:
        conn.close()


def start_install(port: int) -> tuple[str, str]:
    """Open the Add to Slack page: (the state in its link, the cookie the browser keeps)."""
    page = get_page(port, "/slack/install")
    assert page.status == 200, page
    [link] = _HREF.findall(page.body)
    [state] = parse_qs(urlsplit(html.unescape(link)).query)["state"]
    [cookie] = page.header("Set-Cookie")
    return state, cookie.split(";", 1)[0]


def finish_install(port: int, code: str, state: str, cookie: str) -> Page:
    """Slack sends the installer back with a code and the state it was given."""
    return get_page(port, "/slack/oauth_redirect", {"code": code, "state": state}, cookie)


def install_at(port: int, api: FakeSlackWebAPI, install: Install) -> Page:
    """The whole browser round trip for ``install`` against the server on ``port``."""
    state, cookie = start_install(port)
    return finish_install(port, api.expect_install(install), state, cookie)


def delivered(event: dict[str, Any], install: Install, team_id: str) -> dict[str, Any]:
    """``event`` from workspace ``team_id`` in the envelope Slack sends for ``install``: an
    org-wide install's authorization names the organisation, not the workspace."""
    authorization = {
        "enterprise_id": install.enterprise_id,
        "team_id": None if install.is_enterprise_install else install.team_id,
        "user_id": install.bot_user_id,
        "is_bot": True,
        "is_enterprise_install": install.is_enterprise_install,
    }
    body = rq.event_callback(event, team_id=team_id, authorizations=[authorization])
    body["enterprise_id"] = install.enterprise_id
    body["context_enterprise_id"] = install.enterprise_id
    return body


def say(
    bot: HttpBot,
    install: Install,
    team_id: str,
    text: str,
    channel: str,
    *,
    shared: bool = False,
    **event: str,
) -> None:
    """A person in workspace ``team_id`` writes ``text`` in ``channel``, delivered for
    ``install`` (``ts=…``/``thread_ts=…`` go to the event; ``shared``: a Slack Connect channel)."""
    body = rq.message(text, channel=channel, user=ids.new_id("U"), **event)
    envelope = delivered(body["event"], install, team_id)
    envelope["is_ext_shared_channel"] = shared
    assert bot.event(envelope).status == 200


def command_from(text: str, install: Install, team_id: str, **form: Any) -> dict[str, str]:
    """``/define text`` typed in workspace ``team_id``, as Slack posts it for ``install``."""
    fields = rq.slash_command(
        text, team_id=team_id, is_enterprise_install=install.is_enterprise_install, **form
    )
    if install.enterprise_id:
        fields.update(
            enterprise_id=install.enterprise_id, enterprise_name=install.enterprise_name or ""
        )
    return fields


# -- ``python -m bot serve`` in OAuth mode ------------------------------------------------------
WORKSPACE_TABLES = (
    "jobs",
    "explanations",
    "explanation_cooldowns",
    "lookups",
    "slack_installations",
    "slack_bots",
)
"""Every table whose rows belong to a workspace (the bot's own, then slack_sdk's)."""


@contextmanager
def oauth_http_bot(
    api: FakeSlackWebAPI,
    workdir: Path,
    *,
    name: str = "serve-oauth",
    workers: int = 2,
    **settings: str,
) -> Iterator[HttpBot]:
    """``python -m bot serve`` in OAuth mode: client id, client secret and state secret set, no
    bot token. Its ``sender`` signs with ``harness.SECRET``; call ``api.oauth_client(CLIENT_ID,
    CLIENT_SECRET)`` after each stand-in reset so ``oauth.v2.access`` checks the credentials."""
    env = bot_env(
        workdir,
        api,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_STATE_SECRET=STATE_SECRET,
        **settings,
    )
    with HttpBot(api, env, workdir, name, workers) as bot:
        yield bot


def rows_by(database_url: str, column: str, value: str) -> dict[str, int]:
    """How many rows of each ``WORKSPACE_TABLES`` table have ``column`` (``team_id`` or
    ``enterprise_id``) equal to ``value``, read straight from the bot's database."""
    if column not in ("team_id", "enterprise_id"):
        raise ValueError(column)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table: int(
                    conn.execute(
                        text(f"SELECT count(*) FROM {table} WHERE {column} = :value"),
                        {"value": value},
                    ).scalar_one()
                )
                for table in WORKSPACE_TABLES
            }
    finally:
        engine.dispose()
