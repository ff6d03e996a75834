"""Benchmark the term service against the issue's targets; print a table, write terms.json.

Why: the issues set budgets (issue 8: at 10,000 terms and 20,000 messages ``scan --jsonl`` as a
whole process within 1.5x of a pyahocorasick script doing the same job, bench/aho_baseline.py;
at 100,000 terms every kind of ``define`` query <= 5 ms p99, <= 400 MB per process, a warm
start <= 2 s), and the real glossary must be far faster. This measures exactly those, the same
way on every run, so a change to ``bot/terms`` can be judged by numbers, not impressions:

    .venv/bin/python -m bench.bench_terms --terms 10000 --messages 20000 --queries 2000 --repeat 3
    .venv/bin/python -m bench.bench_terms --terms 100000 --define-only --repeat 1
    .venv/bin/python -m bench.bench_terms --quick        # smoke run, about a minute

Load figures come from fresh processes (``bench/probe.py``) so in-process caches are cold, each
measured twice: a first start (empty glossary cache) and a restart (terms from that cache), with
memory (RSS) and a forked worker's private memory; ``define`` (thread CPU time per query, by
kind) and the matching-only loops run in this process on a warm glossary; process-level
``scan`` runs (which, like any ``python -m bot`` command, use the glossary cache under
``DATA_DIR``) alternate with the baseline so drift hits both equally. Every child process has a
timeout, so a run always ends. Inputs are made by ``bench/synthetic.py`` (its own generation
time is reported too). ``python -m bench.report_terms`` reprints the last table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import aho_baseline, synthetic
from bench.probe import ENGINES
from bench.report_terms import table

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TIMEOUT_S = 900
median = statistics.median


def _child(command: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a child process from the repository root; its wall time and result."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, text=True, timeout=TIMEOUT_S, check=False, **kwargs)
    wall = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr}")
    return wall, proc


def measure_load(path: Path, repeat: int) -> dict[str, float]:
    """Median load/index times over ``repeat`` fresh processes per mode (see bench/probe.py).

    Each repeat and mode runs twice on a fresh cache folder: a first start (nothing cached) and
    a restart (terms from the cache), so both figures are measured the same way.
    """
    modes = (*ENGINES, "fork")
    runs: dict[str, list[dict[str, float]]] = {m + s: [] for m in modes for s in ("", "-cached")}
    for _ in range(repeat):
        for mode in modes:
            with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache_dir:
                for suffix, cached in (("", 0.0), ("-cached", 1.0)):
                    command = [sys.executable, "-m", "bench.probe", mode, str(path), cache_dir]
                    wall, proc = _child(command)
                    result = {**json.loads(proc.stdout), "process": wall}
                    if result["cached"] != cached:
                        sys.exit(f"{' '.join(command)}: expected cached={cached}: {result}")
                    runs[mode + suffix].append(result)
    first = [r for mode in modes for r in runs[mode]]
    again = [r for mode in modes for r in runs[mode + "-cached"]]

    def start(mode: str, last: str) -> float:
        return median(r["load"] + r["glossary"] + r[last] for r in runs[mode])

    every = runs["fork"] + runs["fork-cached"]

    return {
        "terms": first[0]["terms"],
        "import_s": median(r["import"] for r in first + again),
        "load_glossary_s": median(r["load"] for r in first),
        "load_cached_s": median(r["load"] for r in again),
        "glossary_s": median(r["glossary"] for r in first + again),
        **{f"{e}_s": median(r[e] for r in runs[e]) for e in ENGINES},
        "load_lookup_s": start("lookup", "lookup"),
        "load_scanner_s": start("scanner", "scanner"),
        "load_all_s": start("fork", "warm"),
        "load_lookup_cached_s": start("lookup-cached", "lookup"),
        "load_scanner_cached_s": start("scanner-cached", "scanner"),
        "load_all_cached_s": start("fork-cached", "warm"),
        "search_ready_s": median(r["search_ready"] - r["warm"] for r in every),
        "rss_warm_mb": median(r["rss_warm_mb"] for r in runs["fork-cached"]),
        "rss_mb": median(r["rss_mb"] for r in runs["fork-cached"]),
        "rss_released_mb": median(r["rss_released_mb"] for r in runs["fork-cached"]),
        **{
            f"child_{kind}_{how}_mb": median(r[f"child_{kind}_{how}_mb"] for r in every)
            for kind in ("private", "pss")
            for how in ("plain", "frozen")
        },
    }


def measure_define(path: Path, queries_file: Path, repeat: int) -> dict[str, Any]:
    """Per-query thread CPU time on a warm glossary, per kind of query (the pass with the median
    total), and answer quality. Every index is built first (search and typo indexes included:
    the bot builds them on a thread at start)."""
    from bot.gc_pause import gc_paused
    from bot.terms import Glossary

    with gc_paused():
        glossary = Glossary.from_path(path).warm()
        glossary.build_search_index()
    queries = [json.loads(line) for line in queries_file.read_text().splitlines()]
    for query in queries[:50]:  # warm-up: first calls into the libraries, allocator settling
        glossary.define(query["query"])
    passes = []
    for _ in range(repeat):
        times, results = [], []
        for query in queries:
            start = time.thread_time_ns()
            results.append(glossary.define(query["query"]))
            times.append((time.thread_time_ns() - start) / 1e6)
        passes.append((sum(times), times, results))
    _, times, results = sorted(passes, key=lambda p: p[0])[len(passes) // 2]
    rows = list(zip(queries, results, times, strict=True))
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in dict.fromkeys(q["kind"] for q in queries):
        mine = [(q, r, ms) for q, r, ms in rows if q["kind"] == kind]
        spent = sorted(ms for _, _, ms in mine)
        wanted = [(q["intended"], r) for q, r, _ in mine if q["intended"] is not None]
        by_kind[kind] = {
            "queries": len(mine),
            "p50_ms": _percentile(spent, 0.50),
            "p99_ms": _percentile(spent, 0.99),
            "max_ms": spent[-1],
            "statuses": dict(Counter(r.status.value for _, r, _ in mine).most_common()),
            "intended_first": sum(bool(r.terms) and r.terms[0].term == w for w, r in wanted)
            / max(len(wanted), 1),
            "found_wrong": sum(
                r.status == "found" and r.terms[0].term != q["intended"]
                for q, r, _ in mine
                if q["intended"] is not None
            ),
        }
    return {
        "queries": len(rows),
        "mean_ms": statistics.fmean(times),
        "pass_means_ms": [total / len(rows) for total, _, _ in passes],
        "p99_ms": _percentile(sorted(times), 0.99),
        "kinds": by_kind,
    }


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_make_glossary(terms: int) -> dict[str, Any]:
    """Time to generate the synthetic glossary, and whether two processes make the same one."""
    start = time.perf_counter()
    synthetic.make_glossary(terms)
    seconds = time.perf_counter() - start
    code = (
        "import hashlib, json; from bench.synthetic import make_glossary; "
        f"print(hashlib.sha256(json.dumps(make_glossary({terms})).encode()).hexdigest())"
    )
    digests = {_child([sys.executable, "-c", code])[1].stdout.strip() for _ in range(2)}
    return {"terms": terms, "seconds": seconds, "same_in_two_processes": len(digests) == 1}


def _alternate(jobs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each job, run ``repeat`` times in alternating order."""
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for i in range(repeat):
        for name in list(jobs)[:: 1 if i % 2 == 0 else -1]:
            start = time.perf_counter()
            jobs[name]()
            times[name].append(time.perf_counter() - start)
    return {name: median(t) for name, t in times.items()}


