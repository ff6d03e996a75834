"""Time and size loading and indexing a glossary in *this* (fresh) interpreter; print JSON.

Why a separate process: ``fold`` and ``singular`` are ``lru_cache``d and modules stay imported,
so a second build in the same process would look faster than any real start-up. The benchmark
runs ``python -m bench.probe MODE PATH CACHE_DIR`` twice per repeat and mode with one fresh
cache folder: the first run is a first start (nothing cached: parse, validate, build, write the
cache), the second a restart (the validated terms and the built indexes come from the cache,
bot.terms.cache and bot.terms.index_cache, as ``Glossary.from_path`` does). Loading and indexing
run with
the garbage collector paused (bot.gc_pause), as the bot's start-up does. Modes:

* ``lookup`` / ``scanner`` / ``search``: load, ``Glossary(...)``, then only that engine, built
  through the public call that needs it (``define``, ``scan``, ``search`` on empty text); what
  each command pays on the command line;
* ``warm``: load, then ``Glossary.warm()`` as the bot does at start (lookup index and scanner):
  the warm start, also timed as a whole process (see bench/RESULTS-terms.md);
* ``all``: ``warm``, then ``build_search_index()`` (search and typo indexes, which the bot
  builds on a thread, or before forking under gunicorn);
* ``fork``: ``all``, then the copy-on-write cost of a forked worker (gunicorn's model): a child
  answers 200 messages and queries, runs a full collection as a long-lived worker eventually
  does, and reports its private memory — once forked as is, once after ``gc.freeze()``.

Every time is in seconds: ``import`` (bot.terms and its libraries), ``load`` (load_glossary:
from the cache, or YAML parse + validation + cache write), ``glossary`` (``Glossary(terms)``),
then ``lookup``, ``scanner``, ``search`` or ``warm`` and ``search_ready``; memory in MiB:
``rss_warm_mb`` (after warm), ``rss_mb`` (after the search index: a worker's steady state) and
``rss_released_mb`` (the same after bot.release_memory gives the allocator's free pages back).
``cached`` says whether a cache file for exactly these glossary files existed before the load.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ENGINES = ("lookup", "scanner", "search")
MODES = (*ENGINES, "warm", "all", "fork")


def rss_mb() -> float:
    """Resident memory of this process now, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def private_mb() -> tuple[float, float]:
    """(private dirty, proportional set size) in MiB: what a forked child costs on its own."""
    fields: dict[str, float] = {}
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            name, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                fields[name] = int(rest.split()[0]) / 1024
    return fields["Private_Dirty"], fields["Pss"]


def _cache_exists(path: Path, cache_dir: Path) -> bool:
    """Whether load_glossary will find a cache file (the same digest it computes)."""
    from bot.terms import cache, loader

    sources = loader._read_sources(loader.glossary_files(path))
    readable = [s for s in sources if isinstance(s, cache.Source)]
    return cache.cache_file(cache_dir, path, readable, loader.LOADER_VERSION).exists()


def main(mode: str, path: str, cache_dir: str | None = None) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    from bot.gc_pause import gc_paused
    from bot.release_memory import release_free_memory
    from bot.terms import Glossary, load_glossary
    from bot.terms.index_cache import IndexCache

    times["import"] = time.perf_counter() - start
    folder = Path(cache_dir) if cache_dir else None
    times["cached"] = float(folder is not None and _cache_exists(Path(path), folder))
    with gc_paused():
        start = time.perf_counter()
        terms = load_glossary(path, folder)
        times["load"] = time.perf_counter() - start
        start = time.perf_counter()
        glossary = Glossary(terms, IndexCache(folder) if folder else None)
        times["glossary"] = time.perf_counter() - start
        start = time.perf_counter()
        if mode in ENGINES:
            build: dict[str, Callable[[str], object]] = {
                "lookup": glossary.define,
                "scanner": glossary.scan,
                "search": glossary.search,
            }
            build[mode]("")
            times[mode] = time.perf_counter() - start
        else:
            glossary.warm()
            times["warm"] = time.perf_counter() - start
            times["rss_warm_mb"] = rss_mb()
            if mode != "warm":
                glossary.build_search_index()
                times["search_ready"] = time.perf_counter() - start
    times["rss_mb"] = rss_mb()
    release_free_memory()
    times["rss_released_mb"] = rss_mb()
    times["terms"] = len(terms)
    if mode == "fork":
        times.update(_forked(glossary))
    return times


def _forked(glossary: object) -> dict[str, float]:
    """A forked worker's private memory after some work and a full collection, without and
    with ``gc.freeze()`` in the parent first."""
    from bot.terms import Glossary

    assert isinstance(glossary, Glossary)
    work = [t.term for t in glossary.terms[:: max(1, len(glossary) // 200)]]
    figures: dict[str, float] = {}
    for frozen in (False, True):
        if frozen:
            gc.freeze()
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:  # the worker: answer, collect, report, and leave at once
            os.close(reader)
            for name in work:
                glossary.scan(f"we talked about {name} today")
                glossary.define(name[:-1])
            gc.collect()
            os.write(writer, json.dumps(private_mb()).encode())
            os._exit(0)
        os.close(writer)
        with os.fdopen(reader) as stream:
            private, proportional = json.loads(stream.read())
        os.waitpid(child, 0)
        label = "frozen" if frozen else "plain"
        figures[f"child_private_{label}_mb"] = private
        figures[f"child_pss_{label}_mb"] = proportional
    return figures


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in MODES:
        sys.exit(f"usage: python -m bench.probe {'|'.join(MODES)} GLOSSARY_PATH [CACHE_DIR]")
    print(json.dumps(main(*sys.argv[1:])))
