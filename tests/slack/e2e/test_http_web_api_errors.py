"""What the HTTP bot does when Slack's Web API says no: refuse, rate-limit, fail with 5xx.

The exact-once logging of a refused channel is checked with one worker in
test_http_restart.py; here, with gunicorn's two workers, "once" means once per worker.
"""

from __future__ import annotations

import pytest

from tests.standin import FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import HttpBot, new_channel, posts, settle, wait_posts


def assert_still_serving(http: HttpBot, api: FakeSlackWebAPI) -> None:
    assert http.health()[0] == 200
    assert http.command("VAR").json()["blocks"][0]["text"]["text"] == "Value-added reseller (VAR)"
    channel = new_channel()
    http.event(rq.message("EQL", channel=channel))
    wait_posts(api, channel)


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "channel_not_found"])
def test_refused_posts_are_logged_at_most_once_per_worker(
    http: HttpBot, api: FakeSlackWebAPI, error: str
) -> None:
    channel, failures, mark = new_channel(), 6, http.mark()
    api.fail("chat.postMessage", error, times=failures)
    # Different terms, so the channel cooldown does not stop the later attempts.
    for text in ("EQL", "VAR", "ISV", "MSP", "SI", "VAD"):
        assert http.event(rq.message(f"about {text}", channel=channel)).status == 200
    wait_posts(api, channel, failures)
    http.wait_for_log(f"Slack refused a post in {channel}: {error}")
    settle()
    log = http.log(since=mark)
    assert 1 <= log.count(f"Slack refused a post in {channel}: {error} (reported once)") <= 2
    assert "Traceback" not in log
    assert_still_serving(http, api)


def test_rate_limited_post_is_retried_after_retry_after(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    api.rate_limit("chat.postMessage", retry_after=1)
    http.event(rq.message("EQL", channel=channel))
    limited, landed = wait_posts(api, channel, 2, timeout=6)
    assert landed.params == limited.params
    assert landed.received_at - limited.received_at >= 0.95  # honoured Retry-After: 1
    settle()
    assert len(posts(api, channel)) == 2


def test_server_error_is_retried(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    api.server_error("chat.postMessage", status=503)
    http.event(rq.message("EQL", channel=channel))
    wait_posts(api, channel, 2, timeout=6)
    settle()
    assert len(posts(api, channel)) == 2


def test_persistent_server_errors_give_up_log_and_keep_serving(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    channel = new_channel()
    api.server_error("chat.postMessage", status=503, times=3)  # first try + 2 retries
    http.event(rq.message("EQL", channel=channel))
    wait_posts(api, channel, 3, timeout=10)
    http.wait_for_log(f"Slack call failed for {channel}: fatal_error", timeout=5)
    settle()
    assert len(posts(api, channel)) == 3
    assert_still_serving(http, api)


def test_rate_limited_home_publish_is_retried(http: HttpBot, api: FakeSlackWebAPI) -> None:
    user = ids.new_id("U")
    api.rate_limit("views.publish", retry_after=1)
    assert http.event(rq.app_home_opened(user=user)).status == 200
    limited, landed = api.wait_for("views.publish", 2, timeout=6)
    assert limited.params["user_id"] == landed.params["user_id"] == user


def test_expired_response_url_does_not_break_the_server(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    rid = ids.new_id("R")
    api.fail_response_url(status=404, body="expired_url", times=2)
    payload = rq.block_actions_message(
        "share_term", "Reseller", is_ephemeral=True, response_url=api.response_url(rid)
    )
    assert http.interactive(payload).status == 200
    api.wait_for_response(rid, 2)
    assert_still_serving(http, api)
