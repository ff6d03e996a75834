"""The text table for ``bench.bench_terms``: one row per figure, one column per glossary.

Kept apart from the measuring code so the benchmark stays readable and the table can be
re-printed from ``bench/out/terms.json`` without measuring again:
``python -m bench.report_terms``. Figures over a target are marked ``OVER``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_LOAD_S, TARGET_DEFINE_MS, TARGET_RATIO = 1.5, 1.0, 2.0
LIMIT = TARGET_LOAD_S
STATUSES = ("found", "ambiguous", "suggest", "none")

Row = tuple[str, Callable[[dict[str, Any]], str] | None, str]


def _mark(value: float, limit: float) -> str:
    return " ok" if value <= limit else " OVER"


def _load(key: str, limit: float | None = None) -> Callable[[dict[str, Any]], str]:
    def cell(r: dict[str, Any]) -> str:
        value = r["load"].get(key)
        if value is None:  # a terms.json from before the figure existed
            return "—"
        return f"{value:.3f} s" + (_mark(value, limit) if limit else "")

    return cell


def _statuses(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda r: "/".join(str(r["define"][key].get(s, 0)) for s in STATUSES)


def _rows(repeat: int) -> list[Row]:
    d, s = "define", "scan"
    rows: list[Row] = [
        (f"LOAD + INDEX (fresh process each, median of {repeat})", None, ""),
        ("  terms", lambda r: f"{r['load']['terms']:,}", ""),
        ("  import bot.terms (yaml, rapidfuzz)", _load("import_s"), ""),
        ("  load_glossary, first start (parse+validate+cache)", _load("load_glossary_s"), ""),
        ("  load_glossary, restart (from the cache)", _load("load_cached_s"), ""),
        ("  Glossary(terms)", _load("glossary_s"), ""),
        ("  lookup index alone (cold)", _load("lookup_s"), ""),
        ("  scanner alone (cold)", _load("scanner_s"), ""),
        ("  search index alone (cold)", _load("search_s"), ""),
        ("  first start: load + lookup index (define)", _load("load_lookup_s", LIMIT), "≤ 1.5 s"),
        ("  first start: load + scanner      (scan)", _load("load_scanner_s", LIMIT), "≤ 1.5 s"),
        ("  first start: load + warm()       (bot)", _load("load_all_s", LIMIT), "≤ 1.5 s"),
        ("  restart: load + lookup index", _load("load_lookup_cached_s", LIMIT), "≤ 1.5 s"),
        ("  restart: load + scanner", _load("load_scanner_cached_s", LIMIT), "≤ 1.5 s"),
        ("  restart: load + warm()", _load("load_all_cached_s", LIMIT), "≤ 1.5 s"),
        ("  warm() start → background search index ready", _load("search_ready_s"), ""),
        ("  whole process, load + all, first start", _load("process_all_s"), ""),
        ("  whole process, load + all, restart", _load("process_all_cached_s"), ""),
        ("DEFINE (warm glossary, in-process, median pass)", None, ""),
        (
            "  queries (of which typo'd)",
            lambda r: "{queries:,} ({typo_queries:,})".format(**r[d]),
            "",
        ),
        ("  mean, all queries", lambda r: f"{r[d]['mean_ms']:.3f} ms", ""),
        (
            "  mean per pass, min – max (noise)",
            lambda r: f"{min(r[d]['pass_means_ms']):.3f} – {max(r[d]['pass_means_ms']):.3f} ms",
            "",
        ),
        (
            "  mean, typo'd queries",
            lambda r: (
                f"{r[d]['typo_mean_ms']:.3f} ms" + _mark(r[d]["typo_mean_ms"], TARGET_DEFINE_MS)
            ),
            "≤ 1 ms",
        ),
        (
            "  typo'd p50 / p95 / max",
            lambda r: "{typo_p50_ms:.2f} / {typo_p95_ms:.2f} / {typo_max_ms:.2f} ms".format(**r[d]),
            "",
        ),
    ]
    rows += [
        (f"  mean when {st}", lambda r, st=st: f"{r[d]['mean_ms_by_status'].get(st, 0):.3f} ms", "")
        for st in STATUSES
    ]
    rows += [
        ("  statuses found/ambig/suggest/none, all", _statuses("statuses"), ""),
        ("  statuses found/ambig/suggest/none, typo'd", _statuses("typo_statuses"), ""),
        (
            "  typo'd → found the intended term (recall)",
            lambda r: f"{r[d]['typo_found_intended']:.1%}",
            "",
        ),
        ("  typo'd → found a WRONG term", lambda r: f"{r[d]['typo_found_wrong']}", ""),
        (
            "  typo'd → suggest lists the intended term",
            lambda r: f"{r[d]['typo_suggest_has_intended']:.1%}",
            "",
        ),
        ("  exact queries → intended term", lambda r: f"{r[d]['exact_has_intended']:.1%}", ""),
        (f"SCAN --jsonl vs pyahocorasick (median of {repeat}, alternating)", None, ""),
        ("  messages", lambda r: f"{r[s]['messages']:,}", ""),
        (
            "  process wall, ours (start+load+scan)",
            lambda r: f"{r[s]['process_s']['ours']:.3f} s",
            "",
        ),
        (
            "  process wall, aho  (start+load+scan)",
            lambda r: f"{r[s]['process_s']['aho']:.3f} s",
            "",
        ),
        (
            "  process ratio ours/aho",
            lambda r: f"{r[s]['process_ratio']:.2f}×" + _mark(r[s]["process_ratio"], TARGET_RATIO),
            "≤ 2×",
        ),
    ]
    for kind, label in (("loop", "in-process read+match+JSON"), ("match", "in-process match only")):
        rows += [
            (
                f"  {label}, {who}",
                lambda r, k=kind, w=who: f"{r[s][k + '_msgs_per_s'][w]:,.0f} msg/s",
                "",
            )
            for who in ("ours", "aho")
        ]
        rows.append(
            (f"  {label}, time ratio ours/aho", lambda r, k=kind: f"{r[s][k + '_ratio']:.2f}×", "")
        )
    rows += [
        (
            "  messages with ≥1 match, ours / aho",
            lambda r: "{ours:,} / {aho:,}".format(**r[s]["with_match"]),
            "",
        ),
        (
            "  matches in total, ours / aho",
            lambda r: "{ours:,} / {aho:,}".format(**r[s]["total_matches"]),
            "",
        ),
        ("  messages with identical term sets", lambda r: f"{r[s]['same_terms']:.1%}", ""),
    ]
    return rows


def table(results: dict[str, dict[str, Any]], repeat: int) -> str:
    """The whole report as aligned text."""
    names = list(results)
    rows = [
        (label, [cell(results[n]) if cell else "" for n in names], t)
        for label, cell, t in _rows(repeat)
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    sizes = [max(len(n), *(len(v[i]) for _, v, _ in rows)) + 3 for i, n in enumerate(names)]
    header = "".ljust(width) + "".join(n.rjust(c) for n, c in zip(names, sizes, strict=True))
    lines = [header + "  target"]
    for label, values, target in rows:
        body = "".join(v.rjust(c) for v, c in zip(values, sizes, strict=True))
        lines.append(f"{label.ljust(width)}{body}  {target}".rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "out" / "terms.json"
    saved = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else default).read_text())
    print(table(saved["results"], saved["args"]["repeat"]))
