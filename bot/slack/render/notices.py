"""Block Kit for governance notices: the announcement of a glossary change, an owner's reminder.

Pure functions from values (``bot.changes.Changes``, ``bot.reminders.Due``) to ``Message``.

Announcements name terms and never quote definitions: the announce channel may be read by
people who must not see internal wording, and a name plus "``/define`` it" is all a reader
needs. In a channel shared with other organisations (``shared=True``) internal terms are not
named at all, nor counted, and neither is a term whose partner wording stayed the same (only
its internal definition changed); when nothing else changed there is nothing to post (None).
Long lists end in "and N more", so any number of changes fits one message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.changes import Changes, Deprecated
from bot.reminders import Due
from bot.slack.render.cards import Message
from bot.slack.render.text import FALLBACK_LIMIT, SECTION_LIMIT, clip_entities, clip_escaped
from bot.terms.model import Audience, Term

__all__ = ["announcement", "reminder"]

MAX_NAMES = 8
"""Names listed per group of an announcement before "and N more"."""
NAME_CHARS = 60
MAX_DUE_LISTED = 40
"""Terms listed in one reminder; ``check --stale`` lists the rest."""


def announcement(changes: Changes, *, shared: bool) -> Message | None:
    """The summary: Glossary updated: 2 new (A, B), 1 changed (C), 1 deprecated (D → E)."""

    def shown(term: Term | None) -> bool:
        return term is not None and not (shared and term.audience == Audience.INTERNAL)

    hidden = set(changes.internal_wording) if shared else set()
    groups = [
        ("new", [_name(t) for t in changes.added if shown(t)]),
        ("changed", [_name(t) for t in changes.changed if shown(t) and t not in hidden]),
        ("deprecated", [_deprecation(d, shown) for d in changes.deprecated if shown(d.term)]),
        ("removed", [_name(t) for t in changes.removed if shown(t)]),
    ]
    parts = [_group(label, names) for label, names in groups if names]
    if not parts:
        return None
    summary = "Glossary updated: " + ", ".join(parts)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip_entities(summary, SECTION_LIMIT))),
        ContextBlock(elements=[MarkdownTextObject(text="`/define` a term for its wording now.")]),
    ]
    return Message(clip_entities(summary, FALLBACK_LIMIT), [b.to_dict() for b in blocks])


def reminder(dues: Sequence[Due]) -> Message:
    """An owner's DM: their overdue terms, each with the ``file:line`` to edit."""
    count = len(dues)
    headline = (
        f"{count} glossary term you own is due for review"
        if count == 1
        else f"{count} glossary terms you own are due for review"
    )
    intro = (
        f"*{headline}.* Update the definition, or set `reviewed:` to today if it is still "
        "right, and commit."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    chunk: list[str] = []
    for line in (_due_line(due) for due in dues[:MAX_DUE_LISTED]):
        if chunk and len("\n".join([*chunk, line])) > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section(chunk))
    if count > MAX_DUE_LISTED:
        more = f"…and {count - MAX_DUE_LISTED} more: `python -m bot check --stale` lists them all."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return Message(headline, [b.to_dict() for b in blocks])


def _name(term: Term) -> str:
    return clip_escaped(term.term, NAME_CHARS)


def _deprecation(change: Deprecated, shown: Callable[[Term | None], bool]) -> str:
    """D → E; just D when E is unnamed or must not be named here."""
    if change.successor is not None and shown(change.successor):
        return f"{_name(change.term)} → {_name(change.successor)}"
    return _name(change.term)


def _group(label: str, names: list[str]) -> str:
    listed = names[:MAX_NAMES]
    if len(names) > MAX_NAMES:
        listed.append(f"and {len(names) - MAX_NAMES} more")
    return f"{len(names)} {label} ({', '.join(listed)})"


def _due_line(due: Due) -> str:
    when = f"due since {due.since.isoformat()}" if due.since else "never reviewed"
    return f"• *{clip_escaped(due.term, 150)}* — `{clip_escaped(due.where, 300)}` — {when}"


def _section(lines: list[str]) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))
