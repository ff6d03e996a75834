"""The Web API call benchmark (bench/bench_web_call.py) runs as its docstring says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_reports_both_settings() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_web_call", "--calls", "5", "--rounds", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    line = r"µs CPU per chat\.postMessage: median \d+ \(\d+ / \d+\)"
    assert [re.sub(line, "…", row) for row in out.splitlines()] == ["configured …", "unset      …"]
