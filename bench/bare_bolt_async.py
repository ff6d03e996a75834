"""The bare Bolt app on an asynchronous server: what ``bench_serve --bare-async`` measures.

``bench/bare_bolt.py`` is the ratio to beat under the bot's own server (gunicorn, the bot's
slow-client worker, threads). This is the same app on the other model Bolt supports: an
``AsyncApp`` under uvicorn (uvloop, httptools), one event loop per process and no thread per
request. Same listeners (a ``message`` listener that acks, a ``/define`` that acks a static
text), same signature check, ``process_before_response=True``, no access log. Against the
gunicorn twin it says how much of the bot's CPU per request is its HTTP model rather than its
own work (bench/RESULTS-serve.md); the bot does not run this way.

uvicorn's ``--workers`` processes share one listening socket and the kernel picks who accepts,
so the load is not split evenly between them; the benchmark counts their CPU together.

    .venv/bin/python -m bench.bare_bolt_async --port 3930 --api-url http://127.0.0.1:PORT/api/ \
        --secret SECRET [--workers 2]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.asgi.utils import scope_type
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.bare_bolt import DEFINITION, TOKEN, bare_arguments

Scope = scope_type  # Bolt's name for what uvicorn passes
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
API_URL, SECRET = "BARE_ASYNC_API_URL", "BARE_ASYNC_SECRET"
"""How the settings reach uvicorn's worker processes, which build the app themselves."""


async def _ack(ack: AsyncAck) -> None:
    await ack()


async def _define(ack: AsyncAck) -> None:
    await ack(response_type="ephemeral", text=DEFINITION)


def build_asgi() -> ASGIApp:
    """The bare app, built in each worker process (uvicorn's ``factory``)."""
    bolt = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=os.environ[API_URL]),
        signing_secret=os.environ[SECRET],
        process_before_response=True,
    )
    bolt.event("message")(_ack)
    bolt.command("/define")(_define)
    handler = AsyncSlackRequestHandler(bolt)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"ok": true}'})
            return
        await handler(scope, receive, send)

    return asgi


def main(argv: list[str] | None = None) -> int:
    args = bare_arguments(argv, __doc__)
    os.environ[API_URL], os.environ[SECRET] = args.api_url, args.secret
    uvicorn.run(
        "bench.bare_bolt_async:build_asgi",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
