"""Pause Python's cyclic garbage collector while a big, long-lived object graph is built.

Why: loading a 10,000-term glossary creates a few hundred thousand containers (YAML nodes,
dicts, lists, index buckets) and keeps nearly all of them. Each allocation burst triggers a
collection that traverses everything still alive, so with the collector on, parsing and indexing
took two to four times as long as the work itself (measured with bench/profile_terms.py). None
of these structures needs the collector: they are freed by reference counting or kept for good.

The collector is the process's, so the process decides: the start-up code wraps loading the
glossary (and a thread building its search index) in ``gc_paused()``; bot.terms never calls it.
Pauses are counted: nested or concurrent ones re-enable collection only when the last one ends,
and only if it was enabled before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off (reference counting still frees memory)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
