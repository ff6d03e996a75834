"""Time loading and indexing a glossary in *this* (fresh) interpreter; print one JSON line.

Why a separate process: ``fold`` and ``singular`` are ``lru_cache``d and modules stay imported,
so a second build in the same process would look faster than any real start-up. The benchmark
runs ``python -m bench.probe MODE PATH`` once per repeat and mode:

* ``lookup`` / ``scanner`` / ``search``: load, ``Glossary(...)``, then only that engine, built
  cold; what ``define``, ``scan`` and ``search`` each pay on the command line;
* ``all``: load, then ``Glossary.warm()`` as the bot does at start.

Every figure is in seconds: ``import`` (bot.terms and its libraries), ``load`` (load_glossary:
YAML parse + validation), ``glossary`` (``Glossary(terms)``), then ``lookup``, ``scanner``,
``search`` or ``warm``.
"""

from __future__ import annotations

import json
import sys
import time

ENGINES = ("lookup", "scanner", "search")


def main(mode: str, path: str) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    from bot.terms import Glossary, load_glossary
    from bot.terms.detect import Scanner
    from bot.terms.lookup import LookupIndex
    from bot.terms.search import SearchIndex

    engines = {"lookup": LookupIndex, "scanner": Scanner, "search": SearchIndex}
    times["import"] = time.perf_counter() - start
    start = time.perf_counter()
    terms = load_glossary(path)
    times["load"] = time.perf_counter() - start
    start = time.perf_counter()
    glossary = Glossary(terms)
    times["glossary"] = time.perf_counter() - start
    start = time.perf_counter()
    if mode == "all":
        glossary.warm()
    else:
        engines[mode](glossary.terms)
    times["warm" if mode == "all" else mode] = time.perf_counter() - start
    times["terms"] = len(terms)
    return times


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in (*ENGINES, "all"):
        sys.exit("usage: python -m bench.probe lookup|scanner|search|all GLOSSARY_PATH")
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
