"""Doing the work listeners decided on: Slack calls, response_url posts, store writes.

One ``Performer`` runs both durable jobs (from the job table, ``bot.slack.jobs``) and in-process
tasks (from the dispatcher). Its outcome is one of three: done; ``Failed`` — Slack refused for
good (after slack_sdk's retry handlers: 429, 5xx and connection errors are retried inside the
client), so the job is kept as failed with the error and its terms do not count as explained;
``Retry`` — Slack or the network is down right now, so a job is left to be taken again when its
lease ends (the lease is the back-off), an in-process task is dropped.

Failures are logged here, once per kind of failure and place per interval (``Throttled``): a
channel that keeps talking to a bot that was removed from it does not flood the logs.

Who will read a post is decided here, where the target channel is known (``bot.slack.partner``):
explanations are claimed and worded in the partner view in a shared channel; answers, shares
and shortcut replies carry a partner variant that is sent instead when the channel is shared,
or when that cannot be told. A channel's settings (off, paused, cooldown, max terms, partner
view) and an author's opt-out are applied to explanations here too.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.logs import Throttled
from bot.service import GlossaryService
from bot.slack import partner, work
from bot.slack.channels import SharedChannels
from bot.slack.failures import Failed, Retry
from bot.slack.governance_perform import GovernanceWork
from bot.slack.home_state import HomeState
from bot.slack.render.cards import explanation_message
from bot.slack.render.home import home_view
from bot.store import StoreError
from bot.store.base import NewJob, Workspace

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)
"""Slack error codes that mean "not now" rather than "never"."""
EXPECTED_ERRORS = frozenset(
    {"not_in_channel", "is_archived", "channel_not_found", "restricted_action", "cant_reply"}
)
"""Errors that describe the channel, not a bug: worth a warning, not an error."""
VIEW_METHODS = frozenset({"views.publish", "views.open", "views.update"})
ADVICE = {
    "not_in_channel": "Invite me to the channel (/invite @glossary) and try again.",
    "channel_not_found": "Invite me to the channel (/invite @glossary) and try again.",
    "is_archived": "That channel is archived.",
    "expired_url": "The button has expired: run `/define` again to share.",
    "used_url": "The button has expired: run `/define` again to share.",
}


def explain_failure(template: str, error: str) -> str:
    """Fill a "could not do it" message with Slack's error and what the user can do."""
    advice = ADVICE.get(error, "Please try again in a moment.")
    return template.replace("{error}", error).replace("{advice}", advice)


