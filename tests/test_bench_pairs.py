"""Interleaved benchmark runs (bench/pairs.py): the order of the turns, each side's own tree and
settings, the report read back from ``bench_serve``, and the summary's arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.pairs import (
    Run,
    Side,
    compare,
    line,
    order,
    parse_side,
    report_of,
    run_bench,
    summary,
)

ROOT = Path(__file__).resolve().parent.parent

REPORT = {
    "completed_per_s": 998.4,
    "acked_per_s": 999.8,
    "ack_event": {"p50_ms": 2.1, "p99_ms": 25.2, "max_ms": 78.5},
    "errors": {"non_200": 0, "timeouts": 1, "connection": 2},
    "jobs": {"max_queued": 106, "max_running": 36},
    "server_cpu_ms_per_request": 1.337,
    "rss_mb": {"start": 277.9, "peak": 312.0},
}

FAKE_BENCH = """
import json, os, sys
if os.environ.get("FAIL"):
    print("the server did not start", file=sys.stderr)
    raise SystemExit(3)
report = json.loads(os.environ["REPORT"])
report["completed_per_s"] = float(os.environ.get("COMPLETED", "0"))
print("| a markdown row |")
print(json.dumps(report, indent=2))
print("| another row |")
"""


def run(completed: float, p99: float, cpu: float) -> Run:
    return Run(completed, 999.9, 2.0, p99, 10, cpu, 300.0, 0)


def fake_tree(root: Path) -> Path:
    (root / "bench").mkdir(parents=True)
    (root / "bench" / "__init__.py").write_text("")
    (root / "bench" / "bench_serve.py").write_text(FAKE_BENCH)
    return root


def test_a_side_is_a_label_a_tree_and_settings(tmp_path: Path) -> None:
    tree = fake_tree(tmp_path / "before")
    assert parse_side(["before", str(tree), "JOB_PROCESSES=2", "X="]) == Side(
        "before", tree, (("JOB_PROCESSES", "2"), ("X", ""))
    )
    with pytest.raises(ValueError, match="a side is LABEL TREE"):
        parse_side(["before"])
    with pytest.raises(ValueError, match="'JOB_PROCESSES' is not VAR=VALUE"):
        parse_side(["before", str(tree), "JOB_PROCESSES"])
    with pytest.raises(ValueError, match=r"no bench/bench_serve\.py there"):
        parse_side(["empty", str(tmp_path)])


def test_rounds_alternate_who_runs_first() -> None:
    assert order(3, 2) == [[0, 1], [1, 0], [0, 1]]
    assert order(3, 3) == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]


def test_the_report_is_the_json_between_bench_serves_rows() -> None:
    output = "| row |\n" + json.dumps(REPORT, indent=2) + "\n| row |\n"
    report = report_of(output)
    assert Run.from_report(report) == Run(998.4, 999.8, 2.1, 25.2, 106, 1.337, 312.0, 3)
    with pytest.raises(ValueError, match="printed no report"):
        report_of("| only a row |\n")
    roles = {**REPORT, "server_cpu_ms_per_request_by_role": {"http": 0.8, "jobs": 0.537}}
    assert Run.from_report(roles).cpu_by_role == (("http", 0.8), ("jobs", 0.537))


def test_the_roles_cpu_is_compared_where_both_sides_report_it() -> None:
    def split(cpu: float, http: float, jobs: float) -> Run:
        roles = (("http", http), ("jobs", jobs), ("master", 0.0))
        return Run(999.0, 999.9, 2.0, 30.0, 10, cpu, 300.0, 0, roles)

    sides = [Side("now", ROOT), Side("new", ROOT)]
    runs = [
        [split(1.40, 0.85, 0.55), split(1.35, 0.86, 0.49)],
        [split(1.50, 0.90, 0.60), split(1.48, 0.92, 0.56)],
        [split(1.45, 0.88, 0.57), split(1.46, 0.89, 0.57)],
    ]
    assert summary(sides, runs, 1000.0)[2] == (
        "new − now, median of 3 paired differences: CPU -0.020 ms/request (-1.4% of now's "
        "median, of it http +0.010, jobs -0.040), ack p99 +0.0 ms, completed/s +0.0; "
        "cheaper in 2 of 3 rounds"
    )
    assert (
        line(sides[1], runs[0][1]).split(" | ")[5] == "CPU ms/request 1.35 (http 0.86, jobs 0.49)"
    )
    older = [[runs[0][0], run(999.0, 30.0, 1.30)]]  # a tree from before the split
    assert summary(sides, older, 1000.0)[2].startswith(
        "new − now, median of 1 paired differences: CPU -0.100 ms/request (-7.1% of now's median), "
    )


def test_each_side_runs_in_its_own_tree_with_its_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT", json.dumps(REPORT))
    side = Side("fake", fake_tree(tmp_path / "tree"), (("COMPLETED", "812.5"),))
    assert run_bench(side, ["--quick"]).completed_per_s == 812.5
    failing = Side("broken", side.tree, (("FAIL", "1"),))
    with pytest.raises(RuntimeError, match=r"broken: bench_serve exited 3: .*did not start"):
        run_bench(failing, [])


def test_runs_go_in_turns_and_the_summary_pairs_them(tmp_path: Path) -> None:
    tree = fake_tree(tmp_path / "tree")
    sides = [Side("now", tree), Side("two", tree, (("JOB_PROCESSES", "2"),))]
    results = {
        "now": iter([run(999.1, 30.0, 1.40), run(931.0, 44.0, 1.60), run(998.0, 35.0, 1.50)]),
        "two": iter([run(998.9, 36.0, 1.45), run(996.4, 47.8, 1.58), run(999.0, 40.0, 1.49)]),
    }
    calls: list[str] = []

    def fake(side: Side, args: Sequence[str]) -> Run:
        calls.append(f"{side.label} {' '.join(args)}")
        return next(results[side.label])

    said: list[str] = []
    runs = compare(sides, 3, ["--rate", "1000"], run=fake, say=said.append)
    assert calls == [
        "now --rate 1000",
        "two --rate 1000",
        "two --rate 1000",
        "now --rate 1000",
        "now --rate 1000",
        "two --rate 1000",
    ]
    assert [text.split(" | ")[0].split(" ", 2)[2] for text in said] == [
        "now",
        "two",
        "two",
        "now",
        "now",
        "two",
    ]
    assert summary(sides, runs, 1000.0) == [
        "now: completed/s 931.0–999.1, ack p99 30.0–44.0 ms, CPU ms/request median 1.500 "
        "(1.4–1.6), errors 0, kept pace in 2 of 3",
        "two: completed/s 996.4–999.0, ack p99 36.0–47.8 ms, CPU ms/request median 1.490 "
        "(1.45–1.58), errors 0, kept pace in 3 of 3",
        "two − now, median of 3 paired differences: CPU -0.010 ms/request (-0.7% of now's "
        "median), ack p99 +5.0 ms, completed/s +1.0; cheaper in 2 of 3 rounds",
    ]


SIDES = ["--side", "a", ".", "--side", "b", ".", "JOB_WORKERS=2"]


def test_it_runs_bench_serve_in_turns() -> None:
    """The real bench_serve, in its quick mode, once for each of two sides."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.pairs", "--rounds", "1", *SIDES, "--", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [row.split(" | ")[0].split(" ", 2)[2] for row in lines[:2]] == ["a", "b"]
    assert lines[2] == ""
    assert [row.split(":")[0] for row in lines[3:5]] == ["a", "b"]
    assert lines[5].startswith("b − a, median of 1 paired differences: CPU ")
    assert len(lines) == 6
