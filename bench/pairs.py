"""Interleaved runs of ``bench_serve`` for two or more variants, and what their differences say.

Why: this machine's speed drifts by 10-20 % within minutes (the bare Bolt app cost 0.53 ms per
request in one hour and 0.74 in the next), about as much as one change is worth. A variant run
after another meets a different machine; run in turns, neighbours meet the same one, and the
median of the paired differences tells a change from the drift. Every session since the third
measured this way with shell loops in /tmp; this is that loop, kept.

A variant is a source tree (this one, or a copy of an older commit: ``git archive COMMIT | tar -x
-C /tmp/before``) and environment settings for its servers::

    .venv/bin/python -m bench.pairs --rounds 4 \\
        --side now . --side before /tmp/before --side two-job-workers . JOB_PROCESSES=2 \\
        -- --events 16000 --commands 1600 --rate 1000

Everything after ``--`` goes to ``bench_serve``. A tree without its own ``.venv`` runs with this
interpreter. Rounds alternate the order (A B, then B A) so that neither side always runs first.
Each run prints one line as it ends, then each side's ranges and, for every side against the
first, the median of the paired differences and how many rounds favour it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEPT_PACE = 0.995
"""A run at a steady rate kept pace if it completed at least this share of it per second: a run
of 17,600 requests at 1,000/s can only reach ~999.9, as the last posts land after the last ack."""


@dataclass(frozen=True)
class Side:
    label: str
    tree: Path
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Run:
    """What one ``bench_serve`` run measured, of what the comparison reads."""

    completed_per_s: float
    acked_per_s: float
    ack_p50_ms: float
    ack_p99_ms: float
    max_queued: int
    cpu_ms_per_request: float
    peak_rss_mb: float
    errors: int
    cpu_by_role: tuple[tuple[str, float], ...] = ()
    """CPU ms per request of the master, the HTTP workers and the job workers (a tree from
    before ``bench_serve`` reported them has none)."""

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> Run:
        return cls(
            completed_per_s=report["completed_per_s"],
            acked_per_s=report["acked_per_s"],
            ack_p50_ms=report["ack_event"]["p50_ms"],
            ack_p99_ms=report["ack_event"]["p99_ms"],
            max_queued=report["jobs"]["max_queued"],
            cpu_ms_per_request=report["server_cpu_ms_per_request"],
            peak_rss_mb=report["rss_mb"]["peak"],
            errors=sum(report["errors"].values()),
            cpu_by_role=tuple(report.get("server_cpu_ms_per_request_by_role", {}).items()),
        )


def parse_side(words: Sequence[str]) -> Side:
    """``LABEL TREE [VAR=VALUE ...]`` (one ``--side``)."""
    if len(words) < 2:
        raise ValueError("a side is LABEL TREE [VAR=VALUE ...]")
    label, tree, *settings = words
    env = []
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name:
            raise ValueError(f"{setting!r} is not VAR=VALUE")
        env.append((name, value))
    path = Path(tree).resolve()
    if not (path / "bench" / "bench_serve.py").is_file():
        raise ValueError(f"{tree}: no bench/bench_serve.py there")
    return Side(label, path, tuple(env))


def order(rounds: int, sides: int) -> list[list[int]]:
    """The sides' order in each round, rotated one place a round: with two, 0 1, then 1 0."""
    return [[(number + i) % sides for i in range(sides)] for number in range(rounds)]


def report_of(output: str) -> dict[str, Any]:
    """The JSON report ``bench_serve`` prints: from a line ``{`` to the next line ``}``."""
    lines = output.splitlines()
    try:
        start = lines.index("{")
        end = lines.index("}", start)
    except ValueError:
        raise ValueError("bench_serve printed no report") from None
    return json.loads("\n".join(lines[start : end + 1]))  # type: ignore[no-any-return]


