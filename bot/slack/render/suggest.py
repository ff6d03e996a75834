"""Block Kit for suggesting terms: the modal, the review post, and what people are told.

The same modal serves a new suggestion and a maintainer's edit (only its callback, title and
metadata differ). The review post carries Approve / Edit / Reject while the suggestion waits
and says who decided once it is decided; its thread gets the approved YAML as plain message
text (no 3,000-character block limit), in a code block ready to paste. Pure functions of
values; everything user-typed is escaped, so a suggestion cannot ping a channel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)

from bot import suggestions
from bot.slack.render.cards import USER_ID_RE, Message, mrkdwn
from bot.slack.render.text import clip, clip_escaped, escape, quote
from bot.store.base import NewSuggestion, Suggestion
from bot.suggestions import MAX_TERM, Draft, entry_yaml

HOME_SUGGEST_ACTION = "home_suggest"
SUGGEST_CALLBACK = "suggest_term"
EDIT_CALLBACK = "suggest_edit"
APPROVE_ACTION = "suggestion_approve"
EDIT_ACTION = "suggestion_edit"
REJECT_ACTION = "suggestion_reject"
VALUE = "value"
"""The action_id of every input element; the block id names the field."""
FIELD_BLOCKS = {
    "term": "s_term",
    "acronym": "s_acronym",
    "definition": "s_definition",
    "category": "s_category",
    "why": "s_why",
}
MAX_OPTIONS = 100
OPTION_TEXT = 75


def suggestion_modal(
    draft: NewSuggestion, categories: Sequence[str], *, edit_id: int | None = None
) -> dict[str, Any]:
    """The *Suggest a term* modal, prefilled from ``draft``; with ``edit_id``, a maintainer's
    edit of that suggestion."""
    fits = [c for c in categories if len(c) <= suggestions.MAX_CATEGORY]
    usable = fits[:MAX_OPTIONS]
    if draft.category in fits[MAX_OPTIONS:]:  # past Slack's 100 options: keep the chosen one
        usable[-1] = draft.category
    options = [Option(value=c, text=clip(c, OPTION_TEXT)) for c in usable]
    chosen = next((o for o, c in zip(options, usable, strict=True) if c == draft.category), None)

    def text(
        field: str, label: str, initial: str, limit: int, *, optional: bool = False, **kw: Any
    ) -> InputBlock:
        element = PlainTextInputElement(
            action_id=VALUE, initial_value=initial[:limit] or None, max_length=limit, **kw
        )
        block_id = FIELD_BLOCKS[field]
        return InputBlock(block_id=block_id, label=label, element=element, optional=optional)

    blocks: list[Block] = [
        text("term", "Term", draft.term, suggestions.MAX_TERM),
        text("acronym", "Acronym", draft.acronym, suggestions.MAX_ACRONYM, optional=True),
        text(
            "definition", "Definition", draft.definition, suggestions.MAX_DEFINITION, multiline=True
        ),
        InputBlock(
            block_id=FIELD_BLOCKS["category"],
            label="Category",
            element=StaticSelectElement(
                action_id=VALUE,
                placeholder="Pick a category",
                options=options,
                initial_option=chosen,
            ),
        ),
        text(
            "why", "Why it matters", draft.why, suggestions.MAX_WHY, optional=True, multiline=True
        ),
    ]
    new = edit_id is None
    return {
        "type": "modal",
        "callback_id": SUGGEST_CALLBACK if new else EDIT_CALLBACK,
        "title": {"type": "plain_text", "text": "Suggest a term" if new else "Edit suggestion"},
        "submit": {"type": "plain_text", "text": "Send" if new else "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(
            {} if new else {"id": edit_id, "term": draft.term[:MAX_TERM]}
        ),
        "blocks": [b.to_dict() for b in blocks],
    }


def person(user: str) -> str:
    """A user mention, for a well-formed user id only (anything else must not reach mrkdwn)."""
    return f"<@{user}>" if USER_ID_RE.match(user) else "someone"


def _summary(draft: Draft) -> str:
    acronym = f" ({escape(draft.acronym)})" if draft.acronym else ""
    head = f"*{escape(draft.term)}*{acronym}  ·  _{escape(draft.category)}_"
    return f"{head}\n{clip_escaped(draft.definition, 2500)}"


def review_message(suggestion: Suggestion) -> Message:
    """The post in SUGGESTIONS_CHANNEL: buttons while it waits, who decided once decided."""
    blocks: list[Block] = [
        SectionBlock(text=mrkdwn(f"💡 *Suggested term*\n{_summary(suggestion)}")),
    ]
    if suggestion.why:
        blocks.append(
            SectionBlock(text=mrkdwn(f"*Why it matters*\n{clip_escaped(suggestion.why, 600)}"))
        )
    who = f"Suggested by {person(suggestion.suggester)} · #{suggestion.id}"
    blocks.append(ContextBlock(elements=[mrkdwn(who)]))
    value = str(suggestion.id)
    if suggestion.status == "waiting":
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Approve", action_id=APPROVE_ACTION, value=value, style="primary"
                    ),
                    ButtonElement(text="Edit", action_id=EDIT_ACTION, value=value),
                    ButtonElement(
                        text="Reject", action_id=REJECT_ACTION, value=value, style="danger"
                    ),
                ]
            )
        )
    else:
        mark = "✅ Approved" if suggestion.status == "approved" else "✖️ Rejected"
        decided = f"{mark} by {person(suggestion.decided_by)}"
        blocks.append(ContextBlock(elements=[mrkdwn(decided)]))
    text = f"Suggested term: {quote(suggestion.term)} ({suggestion.status})"
    return Message(text, [b.to_dict() for b in blocks])


def yaml_message(suggestion: Suggestion) -> Message:
    """The approved entry, in the review thread: plain text, so no block limit cuts it."""
    return Message(
        f"Approved by {person(suggestion.decided_by)}. Paste this under `terms:` in a glossary "
        f"file and commit it:\n```\n{escape(entry_yaml(suggestion))}```"
    )


def received_text(suggestion: Suggestion, *, posted: bool) -> str:
    where = "sent it to the glossary maintainers" if posted else "saved it for the maintainers"
    return (
        f"Thanks for suggesting {quote(suggestion.term)}! I {where} and will tell you here what "
        "they decide."
    )


def approved_text(suggestion: Suggestion) -> str:
    return (
        f"Good news: your suggestion {quote(suggestion.term)} was approved. It appears in the "
        "glossary once a maintainer adds it to the glossary files."
    )


def rejected_text(suggestion: Suggestion) -> str:
    return (
        f"Thanks again for suggesting {quote(suggestion.term)}. The glossary maintainers decided "
        "not to add it this time; `/define suggest` is always open for the next one."
    )


REFUSAL = (
    "Only glossary maintainers can approve, edit or reject suggestions. Thanks for keeping an "
    "eye on them!"
)
GONE = "That suggestion no longer exists."


def already_decided_text(suggestion: Suggestion) -> str:
    return (
        f"{quote(suggestion.term)} was already {suggestion.status} by "
        f"{person(suggestion.decided_by)}."
    )
