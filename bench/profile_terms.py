"""cProfile the term service's start-up and its scan loop; print the top functions of each.

Why: ``bench.bench_terms`` says *whether* a budget is met; this says *where* the time goes, on
the same generated inputs (run bench_terms first, or pass the same sizes). Each phase runs in a
fresh interpreter so the ``lru_cache``s and imports start cold, as in production:

    .venv/bin/python -m bench.profile_terms --terms 10000 --messages 20000 --top 5
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import synthetic

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PHASES = ("load", "lookup", "scanner", "search", "scan", "define")


def _phase(phase: str, glossary: Path, data: dict[str, Path]) -> cProfile.Profile:
    """Profile one phase; everything it depends on is done before profiling starts."""
    import json

    from bot import cli
    from bot.terms import Glossary, load_glossary
    from bot.terms.detect import Scanner
    from bot.terms.lookup import LookupIndex
    from bot.terms.model import Term
    from bot.terms.search import SearchIndex

    profile = cProfile.Profile()
    if phase == "load":
        profile.runcall(load_glossary, glossary)
        return profile
    loaded = Glossary.from_path(glossary)
    engines: dict[str, Callable[[Sequence[Term]], object]] = {
        "lookup": lambda terms: LookupIndex(terms).prepare(),  # fuzzy keys and typo index too
        "scanner": Scanner,
        "search": SearchIndex,
    }
    if phase in engines:
        profile.runcall(engines[phase], loaded.terms)
    elif phase == "scan":
        lines = data["messages"].read_text().splitlines(keepends=True)
        loaded.scan("")  # builds the scanner outside the profile

        def answer(text: str) -> dict[str, object]:
            return cli.as_json(loaded, "scan", text)

        profile.runcall(cli.jsonl, lines, "text", answer, io.StringIO())
    else:
        queries = [json.loads(q)["query"] for q in data["queries"].read_text().splitlines()]
        loaded.warm()
        profile.runcall(lambda: [loaded.define(q) for q in queries])
    return profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--phase", choices=PHASES, help="(internal) profile one phase here")
    args = parser.parse_args(argv)
    folder = OUT / f"synthetic-t{args.terms}-m{args.messages}-q{args.queries}"
    sizes = {"terms": args.terms, "messages": args.messages, "queries": args.queries}
    data = synthetic.prepare(folder, **sizes)
    if args.phase:
        stream = io.StringIO()
        stats = pstats.Stats(_phase(args.phase, data["glossary"], data), stream=stream)
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
        total = f"{stats.total_tt:.3f} s"  # type: ignore[attr-defined]
        body = stream.getvalue().split("\n", 1)[-1].strip()
        print(f"=== {args.phase} (profiled total {total}, top {args.top} by {args.sort})\n{body}\n")
        return 0
    for phase in PHASES:
        command = [sys.executable, "-m", "bench.profile_terms", *(argv or sys.argv[1:])]
        subprocess.run([*command, "--phase", phase], cwd=ROOT, check=True, timeout=900)
    return 0


if __name__ == "__main__":
    sys.exit(main())
