"""Time loading and indexing a glossary in *this* (fresh) interpreter; print one JSON line.

Why a separate process: ``fold`` and ``singular`` are ``lru_cache``d and modules stay imported,
so a second build in the same process would look faster than any real start-up. The benchmark
runs ``python -m bench.probe MODE PATH CACHE_DIR`` twice per repeat and mode with one fresh
cache folder: the first run is a first start (nothing cached: parse, validate, write the cache),
the second a restart (the validated terms come from the cache). Modes:

* ``lookup`` / ``scanner`` / ``search``: load, ``Glossary(...)``, then only that engine, built
  through the public call that needs it (``define``, ``scan``, ``search`` on empty text); what
  each command pays on the command line;
* ``all``: load, then ``Glossary.warm()`` as the bot does at start (lookup index and scanner;
  the search index is built on a background thread), then a first search, which waits for it.

Every figure is in seconds: ``import`` (bot.terms and its libraries), ``load`` (load_glossary:
from the cache, or YAML parse + validation + cache write), ``glossary`` (``Glossary(terms)``),
then ``lookup``, ``scanner``, ``search`` or ``warm``; ``all`` adds ``search_ready`` (from the
start of ``warm()`` until the background search index answers). ``cached`` says whether a cache
file for exactly these glossary files existed before the load (1) or not (0).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ENGINES = ("lookup", "scanner", "search")


def _cache_exists(path: Path, cache_dir: Path) -> bool:
    """Whether load_glossary will find a cache file (the same digest it computes)."""
    from bot.terms import cache, loader

    sources = loader._read_sources(loader.glossary_files(path))
    readable = [s for s in sources if isinstance(s, cache.Source)]
    return cache.cache_file(cache_dir, path, readable, loader.LOADER_VERSION).exists()


def main(mode: str, path: str, cache_dir: str | None = None) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    from bot.terms import Glossary, load_glossary

    times["import"] = time.perf_counter() - start
    folder = Path(cache_dir) if cache_dir else None
    times["cached"] = float(folder is not None and _cache_exists(Path(path), folder))
    start = time.perf_counter()
    terms = load_glossary(path, folder)
    times["load"] = time.perf_counter() - start
    start = time.perf_counter()
    glossary = Glossary(terms)
    times["glossary"] = time.perf_counter() - start
    build = {
        "lookup": lambda: glossary.define(""),
        "scanner": lambda: glossary.scan(""),
        "search": lambda: glossary.search(""),
    }
    start = time.perf_counter()
    if mode == "all":
        glossary.warm()
        times["warm"] = time.perf_counter() - start
        glossary.search("")
        times["search_ready"] = time.perf_counter() - start
    else:
        build[mode]()
        times[mode] = time.perf_counter() - start
    times["terms"] = len(terms)
    return times


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in (*ENGINES, "all"):
        sys.exit("usage: python -m bench.probe lookup|scanner|search|all GLOSSARY_PATH [CACHE_DIR]")
    print(json.dumps(main(*sys.argv[1:])))
