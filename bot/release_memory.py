"""Give the C allocator's free memory back to the system once a big structure is built.

Why: a warm start at 100,000 terms reads some 100 MB of cached JSON and turns it into indexes.
glibc keeps much of that transient memory in its heap afterwards — after freeing a large block
it raises its mmap threshold, so later mid-sized blocks come from the heap, and the holes they
leave among long-lived objects are never given back — ~70 MB at that size, counted in the
process's RSS and inherited by every forked worker. ``malloc_trim(0)`` returns those pages
(measured: 450 → 380 MiB after the search index; see bench/RESULTS-terms.md).

Like the garbage collector (bot.gc_pause), the allocator belongs to the process: start-up code
calls this after loading the glossary and after building its search index, never bot.terms.
Elsewhere than glibc (musl, macOS) there is no such call, and this does nothing.
"""

from __future__ import annotations

import ctypes
import logging

logger = logging.getLogger(__name__)


def release_free_memory() -> bool:
    """Return the allocator's free pages to the system; whether the C library could."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc
        logger.debug("malloc_trim is not available here: free memory stays with the process")
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return bool(trim(0))
