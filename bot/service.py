"""What the bot does, independent of Slack: the one door from the Slack layer into the domain.

Listeners turn a payload into a call here and hand what comes back (``bot.replies`` values) to a
renderer. This layer adds the bot's policies on top of the pure term service: what counts as a
lookup, a miss or chatter, which terms a thread may hear (once per thread, once per channel per
cooldown), which lookups are counted.

Store failures: methods whose job *is* a store write (claims, records) raise ``StoreError`` and
leave logging to the caller that decides what happens next (the dispatcher or the job runner).
Methods that only decorate an answer with stored data (the Home tab's "most looked up") decide
themselves to carry on without it, and so log it, once per interval.

The glossary can be swapped while requests run (hot reload): each method reads the current one
once, so a request never sees half of one glossary and half of another.

Who reads an answer is a ``View`` (``bot.audience``) the caller passes in: the Slack layer
decides it where the target channel is known (``bot.slack.perform``), this layer applies it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from bot import audience
from bot.governance import Governance
from bot.logs import Throttled
from bot.replies import (
    Answer,
    AskReply,
    Card,
    Categories,
    CategoryTerms,
    Chatter,
    DefineReply,
    Explanation,
    Help,
    HomePage,
    SearchResults,
    TermList,
    View,
)
from bot.store import Store, StoreError
from bot.store.base import ChannelSettings, Pruned, Workspace
from bot.terms import Glossary, Term

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

HOME_PAGE_SIZE = 15
HOME_SEARCH_LIMIT = 50
TOP_TERMS = 5
MAX_QUERY = 200
MAX_ASKED_WORDS = 6
"""A mention or DM whose subject is longer than this is a sentence, not a term: no miss."""
HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})
CHATTER = re.compile(
    r"^(?:(?:hi|hey|hello|yo|howdy)(?: there| all| everyone| team| bot| glossary)?"
    r"|(?:thanks?|thank you|thx|ty|cheers)(?: a lot| so much| again| very much| mate)?"
    r"|ok(?:ay)?|cool|great|nice|perfect|got it|test(?:ing)?(?: \d+)?|ping"
    r"|good (?:morning|afternoon|evening)|bye|lol|:[a-z0-9_+-]+:)[\s!.,]*$"
)
"""Things people say to a bot that are not lookups; they get a pointer, and count as no miss."""


@dataclass(frozen=True, slots=True)
class Policy:
    """The explanation settings, from config (see bot.slack.bootstrap.policy_from)."""

    cooldown_s: float = 24 * 3600.0
    max_terms: int = 3
    in_channels: bool = True
    in_slack_connect: bool = True


class GlossaryService:
    """The bot's behaviour over a glossary and a store; thread-safe, shared by all listeners."""

    def __init__(
        self,
        glossary: Glossary,
        store: Store,
        policy: Policy | None = None,
        clock: Callable[[], float] = time.time,
        version: str = "",
    ) -> None:
        self._glossary = glossary
        self.version = version
        self.store = store
        self.policy = policy or Policy()
        self.clock = clock
        self.on_forget: Callable[[Workspace], None] = lambda workspace: None
        """Called after a workspace was forgotten (OAuth mode drops its cached tokens)."""
        self.governance = Governance(store, lambda: self._glossary, clock)
        """Suggestions, channel settings, opt-outs, the maintainers' view (bot.governance)."""

    # -- the glossary ------------------------------------------------------------------------
    @property
    def glossary(self) -> Glossary:
        """The glossary in use now (for the CLI and start-up; listeners go through methods)."""
        return self._glossary

    def swap(self, glossary: Glossary, version: str) -> None:
        """Serve ``glossary`` from now on (one reference assignment: atomic for readers)."""
        self._glossary, self.version = glossary, version

    @property
    def term_count(self) -> int:
        return len(self._glossary)

    # -- lookups ------------------------------------------------------------------------------
    def define(self, text: str) -> DefineReply:
        """What ``/define <text>`` answers: help, a category list, a search or a lookup."""
        glossary = self._glossary
        words = text.split()
        head = words[0].lower() if words else ""
        rest = " ".join(words[1:])
        if head in HELP_WORDS:
            return Help(private=True)
        if head == "list":
            if not rest:
                return self._categories(glossary)
            found = glossary.category(rest)
            if found is None:
                return self._categories(glossary, unknown=rest)
            return CategoryTerms(found[0], tuple(found[1]))
        if head == "search" and rest:
            return SearchResults(rest, tuple(h.term for h in glossary.search(rest[:MAX_QUERY])))
        return audience.answer(glossary, text[:MAX_QUERY], View.INTERNAL, labelled=True)

    def lookup(self, query: str, view: View = View.INTERNAL) -> Answer:
        """Answer "what is <query>?"; near-misses and misses come with search results."""
        return audience.answer(self._glossary, query[:MAX_QUERY], view)

    def ask(self, text: str, view: View = View.INTERNAL) -> AskReply:
        """A free-form question (@mention or DM): a lookup, else the terms it names, else chatter.

        "what do EQL and MQL mean?" is no single term, but it names two: when the lookup is not
        confident, every glossary term in the text (auto_expand or not) is answered instead.
        """
        if not text.strip():
            return Help(private=False)
        if CHATTER.match(text.strip().lower()):
            return Chatter()
        glossary = self._glossary
        answer = audience.answer(glossary, text[:MAX_QUERY], view)
        if answer.found:
            return answer
        mentioned = _unique(m.term for m in glossary.scan(text, include_all=True))
        named = audience.cards(glossary, mentioned, view)
        if named:
            return TermList(named)
        if len(answer.asked.split()) > MAX_ASKED_WORDS:
            return replace(answer, counts=False)
        return answer

    def record(self, workspace: Workspace, query: str, term: str | None, user: str = "") -> None:
        """Count a lookup for "most looked up", or a miss (``term`` None) for the maintainers.

        Counts are per workspace; misses are kept without the asker's id, and every query is
        normalised (case-folded, whitespace collapsed) so "EQL " and "eql" are one miss. Raises
        ``StoreError``; callers record after answering, so the store never delays an answer.
        """
        query = audience.normalised(query)[:MAX_QUERY]
        if query:
            self.store.record_lookup(workspace, query, term, self.clock(), user if term else "")

    def terms_in(self, text: str, view: View = View.INTERNAL) -> TermList:
        """Every glossary term in a message, for the "Explain terms" shortcut."""
        glossary = self._glossary
        terms = _unique(m.term for m in glossary.scan(text, include_all=True))
        empty = "I found no glossary terms in that message."
        return TermList(audience.cards(glossary, terms, view), empty)

    def card(self, name: str, view: View = View.INTERNAL) -> Card | None:
        """The card for a term by its exact name (a button's value); None if it is gone, or
        may not be shown in ``view``."""
        glossary = self._glossary
        term = glossary.get(name)
        return None if term is None else audience.card(glossary, term, view)

    # -- thread explanations ------------------------------------------------------------------
    def explainable(self, text: str, *, slack_connect: bool = False) -> list[str]:
        """The names of the terms a channel message would have explained (no store involved).

        Most messages name no term; those cost nothing more than this scan.
        """
        policy = self.policy
        if not policy.in_channels or (slack_connect and not policy.in_slack_connect):
            return []
        return [t.term for t in _unique(m.term for m in self._glossary.scan(text))]

    def forget(self, workspace: Workspace) -> Pruned:
        """Delete everything stored for a workspace (uninstall, or an erasure request)."""
        pruned = self.store.purge(enterprise_id=workspace.enterprise_id, team_id=workspace.team_id)
        self.on_forget(workspace)
        return pruned

    def explain_settings(
        self, workspace: Workspace, channel: str, author: str, now: float
    ) -> ChannelSettings | None:
        """The channel's settings when its messages may be explained now; None when its members
        turned explanations off or paused them, or the author opted out. Raises ``StoreError``.
        """
        settings, opted_out = self.store.explain_gate(workspace, channel, author)
        if not settings.explain or now < settings.paused_until:
            return None
        if author and opted_out:
            return None
        return settings

    def partner_view(self, workspace: Workspace, channel: str) -> bool:
        """Whether the channel's members forced the partner view. Raises ``StoreError``."""
        return self.store.channel_settings(workspace, channel).partner_view

    def claim_explanation(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        names: Sequence[str],
        now: float,
        claim_id: str = "",
        *,
        view: View = View.INTERNAL,
        settings: ChannelSettings | None = None,
    ) -> Explanation | None:
        """Claim the terms this thread may hear now and return what to post (None: stay quiet).

        Terms ``view`` may not show are dropped before the claim, so they are never "explained"
        where they were not. The channel's ``settings`` override the cooldown and the number of
        terms in full. One atomic claim records the terms (once per thread, once per channel
        per cooldown); it also makes a repeated job harmless. Raises ``StoreError``.
        """
        glossary = self._glossary
        shown = {t.term: t for t in audience.visible_all(_found(glossary, names), view)}
        if not shown:
            return None
        cooldown = self.policy.cooldown_s
        if settings is not None and settings.cooldown_hours is not None:
            cooldown = settings.cooldown_hours * 3600.0
        allowed = self.store.claim_explanations(
            workspace, channel, thread_ts, list(shown), now, cooldown, claim_id
        )
        terms = [shown[name] for name in allowed if name in shown]
        if not terms:
            return None
        limit = self.policy.max_terms
        if settings is not None and settings.max_terms is not None:
            limit = max(1, settings.max_terms)
        redirects = tuple(
            (term.term, new)
            for term, new in ((t, audience.replacement(glossary, t, view)) for t in terms[:limit])
            if new is not None
        )
        return Explanation(tuple(terms[:limit]), tuple(terms[limit:]), redirects)

    def release_explanation(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        explanation: Explanation,
        claimed_at: float,
    ) -> None:
        """The post failed: its terms were not explained after all. Raises ``StoreError``."""
        names = [t.term for t in (*explanation.full, *explanation.more)]
        self.store.release_explanations(workspace, channel, thread_ts, names, claimed_at)

    # -- App Home ---------------------------------------------------------------------------
    def home_page(self, workspace: Workspace, mode: str, value: str, page: int) -> HomePage:
        """The Home tab for a browsing state: ``mode`` is all | category | letter | search.

        "Most looked up" is this workspace's own list."""
        glossary = self._glossary
        title, terms = _selected(glossary, mode, value)
        pages = max(1, -(-len(terms) // HOME_PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        shown = terms[page * HOME_PAGE_SIZE : (page + 1) * HOME_PAGE_SIZE]
        groups = glossary.categories()
        return HomePage(
            title=title,
            terms=tuple(shown),
            matched=len(terms),
            page=page,
            pages=pages,
            categories=tuple((label, len(items)) for label, items in groups.items()),
            letters=tuple(sorted({first_letter(t) for t in glossary.terms})),
            top=tuple(self._top_terms(glossary, workspace)),
            total=len(glossary),
        )

    def has_category(self, label: str) -> bool:
        return self._glossary.category(label) is not None

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _categories(glossary: Glossary, unknown: str | None = None) -> Categories:
        counts = tuple((label, len(terms)) for label, terms in glossary.categories().items())
        return Categories(counts, len(glossary), unknown)

    def _top_terms(self, glossary: Glossary, workspace: Workspace) -> list[Term]:
        """The most looked-up terms that still exist; without the store, none (logged)."""
        try:
            counts = self.store.top_terms(workspace, TOP_TERMS)
        except StoreError as exc:
            throttled.warning("top_terms", "Home tab shown without 'most looked up': %s", exc)
            return []
        return [t for t in (glossary.get(name) for name, _ in counts) if t is not None]


def first_letter(term: Term) -> str:
    letter = term.term[:1].upper()
    return letter if letter.isalpha() else "#"


def _selected(glossary: Glossary, mode: str, value: str) -> tuple[str, list[Term]]:
    """The title and the terms the list part of the Home tab shows."""
    if mode == "category":
        found = glossary.category(value)
        if found:
            return found[0], found[1]
    if mode == "letter":
        letter = [t for t in glossary.terms if first_letter(t) == value]
        return f"Terms starting with {value}", letter
    if mode == "search" and value.strip():
        return f"Results for “{value.strip()[:60]}”", glossary.find(value, limit=HOME_SEARCH_LIMIT)
    return "All terms", list(glossary.terms)


def _found(glossary: Glossary, names: Iterable[str]) -> list[Term]:
    return [t for t in (glossary.get(name) for name in names) if t is not None]


def _unique(terms: Iterable[Term]) -> list[Term]:
    seen: list[Term] = []
    for term in terms:
        if term not in seen:
            seen.append(term)
    return seen
