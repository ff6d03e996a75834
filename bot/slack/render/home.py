"""Block Kit for the App Home tab and the term modal.

The Home tab is one view re-published on every click: a search box, category and A–Z
browsers, the most looked-up terms and a paginated list. What it shows is described by a small
``HomeState`` kept in the view's ``private_metadata``, so no server-side session is needed and
every view stays well inside Slack's 100-block limit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConversationSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig
from slack_sdk.models.blocks.block_elements import ConversationFilter

from bot.governance import HomeExtras
from bot.replies import Card, HomePage
from bot.slack.home_state import (
    CATEGORY_ACTION,
    LETTER_ACTION,
    MAX_QUERY,
    OPEN_ACTION,
    PAGE_ACTION,
    SEARCH_ACTION,
    HomeState,
)
from bot.slack.render.cards import mrkdwn, term_blocks, term_button
from bot.slack.render.maintainers import extras_blocks
from bot.slack.render.text import BUTTON_TEXT_LIMIT, clip, clip_escaped, escape
from bot.terms import Term

MODAL_ACTION = "modal_term"
MODAL_CALLBACK = "term_modal"
SHARE_BLOCK, SHARE_ELEMENT = "share_channel", "channel"


def _button_rows(buttons: Sequence[ButtonElement], per_row: int) -> list[Block]:
    return [
        ActionsBlock(elements=list(buttons[i : i + per_row]))
        for i in range(0, len(buttons), per_row)
    ]


def _term_row(term: Term, index: int) -> SectionBlock:
    summary = term.definition.split(". ")[0]
    text = f"*{escape(term.title)}*  ·  _{escape(term.category)}_\n{clip_escaped(summary, 180)}"
    return SectionBlock(
        text=mrkdwn(text),
        accessory=ButtonElement(text="Open", action_id=f"{OPEN_ACTION}_{index}", value=term.term),
    )


def home_view(home: HomePage, state: HomeState, extras: HomeExtras | None = None) -> dict[str, Any]:
    """The whole Home tab for ``state``, whose terms and counts the service put in ``home``;
    ``extras``: the person's opt-out toggle and, for maintainers, their section."""
    title, shown, page, pages, top = home.title, home.terms, home.page, home.pages, home.top
    search = PlainTextInputElement(
        action_id=SEARCH_ACTION,
        placeholder="A term, an acronym or any words — then press Enter",
        dispatch_action_config=DispatchActionConfig(trigger_actions_on=["on_enter_pressed"]),
        max_length=MAX_QUERY,
    )
    categories = [
        ButtonElement(
            text=clip(f"{label} ({count})", BUTTON_TEXT_LIMIT),
            action_id=f"{CATEGORY_ACTION}_{i}",
            value=label,
            style="primary" if state.mode == "category" and state.value == label else None,
        )
        for i, (label, count) in enumerate(home.categories)
    ]
    letters = home.letters
    letter_buttons = [
        ButtonElement(
            text=letter,
            action_id=f"{LETTER_ACTION}_{letter}",
            value=letter,
            style="primary" if state.mode == "letter" and state.value == letter else None,
        )
        for letter in letters
    ]
    blocks: list[Block] = [
        HeaderBlock(text="📖 Partner Glossary"),
        SectionBlock(
            text=mrkdwn(
                f"{home.total} partnership terms, explained. Type `/define &lt;term&gt;` "
                "anywhere, or add me to a channel and I'll explain jargon in threads."
            )
        ),
        InputBlock(
            block_id=SEARCH_ACTION,
            label="Search the glossary",
            element=search,
            dispatch_action=True,
            optional=True,
        ),
        SectionBlock(text=mrkdwn("*Browse by category*")),
        *_button_rows(categories, 5),
        SectionBlock(text=mrkdwn("*A–Z*")),
        *_button_rows(letter_buttons, 13),
    ]
    if top:
        blocks.append(SectionBlock(text=mrkdwn("*Most looked up*")))
        blocks.append(
            ActionsBlock(
                elements=[term_button(t, OPEN_ACTION, 100 + i) for i, t in enumerate(top[:5])]
            )
        )
    blocks.append(DividerBlock())
    counter = f"{home.matched} terms" + (f" · page {page + 1} of {pages}" if pages > 1 else "")
    blocks.append(SectionBlock(text=mrkdwn(f"*{escape(title)}*  ({counter})")))
    if not shown:
        blocks.append(SectionBlock(text=mrkdwn("Nothing matches. Try fewer or other words.")))
    blocks.extend(_term_row(term, i) for i, term in enumerate(shown))
    nav = []
    if page > 0:
        nav.append(
            ButtonElement(text="← Previous", action_id=f"{PAGE_ACTION}_prev", value=str(page - 1))
        )
    if page < pages - 1:
        nav.append(
            ButtonElement(text="Next →", action_id=f"{PAGE_ACTION}_next", value=str(page + 1))
        )
    if nav:
        blocks.append(ActionsBlock(elements=nav))
    blocks += extras_blocks(extras)
    view = {
        "type": "home",
        "private_metadata": HomeState(state.mode, state.value, page).dump(),
        "blocks": [b.to_dict() for b in blocks],
    }
    return view


def term_modal(card: Card) -> dict[str, Any]:
    """A term's card in a modal, with related-term navigation and "share to a channel"."""
    term = card.term
    blocks: list[Block] = [
        *term_blocks(term, card.related, action=MODAL_ACTION),
        DividerBlock(),
        InputBlock(
            block_id=SHARE_BLOCK,
            label="Share this card in",
            element=ConversationSelectElement(
                action_id=SHARE_ELEMENT,
                placeholder="Pick a channel",
                default_to_current_conversation=True,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
            hint="I post the card there, saying you shared it. I must be in that channel.",
        ),
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Partner Glossary"},
        "close": {"type": "plain_text", "text": "Close"},
        "submit": {"type": "plain_text", "text": "Share"},
        "private_metadata": json.dumps({"term": term.term}),
        "blocks": [b.to_dict() for b in blocks],
    }
