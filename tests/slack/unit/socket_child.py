"""``run_socket_mode`` on a process's main thread, for the signal tests in test_socket_mode.py.

Run as ``python -m tests.slack.unit.socket_child <stand-in base_url>``: serves a Bolt app
with one do-nothing ``message`` listener, prints ``on_stop`` when that hook runs, and exits
with ``run_socket_mode``'s return value.
"""

from __future__ import annotations

import logging
import sys

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.socket_mode import run_socket_mode


def main(base_url: str) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    client = WebClient(token="xoxb-child", base_url=base_url, timeout=5)
    app = App(client=client, token_verification_enabled=False, process_before_response=True)
    app.event("message")(lambda: None)
    return run_socket_mode(
        app, "xapp-child", ping_interval_s=2.0, on_stop=lambda: print("on_stop", flush=True)
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
