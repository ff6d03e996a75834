"""Send requests to the bot's HTTP endpoint exactly as Slack does: encoded and signed.

Why: in HTTP mode Bolt rejects (401) anything whose ``X-Slack-Signature`` does not match
``v0:{timestamp}:{raw body}`` or whose timestamp is older than 5 minutes, and it parses each
kind of request from a different encoding.  Getting the encoding or signature slightly wrong in
a test would make it test the rejection path instead of the feature.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any, Literal, NamedTuple
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

Kind = Literal["command", "interactive", "event"]
_CONTENT_TYPES = {
    "command": "application/x-www-form-urlencoded",
    "interactive": "application/x-www-form-urlencoded",
    "event": "application/json",
}


class Prepared(NamedTuple):
    """A request ready to send: the exact body that was signed and all headers."""

    body: str
    headers: dict[str, str]


class SentResponse(NamedTuple):
    """What the bot answered; unpacks as ``status, headers, body``."""

    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def encode(kind: Kind, data: dict[str, Any]) -> str:
    """Slash commands: form fields; interactivity: ``payload=<json>``; events: JSON."""
    if kind == "command":
        return urlencode(data)
    if kind == "interactive":
        return urlencode({"payload": json.dumps(data)})
    return json.dumps(data)


class SignedSender:
    """POSTs signed Slack requests to ``{base_url}{path}`` (default path ``/slack/events``)."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        timeout: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.path = path
        self.timeout = timeout

    def prepare(
        self,
        kind: Kind,
        data: dict[str, Any],
        *,
        forge: bool = False,
        stale: bool = False,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        extra_headers: dict[str, str] | None = None,
    ) -> Prepared:
        """Encode and sign without sending.

        ``forge`` signs with a wrong secret; ``stale`` dates the request 10 minutes back;
        ``retry_num`` adds ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` as Slack does when
        it re-delivers an event.
        """
        body = encode(kind, data)
        ts = str(timestamp if timestamp is not None else int(time.time()) - (600 if stale else 0))
        secret = f"forged-{self.signing_secret}" if forge else self.signing_secret
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        headers = {
            "Content-Type": _CONTENT_TYPES[kind],
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or "",
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        headers.update(extra_headers or {})
        return Prepared(body, headers)

    def send(self, kind: Kind, data: dict[str, Any], **options: Any) -> SentResponse:
        """Prepare (see :meth:`prepare` for options) and POST; never raises on HTTP status."""
        return self.post(self.prepare(kind, data, **options))

    def command(self, form: dict[str, Any], **options: Any) -> SentResponse:
        return self.send("command", form, **options)

    def interactive(self, payload: dict[str, Any], **options: Any) -> SentResponse:
        return self.send("interactive", payload, **options)

    def event(self, body: dict[str, Any], **options: Any) -> SentResponse:
        return self.send("event", body, **options)

    def post(self, prepared: Prepared) -> SentResponse:
        url = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(
            url.hostname or "127.0.0.1", url.port, timeout=self.timeout
        )
        try:
            conn.request(
                "POST",
                url.path + self.path,
                body=prepared.body.encode("utf-8"),
                headers=prepared.headers,
            )
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            return SentResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()
