"""The term service's one public object: a loaded glossary and everything asked of it.

``Glossary`` is built from validated terms and is immutable afterwards, so the Slack layer can
share it across threads without locks. Its three engines (lookup, detection, search) are built
on first use, so a CLI command pays only for the one it needs; a long-running process calls
``warm()`` at start so that no /define or message waits for one, and ``build_search_index()``
whenever it chooses — on a thread of its own, or before forking so that workers share it.
Threads, forking and the garbage collector belong to that process, not to this module.

Drafts (``status: draft``) are set aside at construction, before any engine sees them: they
are never matched, listed, searched or counted, and only ``drafts`` (for reviews) keeps them.
Deprecated terms stay in: they still match, and ``replacement`` says where to send readers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from functools import cached_property, partial
from pathlib import Path

from bot.terms.detect import Scanner
from bot.terms.index_cache import FORMS, IndexCache, built
from bot.terms.loader import load_glossary
from bot.terms.lookup import LookupIndex
from bot.terms.model import Lifecycle, LookupResult, Match, SearchHit, Status, Term
from bot.terms.review import Overdue, overdue
from bot.terms.search import SearchIndex
from bot.terms.text import fold, fold_all


class Glossary:
    """Lookup, detection and search over one set of terms."""

    def __init__(self, terms: Sequence[Term], indexes: IndexCache | None = None) -> None:
        """``indexes``: where built indexes are kept between starts (see index_cache)."""
        self._indexes = indexes
        shown = [t for t in terms if t.status != Lifecycle.DRAFT]
        self.terms: tuple[Term, ...] = tuple(sorted(shown, key=lambda t: t.term.casefold()))
        self.drafts: tuple[Term, ...] = tuple(t for t in terms if t.status == Lifecycle.DRAFT)
        """Terms not yet shown anywhere, in file order: only reviews look at them."""
        names = fold_all([t.term for t in self.terms])
        self._by_name = dict(zip(names, self.terms, strict=True))
        self._search_index: SearchIndex | None = None
        self._search_lock = threading.Lock()

    @cached_property
    def _lookup(self) -> LookupIndex:
        return LookupIndex(self.terms, self._indexes)

    @cached_property
    def _scanner(self) -> Scanner:
        terms = self.terms
        load = partial(Scanner.from_data, terms)
        return built(self._indexes, "scanner", terms, partial(Scanner, terms), load)

    def warm(self) -> Glossary:
        """Build the lookup index and the scanner now, so that no /define or message waits."""
        _ = self._lookup, self._scanner
        return self

    def build_search_index(self) -> None:
        """Build the full-text index, and the typo index /define uses to narrow its fuzzy keys.

        Idempotent and thread-safe: the first caller builds, a caller arriving mid-build waits
        for it. Until then a search builds the index itself, and a /define that needs the typo
        index builds that (both take about a second at 100,000 terms, far less below).
        """
        self._lookup.prepare()
        _ = self._search

    @property
    def _search(self) -> SearchIndex:
        """The search index, built exactly once: a caller arriving mid-build waits for it."""
        index = self._search_index
        if index is None:
            with self._search_lock:
                index = self._search_index
                if index is None:
                    terms, named = self.terms, self._lookup.named
                    build = partial(SearchIndex, terms, named)
                    load = partial(SearchIndex.from_data, terms, named=named)
                    reads = (*FORMS, "definition")
                    index = built(self._indexes, "search", terms, build, load, reads)
                    self._search_index = index
        return index

    @classmethod
    def from_path(cls, path: str | Path, cache_dir: Path | None = None) -> Glossary:
        """Load, validate and index the glossary; raises GlossaryError with every problem.

        ``cache_dir`` lets the loader reuse (and store) the validated terms, see load_glossary,
        and the glossary its built indexes (bot.terms.index_cache).
        """
        indexes = IndexCache(cache_dir) if cache_dir is not None else None
        return cls(load_glossary(path, cache_dir), indexes)

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, name: str) -> Term | None:
        """The term with exactly this name (folded), e.g. from a button's value."""
        return self._by_name.get(fold(name))

    def define(self, query: str) -> LookupResult:
        """What ``/define query`` answers."""
        return self._lookup.lookup(query)

    def scan(self, text: str, *, include_all: bool = False) -> list[Match]:
        """The terms the bot would explain in ``text``."""
        return self._scanner.scan(text, include_all=include_all)

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Full-text search over names, aliases and definitions."""
        return self._search.search(query, limit)

    def find(self, query: str, limit: int = 10) -> list[Term]:
        """What a search box should list: the term(s) the query names, then full-text hits."""
        answer = self.define(query)
        named = list(answer.terms) if answer.status in (Status.FOUND, Status.AMBIGUOUS) else []
        hits = [h.term for h in self.search(query, limit) if h.term not in named]
        return (named + hits)[:limit]

    def replacement(self, term: Term) -> Term | None:
        """The term a deprecated ``term`` sends readers to; None when it is not deprecated or
        names none (``check`` guarantees a named replacement exists and is active)."""
        if term.status != Lifecycle.DEPRECATED or not term.replaced_by:
            return None
        return self.get(term.replaced_by)

    def overdue(self, today: date) -> list[Overdue]:
        """Every term (drafts included) whose review is due or that has no owner, see
        bot.terms.review; for reminders and the maintainers' view."""
        return overdue((*self.terms, *self.drafts), today)

    def related(self, term: Term) -> list[Term]:
        """The related terms that exist, in the order the glossary lists them."""
        found = (self.get(name) for name in term.related)
        return [t for t in found if t is not None]

    def categories(self) -> dict[str, list[Term]]:
        """Terms grouped by category, categories and terms alphabetical."""
        groups: dict[str, list[Term]] = {}
        for term in self.terms:
            groups.setdefault(term.category, []).append(term)
        return dict(sorted(groups.items(), key=lambda kv: kv[0].casefold()))

    def category(self, name: str) -> tuple[str, list[Term]] | None:
        """A category by folded name or unique prefix ("pricing" → "Pricing models")."""
        wanted = fold(name)
        groups = self.categories()
        for label, terms in groups.items():
            if fold(label) == wanted:
                return label, terms
        prefixed = [
            (label, terms) for label, terms in groups.items() if fold(label).startswith(wanted)
        ]
        return prefixed[0] if len(prefixed) == 1 else None
