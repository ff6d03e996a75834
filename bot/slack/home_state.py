"""The App Home tab's browsing state: what it shows, and where a click leads.

The state (a mode, its value, a page) lives in the published view's ``private_metadata``, so no
server-side session is needed and any replica can answer the next click. Everything about it is
here: the action ids of the Home controls, parsing the metadata leniently, and the transition
from (current state, click) to the next state.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

SEARCH_ACTION = "home_search"
CATEGORY_ACTION = "home_category"
LETTER_ACTION = "home_letter"
PAGE_ACTION = "home_page"
OPEN_ACTION = "home_open"
MAX_QUERY = 100
MODES = ("all", "category", "letter", "search")
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class HomeState:
    """What the Home tab shows: a mode (see MODES), its value and a page number."""

    mode: str = "all"
    value: str = ""
    page: int = 0

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def load(cls, metadata: object) -> HomeState:
        """Parse private_metadata leniently: anything odd falls back to the default view."""
        try:
            data = json.loads(metadata) if isinstance(metadata, str) and metadata else {}
            if not isinstance(data, dict):
                return cls()
            page = data.get("page", 0)
            if not isinstance(page, int) or isinstance(page, bool):
                return cls()
            state = cls(str(data.get("mode", "all")), str(data.get("value", ""))[:MAX_QUERY], page)
        except (ValueError, TypeError, RecursionError):
            return cls()
        return state if state.mode in MODES and 0 <= state.page <= MAX_PAGE else cls()


def next_state(current: HomeState, action_id: str, value: str) -> HomeState:
    """The state a click on ``action_id`` with ``value`` leads to from ``current``."""
    value = value[:MAX_QUERY]
    if action_id == SEARCH_ACTION:
        return HomeState("search", value.strip()) if value.strip() else HomeState()
    if action_id.startswith(CATEGORY_ACTION):
        return HomeState("category", value)
    if action_id.startswith(LETTER_ACTION):
        return HomeState("letter", value[:1])
    if action_id.startswith(PAGE_ACTION) and value.isdecimal() and int(value) <= MAX_PAGE:
        return HomeState(current.mode, current.value, int(value))
    return current


HOME_ACTIONS = re.compile(
    rf"^(?:{SEARCH_ACTION}$|{CATEGORY_ACTION}_|{LETTER_ACTION}_|{PAGE_ACTION}_)"
)
"""The Home tab's browsing controls (what Bolt routes to the Home navigation listener)."""


def is_home_action(action_id: str) -> bool:
    return HOME_ACTIONS.match(action_id) is not None


def metadata_of(body: dict[str, Any]) -> object:
    view = body.get("view")
    return view.get("private_metadata") if isinstance(view, dict) else None