def _term_sets(file: Path) -> list[frozenset[str]]:
    return [
        frozenset(m["term"] for m in json.loads(line)["matches"])
        for line in file.read_text().splitlines()
    ]


def measure_scan(path: Path, messages: Path, repeat: int, tag: str) -> dict[str, Any]:
    """``scan --jsonl`` vs the pyahocorasick script: as processes, then in-process loops."""
    from bot import cli
    from bot.terms import Glossary

    env = {**os.environ, "GLOSSARY_PATH": str(path)}
    commands = {
        "ours": [sys.executable, "-m", "bot", "scan", "--jsonl"],
        "aho": [sys.executable, str(ROOT / "bench" / "aho_baseline.py")],
    }
    outputs = {name: OUT / f"{tag}-scan-{name}.jsonl" for name in commands}
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(repeat):
        for name in list(commands)[:: 1 if i % 2 == 0 else -1]:
            with messages.open() as stdin, outputs[name].open("w") as stdout:
                walls[name].append(_child(commands[name], env=env, stdin=stdin, stdout=stdout)[0])
    sets = {name: _term_sets(file) for name, file in outputs.items()}
    lines = messages.read_text().splitlines(keepends=True)
    texts = [json.loads(line)["text"] for line in lines]
    glossary = Glossary.from_path(path)
    automaton = aho_baseline.build(aho_baseline.load_entries(path))

    def ours_answer(text: str) -> dict[str, Any]:
        return cli.as_json(glossary, "scan", text)

    for text in texts[:500]:  # warm-up: builds the scanner, settles allocators
        glossary.scan(text), aho_baseline.find(automaton, text)
    loop = _alternate(
        {
            "ours": lambda: cli.jsonl(lines, "text", ours_answer, io.StringIO()),
            "aho": lambda: aho_baseline.run(lines, automaton, io.StringIO()),
        },
        repeat,
    )
    match = _alternate(
        {
            "ours": lambda: [glossary.scan(t) for t in texts],
            "aho": lambda: [aho_baseline.find(automaton, t) for t in texts],
        },
        repeat,
    )
    wall = {name: median(w) for name, w in walls.items()}
    pairs = list(zip(sets["ours"], sets["aho"], strict=True))
    return {
        "messages": len(texts),
        "process_s": wall,
        "process_ratio": wall["ours"] / wall["aho"],
        "loop_msgs_per_s": {n: len(texts) / s for n, s in loop.items()},
        "loop_ratio": loop["ours"] / loop["aho"],
        "match_msgs_per_s": {n: len(texts) / s for n, s in match.items()},
        "match_ratio": match["ours"] / match["aho"],
        "with_match": {n: sum(1 for s in v if s) for n, v in sets.items()},
        "total_matches": {n: sum(len(s) for s in v) for n, v in sets.items()},
        "same_terms": sum(a == b for a, b in pairs) / len(pairs),
    }


