"""What the bot does, independent of Slack: the coordination between term service and store.

Listeners turn a Slack payload into a call here and render what comes back. This layer adds
the bot's policies on top of the pure term service — what counts as a miss, which terms a
thread may hear (once per thread, once per channel per cooldown), which lookups are counted —
and makes sure a failing store never stops an answer: store errors are logged and the bot
carries on as if the store had said "go ahead".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from bot.store import Store, StoreError
from bot.terms import Glossary, LookupResult, Status, Term

logger = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

SEARCH_FALLBACK = 5
"""Full-text results offered when a lookup has no confident answer."""
EVENT_MEMORY_S = 24 * 3600.0
"""How long event ids are kept for dedupe; Slack's last retry comes about 5 minutes after."""
PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class Answer:
    """A lookup plus, for misses and near-misses, full-text search results to offer."""

    result: LookupResult
    searched: tuple[Term, ...] = ()

    @property
    def found(self) -> bool:
        return self.result.status in (Status.FOUND, Status.AMBIGUOUS)


@dataclass(frozen=True, slots=True)
class Explanation:
    """What to post in a thread: terms explained in full, then terms only named."""

    full: tuple[Term, ...]
    more: tuple[Term, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Policy:
    """The explanation settings, from config (see bot.config.Settings)."""

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
    ) -> None:
        self.glossary = glossary
        self.store = store
        self.policy = policy or Policy()
        self._clock = clock
        self._pruned_at = clock()

    def lookup(self, query: str) -> Answer:
        """Answer "what is <query>?"; near-misses and misses come with search results."""
        result = self.glossary.define(query)
        searched: tuple[Term, ...] = ()
        if result.status in (Status.SUGGEST, Status.NONE):
            shown = set(result.terms)
            hits = self.glossary.search(result.subject or query, SEARCH_FALLBACK + len(shown))
            searched = tuple(h.term for h in hits if h.term not in shown)[:SEARCH_FALLBACK]
        return Answer(result, searched)

    def record(self, answer: Answer, user: str = "") -> None:
        """Count a lookup for "most looked up", or a miss for the maintainers.

        Called after the answer was sent, so the store never delays or blocks an answer.
        An ambiguous answer counts for its first meaning: it was answered, not missed.
        """
        query = answer.result.query.strip()[:200]
        if not query:
            return
        term = answer.result.terms[0].term if answer.found else None
        self._safely(self.store.record_lookup, query, term, self._clock(), user)

    def ask(self, text: str) -> tuple[Answer, tuple[Term, ...]]:
        """A free-form question (@mention or DM): a lookup, else the terms it mentions.

        "what do EQL and MQL mean?" is no single term, but it names two: when the lookup is not
        confident, every glossary term in the text (auto_expand or not) is returned as well.
        """
        answer = self.lookup(text)
        if answer.found:
            return answer, ()
        mentioned = self.terms_in(text)
        return answer, tuple(mentioned)

    def terms_in(self, text: str) -> list[Term]:
        """Every glossary term in a message, for the "Explain terms" shortcut."""
        terms: list[Term] = []
        for match in self.glossary.scan(text, include_all=True):
            if match.term not in terms:
                terms.append(match.term)
        return terms

    def first_delivery(self, event_id: str) -> bool:
        """Whether this event id is new (Slack retries deliver the same id up to 3 times)."""
        if not event_id:
            return True
        now = self._clock()
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = now  # racing threads may both prune: harmless
            self._safely(self.store.prune_events, now - EVENT_MEMORY_S)
        claimed = self._safely(self.store.claim_event, event_id, now)
        return True if claimed is None else claimed

    def explain(
        self, *, channel: str, thread_ts: str, text: str, slack_connect: bool = False
    ) -> Explanation | None:
        """The explanation to post for a channel message, or None to stay quiet.

        The message is scanned before the store is asked anything: most messages name no
        term, and those cost no database write at all. Then one atomic claim records the terms
        (once per thread, once per channel per cooldown). That claim also makes Slack's
        retries harmless — a retried event finds its terms already explained in its thread —
        so channel messages need no separate event-id claim.
        """
        policy = self.policy
        if not policy.in_channels or (slack_connect and not policy.in_slack_connect):
            return None
        candidates: list[str] = []
        for match in self.glossary.scan(text):
            if match.term.term not in candidates:
                candidates.append(match.term.term)
        if not candidates:
            return None
        allowed = self._safely(
            self.store.claim_explanations,
            channel,
            thread_ts,
            candidates,
            self._clock(),
            policy.cooldown_s,
        )
        # Without the store we cannot know what was said before: stay quiet rather than noisy.
        if not allowed:
            return None
        terms = [t for t in (self.glossary.get(name) for name in allowed) if t is not None]
        return Explanation(tuple(terms[: policy.max_terms]), tuple(terms[policy.max_terms :]))

    def top_terms(self, limit: int) -> list[Term]:
        """The most looked-up terms that still exist in the glossary."""
        counts = self._safely(self.store.top_terms, limit) or []
        terms = (self.glossary.get(name) for name, _ in counts)
        return [t for t in terms if t is not None]

    def _safely(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Run a store call; on StoreError log it and return None so the caller carries on."""
        try:
            return call(*args, **kwargs)
        except StoreError:
            logger.exception("state store failed during %s; continuing without it", call.__name__)
            return None
