"""Every example the README and the Slack app manifest promise is answered by the real glossary.

The examples are read from the documents themselves, so a new example is checked as soon as it
is written: backticked ``/define …`` commands and ``@glossary …`` mentions, the jargon listed
in the README's first sentence and in the manifest's long description, the alias examples of
the README's glossary section, and its list of everyday (``auto_expand: false``) words. A term
example passes when ``define`` finds it (status ``found`` or ``ambiguous``), ``/define search``
when search has hits, ``/define list X`` when X names a category. Each extraction is also pinned
to a literal list, so an edit that breaks the patterns fails loudly instead of checking nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.service import GlossaryService
from bot.slack.listeners import governance
from bot.slack.work import Incoming, Outcome
from bot.store import MemoryStore
from bot.terms import Glossary, Status

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
LONG_DESCRIPTION = " ".join(MANIFEST["display_information"]["long_description"].split())
README_TEXT = " ".join(README.split())
"""The README with its line breaks folded, so a sentence wrapped over lines is one string."""


def backticked(prefix: str, text: str) -> list[str]:
    """What follows ``prefix`` in each backticked example (`` `/define PRM` `` → "PRM")."""
    return re.findall(rf"`{re.escape(prefix)}([^`]+)`", text)


def part(pattern: str, text: str) -> str:
    """What the one group of ``pattern`` captures in ``text``."""
    found = re.search(pattern, text)
    assert found, f"no text matches {pattern!r}: the document changed, update this test"
    return found.group(1)


def listed(pattern: str, text: str) -> list[str]:
    """The comma-separated items of ``part(pattern, text)``, without a trailing "…"."""
    return [item.strip(" …") for item in part(pattern, text).split(",") if item.strip(" …")]


SLASH = backticked("/define ", README) + backticked("/define ", LONG_DESCRIPTION)
MENTIONS = backticked("@glossary ", README)
JARGON = listed(r"talk in jargon — (.+?) —", README_TEXT) + listed(
    r"jargon of partnership work \((.+?) and the rest\)", LONG_DESCRIPTION
)
ALIASES = backticked("", part(r"Aliases are for (.+?)\.", README_TEXT))
EVERYDAY = listed(r"keeps everyday words \((.+?)\)", README_TEXT)
CATEGORIES = listed(r"Categories in the shipped file: (.+?)\.", README_TEXT)


def test_the_examples_read_from_the_documents() -> None:
    assert SLASH == [
        "<term>",
        "partnr portl",
        "what's a VAD?",
        "PRM",
        "search commission",
        "list",
        "list pricing",
        "help",
        "eql",
        "settings",
        "suggest [term]",
        "settings",
        "settings",
    ]
    assert MENTIONS == ["what's an ISV?", "what is an OEM?"]
    assert JARGON == [
        "EQL",
        "co-selling",
        "deal registration",
        "VAR",
        "MDF",
        "de jure exclusivity",
        "EQL",
        "MDF",
        "co-sell",
    ]
    assert ALIASES == ["co-market", "de facto exclusivity", "whitelabel", "deal reg"]
    assert EVERYDAY == ["Affiliate", "Agent", "Reseller", "Scope", "Ecosystem"]


def routed(glossary: Glossary, text: str) -> Outcome | None:
    """What ``/define <text>`` does when typed in a channel: the governance subcommands open a
    modal (a task), they are not looked up."""
    body = {
        "text": text,
        "channel_id": "C0EXAMPLE",
        "channel_name": "partners",
        "user_id": "U0EXAMPLE",
        "trigger_id": "1.2.abc",
        "response_url": "https://hooks.example/1",
    }
    service = GlossaryService(glossary, MemoryStore())
    return governance.command(service, Incoming(body), text)


def is_answered(glossary: Glossary, query: str) -> bool:
    return glossary.define(query).status in (Status.FOUND, Status.AMBIGUOUS)


@pytest.mark.parametrize("query", MENTIONS + JARGON + ALIASES + EVERYDAY)
def test_each_example_term_is_found(glossary: Glossary, query: str) -> None:
    assert is_answered(glossary, query), glossary.define(query)


@pytest.mark.parametrize("text", SLASH)
def test_each_define_example_answers(glossary: Glossary, text: str) -> None:
    """``/define`` with its subcommands as the bot reads them; placeholders and bare ones skip."""
    command, _, rest = text.partition(" ")
    if text.startswith("<") or text in ("help", "list"):
        return
    if command in ("suggest", "settings"):
        outcome = routed(glossary, text)
        assert outcome is not None and [t.kind for t in outcome.tasks] != [], text
    elif command == "search":
        assert glossary.search(rest), text
    elif command == "list":
        assert glossary.category(rest) is not None, text
    else:
        assert is_answered(glossary, text), glossary.define(text)


def test_the_everyday_words_are_not_explained_automatically(glossary: Glossary) -> None:
    terms = [glossary.get(name) for name in EVERYDAY]
    assert [(t.term, t.auto_expand) for t in terms if t] == [(name, False) for name in EVERYDAY]


def test_the_listed_categories_are_the_shipped_ones(glossary: Glossary) -> None:
    assert sorted(CATEGORIES) == sorted(glossary.categories())