def run_suite(name: str, path: Path, data: dict[str, Path], repeat: int) -> dict[str, Any]:
    print(f"[{name}] load + index in fresh processes …", file=sys.stderr, flush=True)
    load = measure_load(path, repeat)
    print(f"[{name}] define …", file=sys.stderr, flush=True)
    define = measure_define(path, data["queries"], repeat)
    print(f"[{name}] scan --jsonl vs pyahocorasick …", file=sys.stderr, flush=True)
    scan = measure_scan(path, data["messages"], repeat, name)
    return {"glossary": str(path), "load": load, "define": define, "scan": scan}


def run_define_only(name: str, path: Path, data: dict[str, Path], repeat: int) -> dict[str, Any]:
    """Load and define figures only (``--define-only``: the 100,000-term run)."""
    print(f"[{name}] load + index in fresh processes …", file=sys.stderr, flush=True)
    load = measure_load(path, repeat)
    print(f"[{name}] define …", file=sys.stderr, flush=True)
    define = measure_define(path, data["queries"], repeat)
    return {"glossary": str(path), "load": load, "define": define}


def _version() -> str:
    """The commit measured, and whether bot/ had uncommitted changes (others edit it live)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "bot"], capture_output=True, text=True)
    return head.stdout.strip() + (" + uncommitted bot/ changes" if dirty.stdout.strip() else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="1,000 terms/messages, 200 queries, 1 repeat"
    )
    parser.add_argument(
        "--define-only",
        action="store_true",
        help="only load, memory and define figures of the synthetic glossary (for 100,000 terms)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.terms, args.messages, args.queries, args.repeat = 1_000, 1_000, 200, 1
    started, busy = time.perf_counter(), os.getloadavg()[0]
    if busy > 0.5:
        print(f"warning: load average {busy:.2f}; other work skews the figures", file=sys.stderr)
    sizes = {"messages": args.messages, "queries": args.queries}
    tag = f"m{args.messages}-q{args.queries}"
    synthetic_data = synthetic.prepare(
        OUT / f"synthetic-t{args.terms}-{tag}", terms=args.terms, **sizes
    )
    real_path = ROOT / "glossary"
    real_data = synthetic.prepare(OUT / f"real-{tag}", terms=0, glossary=real_path, **sizes)
    label = f"synthetic {args.terms:,}"
    if args.define_only:
        run = run_define_only("synthetic", synthetic_data["glossary"], synthetic_data, args.repeat)
        results = {label: run}
    else:
        results = {
            label: run_suite("synthetic", synthetic_data["glossary"], synthetic_data, args.repeat),
            "real glossary": run_suite("real", real_path, real_data, args.repeat),
        }
    results[label]["make_glossary"] = measure_make_glossary(args.terms)
    report = table(results, args.repeat)
    print(report)
    elapsed = time.perf_counter() - started
    after = os.getloadavg()[0]
    print(
        f"\n(total {elapsed:.0f} s; Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"1-min load average {busy:.2f} before, {after:.2f} after; bot at {_version()})"
    )
    meta = {
        "bot_version": _version(),
        "load_average": [busy, after],
        "args": vars(args),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    out = OUT / ("terms-define.json" if args.define_only else "terms.json")
    out.write_text(json.dumps({**meta, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
