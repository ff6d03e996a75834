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
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

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
)
from bot.store import Store, StoreError
from bot.store.base import Pruned, Workspace
from bot.terms import Glossary, Status, Term

logger = logging.getLogger(__name__)
throttled = Throttled(logger)

SEARCH_FALLBACK = 5
"""Full-text results offered when a lookup has no confident answer."""
HOME_PAGE_SIZE = 15
HOME_SEARCH_LIMIT = 50
TOP_TERMS = 5
MAX_QUERY = 200
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
        return self._lookup(glossary, text)

    def lookup(self, query: str) -> Answer:
        """Answer "what is <query>?"; near-misses and misses come with search results."""
        return self._lookup(self._glossary, query)

    def ask(self, text: str) -> AskReply:
        """A free-form question (@mention or DM): a lookup, else the terms it names, else chatter.

        "what do EQL and MQL mean?" is no single term, but it names two: when the lookup is not
        confident, every glossary term in the text (auto_expand or not) is answered instead.
        """
        if not text.strip():
            return Help(private=False)
        if CHATTER.match(text.strip().lower()):
            return Chatter()
        glossary = self._glossary
        answer = self._lookup(glossary, text)
        if answer.found:
            return answer
        mentioned = _unique(m.term for m in glossary.scan(text, include_all=True))
        named = self._cards(glossary, mentioned)
        if named:
            return TermList(named)
        return answer

    def record(self, workspace: Workspace, query: str, term: str | None, user: str = "") -> None:
        """Count a lookup for "most looked up", or a miss (``term`` None) for the maintainers.

        Counts are per workspace; misses are kept without the asker's id. Raises
        ``StoreError``; callers record after answering, so the store never delays an answer.
        """
        query = query.strip()[:MAX_QUERY]
        if query:
            self.store.record_lookup(workspace, query, term, self.clock(), user if term else "")

    def terms_in(self, text: str) -> TermList:
        """Every glossary term in a message, for the "Explain terms" shortcut."""
        glossary = self._glossary
        terms = _unique(m.term for m in glossary.scan(text, include_all=True))
        return TermList(self._cards(glossary, terms), "I found no glossary terms in that message.")

    def card(self, name: str) -> Card | None:
        """The card for a term by its exact name (a button's value), or None if it is gone."""
        glossary = self._glossary
        term = glossary.get(name)
        return None if term is None else Card(term, tuple(glossary.related(term)))

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

    def claim_explanation(
        self,
        workspace: Workspace,
        channel: str,
        thread_ts: str,
        names: Sequence[str],
        now: float,
        claim_id: str = "",
    ) -> Explanation | None:
        """Claim the terms this thread may hear now and return what to post (None: stay quiet).

        One atomic claim records the terms (once per thread, once per channel per cooldown);
        it also makes a repeated job harmless. Raises ``StoreError``.
        """
        glossary = self._glossary
        allowed = self.store.claim_explanations(
            workspace, channel, thread_ts, list(names), now, self.policy.cooldown_s, claim_id
        )
        terms = [t for t in (glossary.get(name) for name in allowed) if t is not None]
        if not terms:
            return None
        limit = self.policy.max_terms
        return Explanation(tuple(terms[:limit]), tuple(terms[limit:]))

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
    def _lookup(self, glossary: Glossary, query: str) -> Answer:
        result = glossary.define(query[:MAX_QUERY])
        searched: tuple[Term, ...] = ()
        if result.status in (Status.SUGGEST, Status.NONE):
            shown = set(result.terms)
            subject = result.subject or query[:MAX_QUERY]
            hits = glossary.search(subject, SEARCH_FALLBACK + len(shown))
            searched = tuple(h.term for h in hits if h.term not in shown)[:SEARCH_FALLBACK]
        cards = self._cards(glossary, result.terms) if result.status in _ANSWERED else ()
        return Answer(result, cards, searched)

    @staticmethod
    def _cards(glossary: Glossary, terms: Sequence[Term]) -> tuple[Card, ...]:
        return tuple(Card(t, tuple(glossary.related(t))) for t in terms)

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


_ANSWERED = (Status.FOUND, Status.AMBIGUOUS)


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


def _unique(terms: Iterable[Term]) -> list[Term]:
    seen: list[Term] = []
    for term in terms:
        if term not in seen:
            seen.append(term)
    return seen
