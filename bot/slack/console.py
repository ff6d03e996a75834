"""``python -m bot console``: the real listeners, offline, with Block Kit shown as text.

The console builds the same Bolt app as production, but its Web client never touches the
network: every call is printed the way Slack would show it. Lines you type become a slash
command (``/define …``), a mention (``@glossary …``) or a channel message (anything else),
shaped like Slack's payloads and dispatched synchronously through Bolt.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from typing import IO, Any

from slack_bolt.request import BoltRequest
from slack_sdk.web import SlackResponse, WebClient

from bot.config import Settings
from bot.slack.app import BotIdentity
from bot.slack.bootstrap import build_runtime, make_service
from bot.slack.render.text import unescape
from bot.store import MemoryStore
from bot.terms import Glossary

BOT_USER, USER, CHANNEL, TEAM = "U0GLOSSARY", "U0YOU", "C0CONSOLE", "T0CONSOLE"


def blocks_to_text(blocks: list[dict[str, Any]], *, color: bool = False) -> str:
    """Block Kit as a person would read it in a terminal (bold and dim only with ``color``)."""
    bold, dim, plain = ("\033[1m", "\033[2m", "\033[0m") if color else ("", "", "")
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        text = unescape(str((block.get("text") or {}).get("text", "")))
        if kind == "header":
            lines.append(f"{bold}{text}{plain}")
        elif kind == "section":
            lines.append(text)
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                lines.append(f"  [ {accessory['text']['text']} ]")
        elif kind == "context":
            parts = (unescape(str(e.get("text", ""))) for e in block.get("elements", []))
            lines.append(f"{dim}  " + " ".join(parts) + plain)
        elif kind == "actions":
            labels = (
                str((e.get("text") or {}).get("text", "…")) for e in block.get("elements", [])
            )
            lines.append("  " + "  ".join(f"[ {label} ]" for label in labels))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "input":
            lines.append(f"  {block.get('label', {}).get('text', '')}: [____________]")
    return "\n".join(lines)


def modal_text(view: object) -> str:
    """A modal as the console can show it: its title and the fields Slack would ask for."""
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict):
        return ""
    title = (view.get("title") or {}).get("text", "")
    fields = [
        f"  [{(block.get('label') or {}).get('text', '')}]"
        for block in view.get("blocks") or []
        if isinstance(block, dict) and block.get("type") == "input"
    ]
    note = "  (a form to fill in, in Slack; the console cannot submit it)"
    return "\n".join([f"\n— a modal opens: {title}", *fields, note, ""])


class ConsoleClient(WebClient):
    """A Web client that prints instead of calling Slack."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(token="xoxb-console")
        self._out = out
        self.posts = 0
        self._color = out.isatty()

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        args: dict[str, Any] = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {})}
        args.update(kwargs.get("json") or {})
        data: dict[str, Any] = {"ok": True}
        if api_method == "auth.test":
            data.update(user_id=BOT_USER, bot_id="B0GLOSSARY", team_id=TEAM, user="glossary")
        elif api_method.startswith("chat."):
            where = "in the thread" if args.get("thread_ts") else f"in {args.get('channel')}"
            blocks = args.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            body = (
                blocks_to_text(blocks, color=self._color) if blocks else str(args.get("text", ""))
            )
            print(f"\n— the bot posts {where}:\n{body}\n", file=self._out)
            self.posts += 1
            data["ts"] = f"{time.time():.6f}"
        elif api_method == "conversations.info":  # the console's channel is an internal one
            data["channel"] = {"id": args.get("channel"), "is_ext_shared": False}
        elif api_method in ("views.open", "views.push"):
            print(modal_text(args.get("view")), file=self._out)
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=api_method,
            req_args=args,
            data=data,
            headers={},
            status_code=200,
        )


class Console:
    """Turns typed lines into Slack-shaped requests for the real Bolt app and its jobs.

    Where the bot would stay silent in Slack, the console says why in one dim line: that is
    the point of trying the bot here.
    """

    def __init__(self, settings: Settings, glossary: Glossary, out: IO[str]) -> None:
        self.client = ConsoleClient(out)
        self.service = make_service(settings, glossary, "", MemoryStore())
        known = BotIdentity(BOT_USER, "B0GLOSSARY", TEAM)
        self.runtime = build_runtime(
            settings, self.service, "xoxb-console", known, client=self.client, background=False
        )
        self.out = out
        self._ids = itertools.count(1)
        self._dim = ("\033[2m", "\033[0m") if out.isatty() else ("", "")

    def _event(self, event: dict[str, Any]) -> dict[str, Any]:
        number = next(self._ids)
        event = {"user": USER, "channel": CHANNEL, "ts": f"{time.time():.6f}", **event}
        return {
            "type": "event_callback",
            "team_id": TEAM,
            "api_app_id": "A0CONSOLE",
            "event": event,
            "event_id": f"EvCONSOLE{number}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }

    def _dispatch(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.runtime.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        self.runtime.runner.drain()
        try:
            reply = json.loads(response.body or "{}")
        except ValueError:
            return {}
        return reply if isinstance(reply, dict) else {}

    def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.startswith("/define"):
            body: dict[str, Any] = {
                "command": "/define",
                "text": line[len("/define") :].strip(),
                "user_id": USER,
                "channel_id": CHANNEL,
                "team_id": TEAM,
                "trigger_id": "console",
            }
            reply = self._dispatch(body)
            blocks = reply.get("blocks") or []
            text = blocks_to_text(blocks, color=self.out.isatty()) or reply.get("text", "")
            if text:  # an empty ack: the answer is a modal (printed by the client)
                print(f"\n— only you see:\n{text}\n", file=self.out)
            return
        if line.startswith("@"):
            text = (
                f"<@{BOT_USER}> " + line.split(maxsplit=1)[1] if " " in line else f"<@{BOT_USER}>"
            )
            self._dispatch(self._event({"type": "app_mention", "text": text}))
            print("", file=self.out, flush=True)
            return
        posts = self.client.posts
        self._dispatch(self._event({"type": "message", "channel_type": "channel", "text": line}))
        if self.client.posts == posts:
            dim, plain = self._dim
            print(f"{dim}  (the bot stays silent: {self.why_silent(line)}){plain}", file=self.out)
        print("", file=self.out, flush=True)

    def why_silent(self, text: str) -> str:
        """Why a channel message got no explanation, in a few words."""
        if not self.service.policy.in_channels:
            return "EXPLAIN_IN_CHANNELS is off"
        if self.service.explainable(text):
            return "every term in it was already explained in this thread or channel today"
        named = self.service.terms_in(text).cards
        if named:
            names = ", ".join(c.term.title for c in named)
            return f"{names}: explained only when asked (auto_expand: false)"
        return "no glossary terms in that message"


def run_console(settings: Settings, glossary: Glossary, stdin: IO[str] | None = None) -> int:
    console = Console(settings, glossary, sys.stdout)
    source = stdin or sys.stdin
    interactive = source.isatty()
    try:
        while True:
            if interactive:
                print("you> ", end="", flush=True)
            line = source.readline()
            if not line or line.strip() in ("quit", "exit"):
                return 0
            console.handle(line)
    except KeyboardInterrupt:
        print("", file=sys.stdout)
        return 0
