"""Block Kit for the App Home tab and the term modal.

The Home tab is one view re-published on every click: a search box, category and A–Z
browsers, the most looked-up terms and a paginated list. What it shows is described by a small
``HomeState`` kept in the view's ``private_metadata``, so no server-side session is needed and
every view stays well inside Slack's 100-block limit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import DispatchActionConfig
from slack_sdk.models.blocks.block_elements import ConversationFilter

from bot.slack.render.cards import mrkdwn, term_blocks, term_button
from bot.slack.render.text import BUTTON_TEXT_LIMIT, clip, clip_escaped, escape
from bot.terms import Glossary, Term

PAGE_SIZE = 15
SEARCH_LIMIT = 50
SEARCH_ACTION = "home_search"
CATEGORY_ACTION = "home_category"
LETTER_ACTION = "home_letter"
PAGE_ACTION = "home_page"
OPEN_ACTION = "home_open"
MODAL_ACTION = "modal_term"
MODAL_CALLBACK = "term_modal"
SHARE_BLOCK, SHARE_ELEMENT = "share_channel", "channel"
MAX_QUERY = 100
MODES = ("all", "category", "letter", "search")


@dataclass(frozen=True, slots=True)
class HomeState:
    """What the Home tab shows: a mode (see MODES), its value and a page number."""

    mode: str = "all"
    value: str = ""
    page: int = 0

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def load(cls, metadata: str | None) -> HomeState:
        """Parse private_metadata leniently: anything odd falls back to the default view."""
        try:
            data = json.loads(metadata or "{}")
            state = cls(str(data["mode"]), str(data["value"])[:MAX_QUERY], int(data["page"]))
        except (ValueError, KeyError, TypeError):
            return cls()
        return state if state.mode in MODES and state.page >= 0 else cls()


def first_letter(term: Term) -> str:
    letter = term.term[:1].upper()
    return letter if letter.isalpha() else "#"


def selected_terms(glossary: Glossary, state: HomeState) -> tuple[str, list[Term]]:
    """The title and the terms the list part of the Home tab shows for ``state``."""
    if state.mode == "category":
        found = glossary.category(state.value)
        if found:
            return found[0], found[1]
    if state.mode == "letter":
        return f"Terms starting with {state.value}", [
            t for t in glossary.terms if first_letter(t) == state.value
        ]
    if state.mode == "search" and state.value.strip():
        terms = glossary.find(state.value, limit=SEARCH_LIMIT)
        return f"Results for “{clip(state.value.strip(), 60)}”", terms
    return "All terms", list(glossary.terms)


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


def home_view(glossary: Glossary, state: HomeState, top: Sequence[Term]) -> dict[str, Any]:
    """The whole Home tab for ``state``."""
    state = HomeState(state.mode, state.value[:MAX_QUERY], state.page)  # as the search box allows
    if state.mode == "category" and glossary.category(state.value) is None:
        state = HomeState()  # a category that was renamed or removed since the click
    title, terms = selected_terms(glossary, state)
    pages = max(1, -(-len(terms) // PAGE_SIZE))
    page = min(state.page, pages - 1)
    shown = terms[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    search = PlainTextInputElement(
        action_id=SEARCH_ACTION,
        placeholder="A term, an acronym or any words — then press Enter",
        dispatch_action_config=DispatchActionConfig(trigger_actions_on=["on_enter_pressed"]),
        max_length=MAX_QUERY,
    )
    categories = [
        ButtonElement(
            text=clip(f"{label} ({len(items)})", BUTTON_TEXT_LIMIT),
            action_id=f"{CATEGORY_ACTION}_{i}",
            value=label,
            style="primary" if state.mode == "category" and state.value == label else None,
        )
        for i, (label, items) in enumerate(glossary.categories().items())
    ]
    letters = sorted({first_letter(t) for t in glossary.terms})
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
                f"{len(glossary)} partnership terms, explained. Type `/define &lt;term&gt;` "
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
    counter = f"{len(terms)} terms" + (f" · page {page + 1} of {pages}" if pages > 1 else "")
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
    blocks.append(ContextBlock(elements=[mrkdwn("Missing a term? Tell the glossary maintainers.")]))
    view = {
        "type": "home",
        "private_metadata": HomeState(state.mode, state.value, page).dump(),
        "blocks": [b.to_dict() for b in blocks],
    }
    return view


def term_modal(glossary: Glossary, term: Term) -> dict[str, Any]:
    """A term's card in a modal, with related-term navigation and "share to a channel"."""
    blocks: list[Block] = [
        *term_blocks(term, glossary.related(term), action=MODAL_ACTION),
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