def run_bench(side: Side, args: Sequence[str]) -> Run:
    """One ``bench_serve`` run in ``side``'s tree, with its settings."""
    own = side.tree / ".venv" / "bin" / "python"
    python = str(own) if own.exists() else sys.executable
    env = {**os.environ, **dict(side.env)}
    done = subprocess.run(
        [python, "-m", "bench.bench_serve", *args],
        cwd=side.tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{side.label}: bench_serve exited {done.returncode}: {tail}")
    return Run.from_report(report_of(done.stdout))


def line(side: Side, run: Run) -> str:
    return (
        f"{time.strftime('%H:%M:%S')} {os.getloadavg()[0]:.2f} {side.label} | "
        f"completed/s {run.completed_per_s} | acked/s {run.acked_per_s} | "
        f"ack p50/p99 ms {run.ack_p50_ms} / {run.ack_p99_ms} | max queued {run.max_queued} | "
        f"CPU ms/request {run.cpu_ms_per_request}{_roles(run)} | peak RSS MB {run.peak_rss_mb} | "
        f"errors {run.errors}"
    )


def _roles(run: Run) -> str:
    """The roles that spent CPU, as `` (http 0.8, jobs 0.55)``; nothing without them."""
    spent = [f"{role} {ms}" for role, ms in run.cpu_by_role if ms > 0]
    return f" ({', '.join(spent)})" if spent else ""


def by_role(runs: Sequence[Sequence[Run]], index: int) -> str:
    """Side ``index`` against the first, role by role (``, of it http -0.040, jobs -0.031``):
    the median of the paired differences, for the roles every run of both sides reported."""
    pairs = [(dict(round_[index].cpu_by_role), dict(round_[0].cpu_by_role)) for round_ in runs]
    roles = sorted(set.intersection(*(set(mine) & set(first) for mine, first in pairs)))
    medians = [
        (role, statistics.median(mine[role] - first[role] for mine, first in pairs))
        for role in roles
    ]
    shown = [f"{role} {median:+.3f}" for role, median in medians if role != "master"]
    return f", of it {', '.join(shown)}" if shown else ""


def summary(sides: Sequence[Side], runs: Sequence[Sequence[Run]], rate: float) -> list[str]:
    """Each side's ranges, then every other side against the first, round by round.
    ``runs[i][s]``: round ``i``'s run of side ``s``; ``rate`` 0 is the closed loop."""
    out = []
    for index, side in enumerate(sides):
        mine = [round_[index] for round_ in runs]
        completed = [run.completed_per_s for run in mine]
        p99 = [run.ack_p99_ms for run in mine]
        cpu = [run.cpu_ms_per_request for run in mine]
        text = (
            f"{side.label}: completed/s {min(completed)}–{max(completed)}, "
            f"ack p99 {min(p99)}–{max(p99)} ms, CPU ms/request median "
            f"{statistics.median(cpu):.3f} ({min(cpu)}–{max(cpu)}), "
            f"errors {sum(run.errors for run in mine)}"
        )
        if rate > 0:
            kept = sum(value >= KEPT_PACE * rate for value in completed)
            text += f", kept pace in {kept} of {len(mine)}"
        out.append(text)
    first = sides[0].label
    for index, side in enumerate(sides[1:], start=1):
        cpu = [round_[index].cpu_ms_per_request - round_[0].cpu_ms_per_request for round_ in runs]
        p99 = [round_[index].ack_p99_ms - round_[0].ack_p99_ms for round_ in runs]
        done = [round_[index].completed_per_s - round_[0].completed_per_s for round_ in runs]
        cheaper = sum(difference < 0 for difference in cpu)
        base = statistics.median(round_[0].cpu_ms_per_request for round_ in runs)
        out.append(
            f"{side.label} − {first}, median of {len(runs)} paired differences: "
            f"CPU {statistics.median(cpu):+.3f} ms/request "
            f"({statistics.median(cpu) / base:+.1%} of {first}'s median{by_role(runs, index)}), "
            f"ack p99 {statistics.median(p99):+.1f} ms, "
            f"completed/s {statistics.median(done):+.1f}; "
            f"cheaper in {cheaper} of {len(runs)} rounds"
        )
    return out


def compare(
    sides: Sequence[Side],
    rounds: int,
    args: Sequence[str],
    run: Callable[[Side, Sequence[str]], Run] = run_bench,
    say: Callable[[str], None] = print,
) -> list[list[Run]]:
    """Every round runs each side once, in ``order``; returns ``runs[round][side]``."""
    results: list[list[Run]] = []
    for turn in order(rounds, len(sides)):
        measured: dict[int, Run] = {}
        for index in turn:
            measured[index] = run(sides[index], args)
            say(line(sides[index], measured[index]))
        results.append([measured[index] for index in range(len(sides))])
    return results


def _rate(args: Sequence[str]) -> float:
    """The ``--rate`` given to bench_serve (0, the closed loop, when none)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--rate", type=float, default=0.0)
    known, _ = parser.parse_known_args(list(args))
    return float(known.rate)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    ours, bench_args = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--side", nargs="+", action="append", required=True, metavar="LABEL TREE [VAR=VALUE]"
    )
    options = parser.parse_args(ours)
    try:
        sides = [parse_side(words) for words in options.side]
    except ValueError as exc:
        parser.error(str(exc))
    if len(sides) < 2 or options.rounds < 1:
        parser.error("give two sides or more, and one round or more")
    try:
        runs = compare(sides, options.rounds, bench_args, say=lambda text: print(text, flush=True))
    except (RuntimeError, ValueError) as exc:
        print(f"pairs: {exc}", file=sys.stderr)
        return 1
    print()
    for text in summary(sides, runs, _rate(bench_args)):
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
