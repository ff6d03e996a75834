"""render.text: escaping exactly ``& < >``, and clipping that never leaves half an entity.

Pinned down: a typed ``<!channel>`` is shown, never executed; ``unescape`` undoes Slack's own
escaping (and ``&amp;lt;`` stays a literal ``&lt;``); clipped text is within the limit, ends in
an ellipsis and — for escaped text — holds only whole ``&amp; &lt; &gt;`` entities.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.render.text import clip, clip_escaped, escape, quote, unescape

WHOLE_ENTITIES = re.compile(r"&(?!amp;|lt;|gt;)")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123> & <!here>", "&lt;@U123&gt; &amp; &lt;!here&gt;"),
        ("R&D", "R&amp;D"),
        ("&lt;", "&amp;lt;"),
        ("*bold* _it_ `code` \"quotes\" 'single'", "*bold* _it_ `code` \"quotes\" 'single'"),
    ],
)
def test_escape_and_unescape_are_inverse(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    assert unescape(escaped) == raw


def test_unescape_reads_slack_escaped_text() -> None:
    assert unescape("Q&amp;A about &lt;VAD&gt;") == "Q&A about <VAD>"


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("hello", 5, "hello"),
        ("hello world", 6, "hello…"),
        ("hello world", 7, "hello…"),  # the cut space is dropped, not kept before "…"
        ("hello world", 1, "…"),
    ],
)
def test_clip(text: str, limit: int, clipped: str) -> None:
    assert clip(text, limit) == clipped


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("a&b", 10, "a&amp;b"),
        ("a&b", 7, "a&amp;b"),
        ("a&b", 6, "a…"),  # not "a&amp…" or "a&am…"
        ("ab&cd", 4, "ab…"),
        ("x<y", 5, "x…"),
        ("&&&&", 10, "&amp;…"),
        ("a & b", 4, "a…"),
    ],
)
def test_clip_escaped_never_leaves_half_an_entity(text: str, limit: int, clipped: str) -> None:
    assert clip_escaped(text, limit) == clipped


@given(st.text(alphabet="ab &<>", max_size=60), st.integers(min_value=1, max_value=70))
def test_clip_escaped_is_a_whole_escaped_prefix(text: str, limit: int) -> None:
    clipped = clip_escaped(text, limit)
    assert len(clipped) <= limit
    assert not WHOLE_ENTITIES.search(clipped)
    assert text.startswith(unescape(clipped.removesuffix("…")))


def test_quote_escapes_strips_and_clips() -> None:
    assert quote("  <!channel> hi  ") == "“&lt;!channel&gt; hi”"
    assert quote("a" * 100) == "“" + "a" * 79 + "…”"
    assert quote("Q&A", limit=4) == "“Q…”"
