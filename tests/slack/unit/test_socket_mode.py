"""``run_socket_mode`` against the stand-in's Socket Mode server, with a minimal Bolt app.

The stand-in speaks Slack's real protocol on 127.0.0.1 and, through its relay, cuts
connections the way networks do: silently (only a ping can tell) or closed. Every wait has a
deadline; nothing asserts how fast (bench/bench_socket.py measures that).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.errors import StartupError
from bot.slack.socket_mode import Backoff, run_socket_mode
from tests.standin import FakeSlackWebAPI, FakeSocketModeServer
from tests.standin import requests as rq
from tests.standin.requests import event_callback

ROOT = Path(__file__).resolve().parents[3]
APP_TOKEN = "xapp-unit"
LOGGER = "bot.slack.socket_mode"
LOST_CLOSED = "Socket Mode connection lost (Connection to remote host was lost.); reconnecting"
REFUSED = (
    "Slack refused SLACK_APP_TOKEN: {} (apps.connections.open needs an app-level token, "
    "xapp-…, with the connections:write scope)"
)


class NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


def bolt_app(api: FakeSlackWebAPI) -> App:
    """Bolt answers 200 to messages and /define, 404 to app_mention, 500 to reaction_added."""
    client = WebClient(token="xoxb-unit", base_url=api.base_url, timeout=5)
    app = App(client=client, token_verification_enabled=False, process_before_response=True)
    app.event("message")(lambda: None)
    app.command("/define")(lambda ack: ack("Defined"))

    def broken() -> None:
        raise RuntimeError("a listener bug")

    app.event("reaction_added")(broken)
    return app


@dataclass
class Running:
    """``run_socket_mode`` on a thread; ``stop`` ends it like SIGTERM would."""

    thread: threading.Thread
    stop: threading.Event
    result: list[int] = field(default_factory=list)
    on_stop_calls: list[str] = field(default_factory=list)

    def join(self, timeout: float = 15.0) -> int:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "run_socket_mode did not return"
        (code,) = self.result
        return code


@contextmanager
def running(
    app: App, *, ping_interval_s: float = 2.0, backoff: Backoff | None = None
) -> Iterator[Running]:
    run = Running(threading.Thread(target=lambda: None), threading.Event())

    def target() -> None:
        run.result.append(
            run_socket_mode(
                app,
                APP_TOKEN,
                ping_interval_s=ping_interval_s,
                on_stop=lambda: run.on_stop_calls.append("on_stop"),
                stop=run.stop,
                backoff=backoff,
            )
        )

    run.thread = threading.Thread(target=target, name="run_socket_mode")
    run.thread.start()
    try:
        yield run
    finally:
        run.stop.set()
        run.thread.join(15)


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING
    ]


@pytest.fixture
def relayed(slack_api: FakeSlackWebAPI) -> Iterator[FakeSocketModeServer]:
    """A Socket Mode server behind the stand-in's relay, so tests can cut connections."""
    with FakeSocketModeServer(api=slack_api, relay=True) as server:
        yield server


