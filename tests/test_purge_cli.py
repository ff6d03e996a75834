"""``python -m bot purge``: an erasure request deletes one workspace's or one person's data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.store import SqlStore, Workspace

ROOT = Path(__file__).resolve().parent.parent
A, B = Workspace(None, "T0AAA"), Workspace(None, "T0BBB")


def bot(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "DATA_DIR": str(data_dir), "HOME": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def lookups(store: SqlStore, workspace: Workspace) -> list[tuple[str, int]]:
    return store.top_terms(workspace, 10)


def test_purge_a_team_then_a_user(tmp_path: Path) -> None:
    assert bot(tmp_path, "migrate").returncode == 0
    store = SqlStore(f"sqlite:///{tmp_path}/glossary-bot.sqlite3")
    try:
        store.record_lookup(A, "eql", "EQL", 1.0, "U0ANA")
        store.record_lookup(B, "var", "VAR", 1.0, "U0BEN")
        store.record_lookup(B, "isv", "ISV", 1.0, "U0CAT")

        team = bot(tmp_path, "purge", "--team", "T0AAA")
        assert (team.returncode, team.stdout) == (
            0,
            "deleted the data of workspace T0AAA: 1 lookups\n",
        )
        assert (lookups(store, A), lookups(store, B)) == ([], [("ISV", 1), ("VAR", 1)])

        user = bot(tmp_path, "purge", "--user", "U0BEN")
        assert (user.returncode, user.stdout) == (0, "deleted the data of user U0BEN: 1 lookups\n")
        assert lookups(store, B) == [("ISV", 1)]
    finally:
        store.close()


def test_purge_needs_exactly_one_of_team_or_user(tmp_path: Path) -> None:
    result = bot(tmp_path, "purge")
    assert result.returncode == 2
    assert "one of the arguments --team --user is required" in result.stderr
