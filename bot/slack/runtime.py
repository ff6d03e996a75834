"""Everything one process runs for Slack, started and stopped as one: the Bolt app, the
dispatcher, the job threads, the task pool, the glossary watcher and the upkeep thread.

Built by ``bot.slack.bootstrap.build_runtime`` *after* a fork (threads and database connections must
not cross one), started once, stopped once with a grace period on SIGTERM.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App

from bot import metrics
from bot.logs import Throttled
from bot.reload import GlossaryWatcher
from bot.slack.app import Identity
from bot.slack.dispatch import Dispatcher
from bot.slack.jobs import JobRunner
from bot.store import Store, StoreError

logger = logging.getLogger(__name__)
throttled = Throttled(logger)
HOUR = 3600.0


class Upkeep:
    """Once an hour, one replica prunes expired state (a ``claim_once`` per hour decides which)."""

    def __init__(
        self,
        store: Store,
        *,
        cooldown_s: float,
        retention_s: float,
        every_s: float = HOUR,
        clock: Callable[[], float] = time.time,
        chores: Sequence[Callable[[float], object]] = (),
    ) -> None:
        self.store = store
        self.chores = tuple(chores)
        """Run after each check with the time (e.g. weekly reminders); each logs its own errors."""
        self.cooldown_s = cooldown_s
        self.retention_s = retention_s
        self.every_s = every_s
        self._clock = clock
        self._stop = threading.Event()

    def run_once(self) -> bool:
        """Prune if this process wins this period's claim; True if it pruned."""
        now = self._clock()
        try:
            if not self.store.claim_once(f"prune:{int(now // self.every_s)}", now):
                return False
            pruned = self.store.prune(now, cooldown_s=self.cooldown_s, retention_s=self.retention_s)
        except StoreError as exc:
            metrics.store_error("prune")
            throttled.warning("prune", "could not prune expired state: %s", exc)
            return False
        logger.info("pruned expired state: %s", pruned)
        return True

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(min(self.every_s / 4, 300.0)):
                self.run_once()
                for chore in self.chores:
                    chore(self._clock())

        threading.Thread(target=loop, name="upkeep", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Runtime:
    app: App
    dispatcher: Dispatcher
    runner: JobRunner
    identity: Identity
    tasks: ThreadPoolExecutor | None = None
    watcher: GlossaryWatcher | None = None
    upkeep: Upkeep | None = None
    _started: bool = field(default=False, init=False)

    def start(self, *, jobs: bool = True) -> Runtime:
        """Start the background threads; ``jobs=False``: all but the job threads (an HTTP
        worker while job workers perform the jobs, bot/slack/job_process.py)."""
        if not self._started:
            self._started = True
            if jobs:
                self.runner.start()
            if self.watcher is not None:
                self.watcher.start()
            if self.upkeep is not None:
                self.upkeep.start()
        return self

    def stop(self, grace_s: float) -> bool:
        """Stop taking work, finish what is in hand within ``grace_s``; True if all finished."""
        self.identity.stop()
        if self.watcher is not None:
            self.watcher.stop(0)
        if self.upkeep is not None:
            self.upkeep.stop()
        finished = self.runner.stop(grace_s)
        if self.tasks is not None:
            self.tasks.shutdown(wait=finished, cancel_futures=not finished)
        return finished