def test_every_envelope_is_acked_whatever_bolt_answers(
    slack_api: FakeSlackWebAPI,
    socket_server: FakeSocketModeServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running(bolt_app(slack_api)) as run:
        socket_server.wait_for_connection()
        message = socket_server.send_event(rq.message("hello"))
        command = socket_server.send_command(rq.slash_command("SLA"))
        unhandled = socket_server.send_event(rq.app_mention())
        broken = socket_server.send_event(event_callback({"type": "reaction_added", "user": "U1"}))
        assert socket_server.wait_for_ack(message) == {"envelope_id": message}
        assert socket_server.wait_for_ack(command) == {
            "envelope_id": command,
            "payload": {"text": "Defined"},
        }
        assert socket_server.wait_for_ack(unhandled) == {"envelope_id": unhandled}
        assert socket_server.wait_for_ack(broken) == {"envelope_id": broken}
        run.stop.set()
        assert run.join() == 0
    assert run.on_stop_calls == ["on_stop"]
    assert sorted(warnings_logged(caplog)) == [
        "Bolt answered 404 to a events_api envelope (app_mention); acked it anyway",
        "Bolt answered 500 to a events_api envelope (reaction_added); acked it anyway",
    ]


@pytest.mark.parametrize(
    ("silently", "reason"),
    [(True, "ping/pong timed out"), (False, "Connection to remote host was lost.")],
    ids=["silent-drop", "closed"],
)
def test_lost_connection_is_noticed_and_replaced(
    slack_api: FakeSlackWebAPI,
    relayed: FakeSocketModeServer,
    caplog: pytest.LogCaptureFixture,
    silently: bool,
    reason: str,
) -> None:
    with running(bolt_app(slack_api), ping_interval_s=1.0):
        relayed.wait_for_connection()
        assert relayed.cut(silently=silently) == 1
        assert relayed.wait_for_connection(count=2, timeout=20) == 2
        envelope = relayed.send_event(rq.message("after the cut"))
        assert relayed.wait_for_ack(envelope) == {"envelope_id": envelope}
    assert len(slack_api.calls("apps.connections.open")) == 2
    assert warnings_logged(caplog) == [f"Socket Mode connection lost ({reason}); reconnecting"]


def test_failing_reconnects_back_off_and_are_logged_once(
    slack_api: FakeSlackWebAPI, relayed: FakeSocketModeServer, caplog: pytest.LogCaptureFixture
) -> None:
    backoff = Backoff(intervals=BackoffRetryIntervalCalculator(0.1, jitter=NoJitter()))
    with running(bolt_app(slack_api), backoff=backoff):
        relayed.wait_for_connection()
        slack_api.server_error("apps.connections.open", times=3)
        relayed.cut(silently=False)
        assert relayed.wait_for_connection(count=2, timeout=20) == 2
        envelope = relayed.send_event(rq.message("back"))
        relayed.wait_for_ack(envelope)
    assert len(slack_api.calls("apps.connections.open")) == 5  # start, 3 failures, success
    assert warnings_logged(caplog) == [
        LOST_CLOSED,
        # then the attempts after 0.1 s and 0.2 s, counted, not logged (Throttled)
        "Socket Mode still disconnected (apps.connections.open answered fatal_error); "
        "attempt 2 in 0.1 s",
    ]


def test_backoff_starts_at_once_doubles_and_is_capped() -> None:
    backoff = Backoff(intervals=BackoffRetryIntervalCalculator(1.0, jitter=NoJitter()))
    assert [backoff.next_delay() for _ in range(8)] == [0, 1, 2, 4, 8, 16, 30, 30]
    backoff.attempts = 5000  # a week of retries: the exponent must not overflow a float
    assert backoff.next_delay() == 30
    backoff.reset()
    assert backoff.next_delay() == 0


@pytest.mark.parametrize("error", ["invalid_auth", "not_allowed_token_type", "token_revoked"])
def test_refused_token_at_start_is_one_startup_error(
    slack_api: FakeSlackWebAPI, socket_server: FakeSocketModeServer, error: str
) -> None:
    slack_api.fail("apps.connections.open", error)
    on_stop_calls: list[str] = []
    with pytest.raises(StartupError) as refused:
        run_socket_mode(
            bolt_app(slack_api),
            APP_TOKEN,
            ping_interval_s=2.0,
            on_stop=lambda: on_stop_calls.append("on_stop"),
        )
    assert str(refused.value) == REFUSED.format(error)
    assert on_stop_calls == ["on_stop"]
    assert socket_server.wait_for_connection(count=0) == 0
    assert [c.token for c in slack_api.calls("apps.connections.open")] == [APP_TOKEN]


@pytest.mark.parametrize("how", ["connection-lost", "disconnect-message"])
def test_token_revoked_later_exits_3_with_one_line(
    slack_api: FakeSlackWebAPI,
    relayed: FakeSocketModeServer,
    caplog: pytest.LogCaptureFixture,
    how: str,
) -> None:
    with running(bolt_app(slack_api)) as run:
        relayed.wait_for_connection()
        slack_api.fail("apps.connections.open", "token_revoked")
        if how == "connection-lost":
            relayed.cut(silently=False)
        else:
            relayed.send_disconnect("refresh_requested")
        assert run.join() == 3  # by itself: nobody set stop
    assert run.on_stop_calls == ["on_stop"]
    refused = (
        "Slack refused SLACK_APP_TOKEN (token_revoked) while reconnecting; exiting with code 3"
    )
    lost = [LOST_CLOSED] if how == "connection-lost" else []
    assert warnings_logged(caplog) == [*lost, refused]


def test_slack_disconnect_message_moves_to_a_new_connection(
    slack_api: FakeSlackWebAPI,
    socket_server: FakeSocketModeServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running(bolt_app(slack_api)):
        socket_server.wait_for_connection()
        socket_server.send_disconnect("refresh_requested")
        assert socket_server.wait_for_connection(count=2, timeout=15) == 2
        envelope = socket_server.send_event(rq.message("on the new connection"))
        assert socket_server.wait_for_ack(envelope) == {"envelope_id": envelope}
    assert warnings_logged(caplog) == []  # a planned move is not a lost connection


def test_stop_acks_the_envelope_in_hand_then_closes(
    slack_api: FakeSlackWebAPI, socket_server: FakeSocketModeServer
) -> None:
    app, started, release = bolt_app(slack_api), threading.Event(), threading.Event()

    def slow(ack: Ack) -> None:
        started.set()
        release.wait(10)
        ack("late but acked")

    app.command("/slow")(slow)
    with running(app) as run:
        socket_server.wait_for_connection()
        envelope = socket_server.send_command(rq.slash_command(command="/slow"))
        assert started.wait(10)
        run.stop.set()  # SIGTERM while the envelope is in hand
        release.set()
        assert run.join() == 0
    assert socket_server.wait_for_ack(envelope)["payload"] == {"text": "late but acked"}
    assert run.on_stop_calls == ["on_stop"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_quietly_with_exit_0(
    slack_api: FakeSlackWebAPI, socket_server: FakeSocketModeServer, signum: int
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.slack.unit.socket_child", slack_api.base_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        socket_server.wait_for_connection(timeout=30)
        envelope = socket_server.send_event(rq.message("before the signal"))
        socket_server.wait_for_ack(envelope, timeout=10)
        child.send_signal(signum)
        stdout, stderr = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert (child.returncode, stdout) == (0, "on_stop\n")
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "INFO bot.slack.socket_mode: Socket Mode connected (1 open)" in stderr.splitlines()