class Performer:
    """Performs ``NewJob``/``Job`` payloads by kind; thread-safe."""

    def __init__(
        self,
        service: GlossaryService,
        clients: Callable[[Workspace], WebClient],
        webhook: Callable[[str], WebhookClient] | None = None,
        clock: Callable[[], float] = time.time,
        token_error: Callable[[Workspace, str], None] = lambda workspace, error: None,
        channels: SharedChannels | None = None,
    ) -> None:
        self.service = service
        self._clients = clients
        """The Web API client with the bot token of a workspace (one token, or its install's)."""
        self.readers = partner.Readers(service, channels or SharedChannels(clients))
        """Who reads a channel: partners or the workspace (Slack's word, cached, and settings)."""
        self._token_error = token_error
        """Told when Slack rejects a workspace's token (the app was removed or the token died)."""
        self._webhook = webhook or (lambda url: WebhookClient(url, timeout=10))
        self._clock = clock
        self.governance = GovernanceWork(self, clients)
        """Suggestions, reviews, channel settings, opt-outs (bot.slack.governance_perform)."""
        self._kinds: dict[str, Callable[[Workspace, dict[str, Any]], None]] = {
            work.POST: self._post,
            work.EXPLAIN: self._explain,
            work.RESPOND: self._respond,
            work.VIEW: self._view,
            work.RECORD: self._record,
            work.HOME: self._home,
            work.PURGE: self._purge,
            **self.governance.kinds(),
        }

    @staticmethod
    def writes_first(kind: str) -> bool:
        """Does a job of ``kind`` make a store write before it posts anything? (An explanation
        claims its terms first.) The job runner lets the previous job's end ride in that write
        (``Store.finish_job_later``); before any other kind it waits for it."""
        return kind == work.EXPLAIN

    def perform(self, kind: str, payload: dict[str, Any], workspace: Workspace) -> None:
        """Do one piece of work; raises ``Failed`` or ``Retry`` (already logged), or StoreError."""
        action = self._kinds.get(kind)
        if action is None:
            raise Failed(f"unknown_job_kind:{kind[:40]}")
        action(workspace, payload)

    # -- kinds ----------------------------------------------------------------------------
    def _post(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        channel = str(payload["channel"])
        args = {k: payload[k] for k in ("channel", "text", "blocks", "thread_ts") if k in payload}
        variant = self.readers.variant(workspace, payload)
        if variant is not None:
            withheld = variant.get(partner.WITHHELD)
            if isinstance(withheld, dict):  # nothing partners may see: tell the sender why
                self._tell(workspace, str(withheld.get("user", "")), str(withheld.get("text", "")))
                return
            args.update({k: variant[k] for k in ("text", "blocks") if k in variant})
        try:
            self.call(
                workspace,
                "chat.postMessage",
                channel,
                unfurl_links=False,
                unfurl_media=False,
                **args,
            )
        except Failed as exc:
            notice = payload.get("tell_on_failure")
            if isinstance(notice, dict):
                text = explain_failure(str(notice.get("text", "")), str(exc))
                self._tell(workspace, str(notice.get("user", "")), text)
            raise
        counted = payload.get("record")
        if isinstance(counted, dict):
            try:  # the answer is out: a count the store cannot take must not make it repeat
                self._record(workspace, counted)
            except StoreError as exc:
                metrics.store_error("record")
                throttled.warning("record", "a lookup was answered but not counted: %s", exc)

    def _explain(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        channel, thread_ts = str(payload["channel"]), str(payload["thread_ts"])
        now = self._clock()
        author = str(payload.get("user", ""))
        settings = self.service.explain_settings(workspace, channel, author, now)
        if settings is None:
            return  # turned off or paused in this channel, or the author opted out
        view = self.readers.explain_view(
            workspace, channel, settings, payload.get("shared") is True
        )
        if view is None:
            return  # a Slack Connect channel, and EXPLAIN_IN_SLACK_CONNECT=false
        claim = str(payload.get("claim", ""))  # the job's own key: a retry finds its claim
        explanation = self.service.claim_explanation(
            workspace,
            channel,
            thread_ts,
            payload["terms"],
            now,
            claim,
            view=view,
            settings=settings,
        )
        if explanation is None:
            return  # every term was explained here already (or within the cooldown)
        message = explanation_message(explanation)
        try:
            self.call(
                workspace,
                "chat.postMessage",
                channel,
                channel=channel,
                thread_ts=thread_ts,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except (Failed, Retry):
            self.service.release_explanation(workspace, channel, thread_ts, explanation, now)
            raise

    def _respond(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        url = str(payload["url"])
        body, then = payload["body"], payload.get("then")
        variant = self.readers.variant(workspace, payload)
        if variant is not None:
            body, then = variant["body"], variant.get("then")
        try:
            self._send_webhook(url, body)
        except Failed as exc:
            failure = payload.get("on_failure")
            if isinstance(failure, dict):
                self._ephemeral(workspace, failure, str(exc))
            raise
        if isinstance(then, dict):
            # The share itself went out; only its confirmation may not (logged by the call).
            with contextlib.suppress(Failed, Retry):
                self._send_webhook(url, then)

    def _view(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        method = str(payload["method"])
        if method not in VIEW_METHODS:
            raise Failed(f"unknown_view_method:{method[:40]}")
        args = dict(payload["args"])
        where = str(args.get("user_id") or args.get("view_id") or "modal")
        self.call(workspace, method, where, **args)

    def _home(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        state = HomeState(str(payload["mode"]), str(payload["value"]), int(payload["page"]))
        page = self.service.home_page(workspace, state.mode, state.value, state.page)
        user = str(payload["user"])
        extras = self.governance.home_extras(workspace, user)
        view = home_view(page, HomeState(state.mode, state.value, page.page), extras)
        self.call(workspace, "views.publish", user, user_id=user, view=view)

    def _record(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        term = payload.get("term")
        query, user = str(payload.get("query", "")), str(payload.get("user", ""))
        self.service.record(workspace, query, str(term) if term else None, user)

    def _purge(self, workspace: Workspace, payload: dict[str, Any]) -> None:
        """The app was uninstalled (or its bot token revoked) in a workspace: forget it."""
        pruned = self.service.forget(workspace)
        logger.info("workspace %s uninstalled; its data was deleted: %s", workspace.key, pruned)

    # -- Slack --------------------------------------------------------------------------------
    def call(self, workspace: Workspace, method: str, where: str, **args: Any) -> dict[str, Any]:
        """One Web API call and Slack's answer; raises ``Failed``/``Retry`` after logging
        (throttled)."""
        try:
            response = self._clients(workspace).api_call(method, json=args)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            metrics.slack_call(method, error)
            self._token_error(workspace, error)
            self._log(error, method, where)
            raise (Retry if error in TRANSIENT_ERRORS else Failed)(error) from None
        except (SlackClientError, OSError) as exc:
            metrics.slack_call(method, "connection_error")
            self._log(type(exc).__name__, method, where)
            raise Retry(type(exc).__name__) from None
        metrics.slack_call(method, "ok")
        return response.data if isinstance(response.data, dict) else {}

    def _send_webhook(self, url: str, body: dict[str, Any]) -> None:
        try:
            response = self._webhook(url).send_dict(body)
        except (SlackClientError, OSError) as exc:
            metrics.slack_call("response_url", "connection_error")
            self._log(type(exc).__name__, "response_url", "response_url")
            raise Retry(type(exc).__name__) from None
        if response.status_code == 200:
            metrics.slack_call("response_url", "ok")
            return
        error = (response.body or f"http_{response.status_code}").strip()[:60] or "unknown_error"
        metrics.slack_call("response_url", error)
        self._log(error, "response_url", "response_url")
        raise (Retry if response.status_code >= 500 else Failed)(error)

    def _ephemeral(self, workspace: Workspace, failure: dict[str, Any], error: str) -> None:
        text = explain_failure(str(failure.get("text", "")), error)
        channel, user = str(failure.get("channel", "")), str(failure.get("user", ""))
        try:
            self.call(
                workspace, "chat.postEphemeral", channel, channel=channel, user=user, text=text
            )
        except (Failed, Retry):
            self._tell(workspace, user, text)

    def _tell(self, workspace: Workspace, user: str, text: str) -> None:
        """A direct message to ``user`` (posting to a user id opens the DM with the app)."""
        if not user:
            return
        with contextlib.suppress(Failed, Retry):  # logged by call(); nothing else reaches them
            self.call(workspace, "chat.postMessage", user, channel=user, text=text)

    @staticmethod
    def _log(error: str, method: str, where: str) -> None:
        if error in EXPECTED_ERRORS:
            throttled.warning((error, where), "Slack refused %s in %s: %s", method, where, error)
        else:
            throttled.error((error, method), "Slack call %s failed (%s): %s", method, where, error)


def perform_safely(performer: Performer, task: NewJob) -> None:
    """Run an in-process task: failures were logged where they happened; nothing to retry."""
    kind = task.kind
    try:
        performer.perform(kind, task.payload, task.workspace)
    except (Failed, Retry):
        pass
    except StoreError as exc:
        metrics.store_error(kind)
        throttled.warning(("task", kind), "state store failed during a %s task: %s", kind, exc)
    except Exception:
        logger.exception("in-process %s task failed", kind)
