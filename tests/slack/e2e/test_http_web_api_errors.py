"""What the HTTP bot does when Slack's Web API says no: refuse, rate-limit, fail with 5xx.

The exact-once logging of a refused channel is checked with one worker in
test_http_restart.py; here, with gunicorn's two workers, "once" means once per worker.
"""

from __future__ import annotations

import pytest

from tests.standin import FakeSlackWebAPI, ids
from tests.standin import requests as rq

from .harness import HttpBot, new_channel, posts, wait_posts


def assert_still_serving(http: HttpBot, api: FakeSlackWebAPI) -> None:
    assert http.health()[0] == 200
    assert http.command("VAR").json()["blocks"][0]["text"]["text"] == "Value-added reseller (VAR)"
    channel = new_channel()
    http.event(rq.message("EQL", channel=channel))
    wait_posts(api, channel)


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "channel_not_found"])
def test_refused_posts_fail_their_jobs_and_are_logged_at_most_once_per_worker(
    http: HttpBot, api: FakeSlackWebAPI, error: str
) -> None:
    channel, failures, mark = new_channel(), 6, http.mark()
    failed_before = http.ready()[1]["jobs"]["failed"]
    api.fail("chat.postMessage", error, times=failures)
    # Different terms, so the channel cooldown does not stop the later attempts.
    for text in ("EQL", "VAR", "ISV", "MSP", "SI", "VAD"):
        assert http.event(rq.message(f"about {text}", channel=channel)).status == 200
    wait_posts(api, channel, failures)
    http.wait_idle()
    line = f"Slack refused chat.postMessage in {channel}: {error}"
    log = http.log(since=mark)
    assert 1 <= log.count(line) <= 2  # once per worker process
    assert "Traceback" not in log
    assert http.ready()[1]["jobs"]["failed"] == failed_before + failures
    # A refused explanation does not count as given: the same terms are explained next time.
    http.event(rq.message("about EQL", channel=channel))
    wait_posts(api, channel, failures + 1)
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
    http.wait_idle()
    assert len(posts(api, channel)) == 2


def test_server_error_is_retried(http: HttpBot, api: FakeSlackWebAPI) -> None:
    channel = new_channel()
    api.server_error("chat.postMessage", status=503)
    http.event(rq.message("EQL", channel=channel))
    wait_posts(api, channel, 2, timeout=6)
    http.wait_idle()
    assert len(posts(api, channel)) == 2


def test_persistent_server_errors_give_up_log_and_keep_serving(
    http: HttpBot, api: FakeSlackWebAPI
) -> None:
    """Slack's own retries are exhausted: the job is left to its lease and tried again."""
    channel = new_channel()
    api.server_error("chat.postMessage", status=503, times=3)  # first try + 2 retries
    http.event(rq.message("EQL", channel=channel))
    wait_posts(api, channel, 4, timeout=20)  # the 4th is the job taken again after its lease
    http.wait_for_log("Slack call chat.postMessage failed", timeout=5)
    http.wait_idle()
    assert len(posts(api, channel)) == 4
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
    (told,) = api.wait_for("chat.postEphemeral")
    http.wait_idle()
    assert len(api.responses(rid)) == 1  # the failed share only: no "Shared" confirmation
    assert told.params["text"] == (
        "I couldn't share “Reseller”: Slack said `expired_url`. "
        "The button has expired: run `/define` again to share."
    )
    assert_still_serving(http, api)
