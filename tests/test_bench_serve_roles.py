"""bench_serve splits the servers' CPU by role, told apart by the names ``serve`` gives its
processes (bot/slack/job_process.py ``name_process``)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack

from bench.bench_serve import cpu_by_role, tree_usage

NAMED = (
    "import sys, time; from bot.slack.job_process import name_process; "
    "name_process(sys.argv[1]); print('named', flush=True); time.sleep(30)"
)


def test_each_role_counts_what_its_processes_spent_between_the_samples() -> None:
    first = {1: 10.0, 2: 5.0, 4: 3.0}
    last = {1: 10.5, 2: 7.0, 3: 1.25, 4: 3.5}  # 3 was forked after the first sample
    roles = {1: "master", 2: "http", 3: "jobs", 4: "http"}
    assert cpu_by_role(first, last, roles) == {"http": 2.5, "jobs": 1.25, "master": 0.5}
    assert cpu_by_role({}, {7: 0.5}, {}) == {"unnamed": 0.5}


def test_a_process_is_known_by_the_name_serve_gave_it() -> None:
    names = ("glossary-jobs", "glossary-http", "something-else")
    with ExitStack() as stack:
        children = []
        for name in names:
            child = stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", NAMED, name], stdout=subprocess.PIPE, text=True
                )
            )
            stack.callback(child.kill)  # before the Popen's own exit, which waits for it
            assert child.stdout is not None and child.stdout.readline() == "named\n"
            children.append(child)
        usage = tree_usage(os.getpid())  # this test's process is the children's "master"
        assert [usage[child.pid].role for child in children] == ["jobs", "http", "unnamed"]
        assert all(usage[child.pid].rss_kb > 1000 for child in children)
