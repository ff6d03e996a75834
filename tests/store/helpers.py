"""Helpers for the store tests: sample workspaces, a migrated SQLite store, and one call run on
many threads at once (how the tests provoke races)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from bot.store import SqlStore, Workspace
from bot.store.migrate import upgrade

T = TypeVar("T")

ACME = Workspace("E1", "T1")
"""A workspace of an Enterprise Grid organisation..."""
ACME_EU = Workspace("E1", "T2")
"""...and another workspace of the same organisation."""
SOLO = Workspace(None, "T3")
"""A workspace outside any organisation."""


def sqlite_store(tmp_path: Path, *, gives_way: bool = False) -> SqlStore:
    """A store on a migrated SQLite file, as ``python -m bot migrate`` would leave it."""
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    upgrade(url)
    return SqlStore(url, gives_way=gives_way)


def count_transactions(store: SqlStore) -> list[str]:
    """The actions of every transaction the store's writers share from now on (its group
    commit's), in the order they were opened."""
    group = store._group
    assert group is not None
    opened: list[str] = []
    real_open = group._open

    @contextlib.contextmanager
    def counted(action: str) -> Iterator[Any]:
        opened.append(action)
        with real_open(action) as tx:
            yield tx

    group._open = counted
    return opened


WAIT_S = 30.0
"""How long a test waits for what must happen soon; only a broken test waits this long."""


def wait_until(condition: Callable[[], bool]) -> bool:
    """``condition`` true within ``WAIT_S``, checked each time a short wait expires."""
    never = threading.Event()
    for _ in range(int(WAIT_S / 0.005)):
        if condition():
            return True
        never.wait(0.005)
    return False


def run_together(n: int, call: Callable[[], T]) -> list[T]:
    """Run ``call`` on ``n`` threads released at the same moment; return every result."""
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            result = call()
        except BaseException as exc:  # re-raised below, in the test's thread
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert len(results) == n
    return results
