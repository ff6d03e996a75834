"""A bare Bolt app under the bot's gunicorn settings: the ratio ``bench_serve --bare`` measures.

What the bot's serving path costs beyond Bolt itself: the same gunicorn (``gunicorn_options``:
the bot's slow-client worker, threads, keep-alive, timeouts), and a Bolt ``App`` with Bolt's own
WSGI adapter and signature check, one ``message`` listener that acks and posts nothing, and a
``/define`` that acks a static text. No store, no jobs, no access log, no metrics.
``process_before_response=True``, as the bot runs: with Bolt's default a command's ack waits on
a 10 ms poll, so this is the faster, harder baseline. ``/healthz`` answers 200 for the harness.

    .venv/bin/python -m bench.bare_bolt --port 3930 --api-url http://127.0.0.1:PORT/api/ \
        --secret SECRET [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.web import WebClient

from bot.config import load_settings
from bot.slack.http_options import gunicorn_options

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TOKEN = "xoxb-bench"
DEFINITION = "*EQL* (Expected Qualified Lead): a lead a partner expects to qualify."


def _ack(ack: Ack) -> None:
    ack()


def _define(ack: Ack) -> None:
    ack(response_type="ephemeral", text=DEFINITION)


def build_wsgi(api_url: str, secret: str) -> WSGIApp:
    """The bare app; built in each worker (Bolt's client must not cross a fork)."""
    bolt = App(
        client=WebClient(token=TOKEN, base_url=api_url),
        signing_secret=secret,
        process_before_response=True,
    )
    bolt.event("message")(_ack)
    bolt.command("/define")(_define)
    handler = SlackRequestHandler(bolt)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        return handler(environ, start_response)

    return wsgi


class _Bare(BaseApplication):  # type: ignore[misc]
    """gunicorn configured in code, like ``python -m bot serve``."""

    def __init__(self, api_url: str, secret: str, options: dict[str, Any]) -> None:
        self._api_url, self._secret, self._options = api_url, secret, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return build_wsgi(self._api_url, self._secret)


def bare_arguments(argv: list[str] | None, doc: str | None) -> argparse.Namespace:
    """What ``bench_serve`` passes a bare app, this one or bench/bare_bolt_async.py."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--api-url", required=True, help="the Slack stand-in's /api/ URL")
    parser.add_argument("--secret", required=True, help="the signing secret")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = bare_arguments(argv, __doc__)
    environ = {"HOST": "127.0.0.1", "PORT": str(args.port), "WEB_CONCURRENCY": str(args.workers)}
    options = {
        **gunicorn_options(load_settings(environ, None)),
        "loglevel": "warning",
        "proc_name": "bare-bolt",
        "control_socket_disable": True,  # no shared $HOME/.gunicorn socket between instances
    }
    _Bare(args.api_url, args.secret, options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
