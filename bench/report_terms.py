"""The text table for ``bench.bench_terms``: one row per figure, one column per glossary.

Kept apart from the measuring code so the benchmark stays readable and the table can be
re-printed from a saved run without measuring again: ``python -m bench.report_terms`` (the
last ``bench/out/terms.json``, or a file given as argument). Figures over a target are marked
``OVER``; a figure the run did not measure shows as "—". On a fresh clone there is no run yet:
it says which command makes one (bench/out/ is not committed; bench/RESULTS-terms.md is).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB, TARGET_WARM_S = 1.5, 5.0, 400.0, 2.0
STATUSES = ("found", "ambiguous", "suggest", "none")
KINDS = ("exact", "typo", "nonsense", "question", "acronym", "fragment", "verb")
DEFAULT = Path(__file__).resolve().parent / "out" / "terms.json"

Cell = Callable[[dict[str, Any]], str]
Row = tuple[str, Cell | None, str]


def _get(result: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def _mark(value: float, limit: float) -> str:
    return " ok" if value <= limit else " OVER"


def _figure(*path: str, unit: str = "s", digits: int = 3, limit: float | None = None) -> Cell:
    def cell(result: dict[str, Any]) -> str:
        value = _get(result, *path)
        if value is None:
            return "—"
        return f"{value:,.{digits}f} {unit}".rstrip() + (_mark(value, limit) if limit else "")

    return cell


def _text(render: Callable[[Any], str], *path: str) -> Cell:
    def cell(result: dict[str, Any]) -> str:
        value = _get(result, *path)
        return "—" if value is None else render(value)

    return cell


def _seconds(key: str, limit: float | None = None) -> Cell:
    return _figure("load", key, limit=limit)


def _mib(key: str, limit: float | None = None) -> Cell:
    return _figure("load", key, unit="MiB", digits=0, limit=limit)


def _load_rows(repeat: int) -> list[Row]:
    return [
        (f"LOAD + INDEX (fresh process each, median of {repeat})", None, ""),
        ("  terms", _text(lambda v: f"{v:,}", "load", "terms"), ""),
        ("  import bot.terms (yaml, rapidfuzz, ahocorasick)", _seconds("import_s"), ""),
        ("  load_glossary, first start (parse+validate+cache)", _seconds("load_glossary_s"), ""),
        ("  load_glossary, restart (from the cache)", _seconds("load_cached_s"), ""),
        ("  Glossary(terms)", _seconds("glossary_s"), ""),
        ("  lookup index alone (exact forms; fuzzy keys come later)", _seconds("lookup_s"), ""),
        ("  scanner alone", _seconds("scanner_s"), ""),
        ("  search index alone", _seconds("search_s"), ""),
        ("  first start: load + warm()", _seconds("load_all_s"), ""),
        ("  restart: load + warm() (warm start)", _seconds("load_all_cached_s", 2.0), "≤ 2 s"),
        ("  then build_search_index() (on a thread)", _seconds("search_ready_s"), ""),
        ("MEMORY (restart; RSS of the process)", None, ""),
        ("  after warm()", _mib("rss_warm_mb"), ""),
        ("  after build_search_index()", _mib("rss_mb", TARGET_RSS_MB), "≤ 400 MiB"),
        ("  the same, free heap given back (malloc_trim)", _mib("rss_released_mb"), ""),
        ("  forked worker: private after work + gc", _mib("child_private_plain_mb"), ""),
        ("  the same, gc.freeze() in the parent first", _mib("child_private_frozen_mb"), ""),
        ("  forked worker PSS, gc.freeze()", _mib("child_pss_frozen_mb"), ""),
    ]


def _define_rows() -> list[Row]:
    d = "define"
    rows: list[Row] = [
        ("DEFINE (thread CPU per query, warm glossary, median pass)", None, ""),
        ("  queries", _text(lambda v: f"{v:,}", d, "queries"), ""),
        ("  mean, all queries", _figure(d, "mean_ms", unit="ms"), ""),
        ("  p99, all queries", _figure(d, "p99_ms", unit="ms", limit=TARGET_P99_MS), "≤ 5 ms"),
    ]
    for kind in KINDS:
        rows += [
            (f"  {kind}: queries, p50 / p99 / max", _text(_latency, d, "kinds", kind), "≤ 5 ms"),
            (f"  {kind}: found/ambig/suggest/none", _text(_statuses, d, "kinds", kind), ""),
            (f"  {kind}: intended first / found wrong", _text(_quality, d, "kinds", kind), ""),
        ]
    return rows


def _latency(kind: dict[str, Any]) -> str:
    figures = "{queries:,}: {p50_ms:.2f} / {p99_ms:.2f} / {max_ms:.2f} ms".format(**kind)
    return figures + _mark(kind["p99_ms"], TARGET_P99_MS)


def _statuses(kind: dict[str, Any]) -> str:
    return "/".join(str(kind["statuses"].get(status, 0)) for status in STATUSES)


def _quality(kind: dict[str, Any]) -> str:
    return f"{kind['intended_first']:.1%} / {kind['found_wrong']}"


def _scan_rows(repeat: int) -> list[Row]:
    s = "scan"
    rows: list[Row] = [
        (f"SCAN --jsonl vs pyahocorasick (median of {repeat}, alternating)", None, ""),
        ("  messages", _text(lambda v: f"{v:,}", s, "messages"), ""),
        ("  process wall, ours (start+load+scan)", _figure(s, "process_s", "ours"), ""),
        ("  process wall, aho  (start+load+scan)", _figure(s, "process_s", "aho"), ""),
        (
            "  process ratio ours/aho",
            _text(lambda v: f"{v:.2f}×" + _mark(v, TARGET_RATIO), s, "process_ratio"),
            "≤ 1.5×",
        ),
    ]
    loops = (("loop", "in-process read+match+JSON"), ("match", "in-process match only"))
    for kind, label in loops:
        for who in ("ours", "aho"):
            speed = _text(lambda v: f"{v:,.0f} msg/s", s, f"{kind}_msgs_per_s", who)
            rows.append((f"  {label}, {who}", speed, ""))
        ratio = _text(lambda v: f"{v:.2f}×", s, f"{kind}_ratio")
        rows.append((f"  {label}, time ratio ours/aho", ratio, ""))
    rows += [
        (
            "  messages with ≥1 match, ours / aho",
            _text(lambda v: "{ours:,} / {aho:,}".format(**v), s, "with_match"),
            "",
        ),
        (
            "  matches in total, ours / aho",
            _text(lambda v: "{ours:,} / {aho:,}".format(**v), s, "total_matches"),
            "",
        ),
        ("  messages with identical term sets", _text(lambda v: f"{v:.1%}", s, "same_terms"), ""),
        ("BENCH INPUTS", None, ""),
        ("  make_glossary time", _figure("make_glossary", "seconds"), ""),
        (
            "  make_glossary, same in two processes",
            _text(lambda v: "yes" if v else "NO", "make_glossary", "same_in_two_processes"),
            "",
        ),
    ]
    return rows


def table(results: dict[str, dict[str, Any]], repeat: int) -> str:
    """The whole report as aligned text."""
    names = list(results)
    every = [*_load_rows(repeat), *_define_rows(), *_scan_rows(repeat)]
    rows = [
        (label, [cell(results[n]) if cell else "" for n in names], target)
        for label, cell, target in every
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    sizes = [max(len(n), *(len(v[i]) for _, v, _ in rows)) + 3 for i, n in enumerate(names)]
    header = "".ljust(width) + "".join(n.rjust(c) for n, c in zip(names, sizes, strict=True))
    lines = [header + "  target"]
    for label, values, target in rows:
        body = "".join(v.rjust(c) for v, c in zip(values, sizes, strict=True))
        lines.append(f"{label.ljust(width)}{body}  {target}".rstrip())
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    if not path.exists():
        print(
            f"No benchmark run to report: {path} does not exist yet (bench/out/ is made by"
            " runs, not committed). Run `.venv/bin/python -m bench.bench_terms --quick`"
            " (about a minute) or a full run (bench/RESULTS-terms.md gives the commands and"
            " the last recorded figures).",
            file=sys.stderr,
        )
        return 1
    saved = json.loads(path.read_text())
    print(table(saved["results"], saved["args"]["repeat"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
