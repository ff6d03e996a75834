"""A warm start and nothing else, as one whole process: what ``serve`` and ``socket`` do before
they answer (bot.slack.bootstrap): load the glossary through its cache, build the lookup
index and the scanner (``Glossary.warm``), the collector paused. Time it from outside:

    /usr/bin/time -v .venv/bin/python -m bench.warm_start GLOSSARY_PATH CACHE_DIR

Run it once first so that CACHE_DIR holds the validated terms and the built indexes (that
first run is a first start). Prints the term count and this process's peak RSS in MiB, then
leaves without freeing the glossary (interpreter teardown, ~0.5 s at 100,000 terms, is no part
of a start).
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

from bot.gc_pause import gc_paused
from bot.terms import Glossary

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m bench.warm_start GLOSSARY_PATH CACHE_DIR")
    with gc_paused():
        glossary = Glossary.from_path(sys.argv[1], Path(sys.argv[2])).warm()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(glossary)} terms, peak RSS {peak:.0f} MiB", flush=True)
    os._exit(0)  # a bot never tears its glossary down: freeing it is no part of a start
