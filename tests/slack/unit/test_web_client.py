"""The keep-alive Web API client: one connection for many calls, and failures that look as
slack_sdk's own urllib client made them (so its retry handlers and the Performer still work).

Against the stand-in over real HTTP: an answer, Slack's ``ok: false`` errors, 429 and 5xx
retried by the production client's handlers, a refused connection, a read timeout, and a
stand-in that stops (its kept-alive connections close, as a dead Slack's would).
"""

from __future__ import annotations

import socket
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from bot.slack.app import make_client
from bot.slack.web_client import KeepAliveWebClient, connection_pool
from tests.standin import FakeSlackWebAPI

from .conftest import fast_client

POST = {"channel": "C0CHAN", "text": "Glossary: EQL"}


def connections(client: WebClient) -> int:
    """How many connections the client's pool opened so far."""
    assert isinstance(client, KeepAliveWebClient)
    return client.pool.opened


def test_calls_share_one_kept_alive_connection(slack_api: FakeSlackWebAPI) -> None:
    client = make_client("xoxb-test", slack_api.base_url)
    answers = [client.api_call("chat.postMessage", json=POST)["ok"] for _ in range(3)]
    assert (answers, connections(client)) == ([True, True, True], 1)
    assert [call.params["text"] for call in slack_api.calls("chat.postMessage")] == [
        "Glossary: EQL"
    ] * 3


def test_clients_given_one_pool_share_its_connections(slack_api: FakeSlackWebAPI) -> None:
    pool = connection_pool()
    first = make_client("xoxb-one", slack_api.base_url, pool=pool)
    second = make_client("xoxb-two", slack_api.base_url, pool=pool)
    first.api_call("chat.postMessage", json=POST)
    second.api_call("chat.postMessage", json=POST)
    assert connections(first) == 1
    assert [call.headers.get("Authorization") for call in slack_api.calls()] == [
        "Bearer xoxb-one",
        "Bearer xoxb-two",
    ]


def test_slack_errors_are_slack_sdks_errors(slack_api: FakeSlackWebAPI) -> None:
    slack_api.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        make_client("xoxb-test", slack_api.base_url).api_call("chat.postMessage", json=POST)
    assert raised.value.response["error"] == "channel_not_found"


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limits_and_server_errors_are_retried_by_slack_sdks_handlers(
    slack_api: FakeSlackWebAPI, status: int
) -> None:
    if status == 429:
        slack_api.rate_limit("chat.postMessage", retry_after=0)
    else:
        slack_api.server_error("chat.postMessage", status)
    client = fast_client(slack_api)
    assert client.api_call("chat.postMessage", json=POST)["ok"] is True
    assert (len(slack_api.calls("chat.postMessage")), connections(client)) == (2, 1)


def test_an_error_status_that_is_not_retried_is_a_slack_api_error(
    slack_api: FakeSlackWebAPI,
) -> None:
    slack_api.server_error("chat.postMessage", 503, times=3)
    with pytest.raises(SlackApiError) as raised:
        fast_client(slack_api).api_call("chat.postMessage", json=POST)
    assert (raised.value.response.status_code, raised.value.response["error"]) == (
        503,
        "fatal_error",
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_is_urllibs_url_error() -> None:
    client = KeepAliveWebClient(
        token="xoxb-test", base_url=f"http://127.0.0.1:{closed_port()}/api/", retry_handlers=[]
    )
    with pytest.raises(URLError):
        client.api_call("chat.postMessage", json=POST)


def test_a_read_timeout_is_a_timeout_error_and_not_retried(slack_api: FakeSlackWebAPI) -> None:
    slack_api.delay("chat.postMessage", 3.0)
    client = fast_client(slack_api)
    client.timeout = 1
    with pytest.raises(TimeoutError):
        client.api_call("chat.postMessage", json=POST)
    assert len(slack_api.calls("chat.postMessage")) == 1


def test_a_stopped_slack_closes_kept_alive_connections() -> None:
    api = FakeSlackWebAPI().start()
    client = fast_client(api)
    assert client.api_call("chat.postMessage", json=POST)["ok"] is True
    api.stop()
    with pytest.raises(URLError):
        client.api_call("chat.postMessage", json=POST)
    assert len(api.calls("chat.postMessage")) == 1
