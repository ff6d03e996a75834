"""The jobs a runner holds: which claimed jobs are still ours to start, and which to renew.

Apart from the runner (bot/slack/jobs.py), which claims, performs and renews through the store,
because this is the bookkeeping behind "a live worker keeps what it holds" (see that module's
doc): every job in hand by lease token, until when its lease is known to last, and whether a
renewal found it taken over. The runner's job threads and its heartbeat share it under one lock;
it neither calls the store nor logs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from bot.store.base import Job


@dataclass
class _Held:
    """A claimed job this process holds: until when its lease is known to last, and whether
    a renewal found it taken over."""

    job: Job
    until: float
    lost: bool = False


class HeldJobs:
    """The claimed jobs in hand, by lease token: one id may be held twice (``hold``)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def hold(self, jobs: Sequence[Job], until: float) -> None:
        """Renew these from now on. A job this process held under an older lease was taken
        over (here, by this claim): the old lease is marked lost, since renewals return ids and
        could not tell the two apart."""
        claimed = {job.id for job in jobs}
        with self._lock:
            for entry in self._held.values():
                if entry.job.id in claimed:
                    entry.lost = True
            self._held.update((job.lease, _Held(job, until)) for job in jobs)

    def let_go(self, jobs: Sequence[Job]) -> None:
        """Stop renewing these: settled, skipped, given back, or left to their lease."""
        with self._lock:
            for job in jobs:
                self._held.pop(job.lease, None)

    def to_renew(self) -> list[Job]:
        """What a heartbeat renews: every job in hand that no renewal found taken over."""
        with self._lock:
            return [entry.job for entry in self._held.values() if not entry.lost]

    def renewed(self, held: Sequence[Job], renewed: Collection[int], until: float) -> None:
        """After a heartbeat renewed ``held``: the ids in ``renewed`` last until ``until``, the
        rest are held by another worker now."""
        with self._lock:
            for job in held:
                entry = self._held.get(job.lease)
                if entry is None:
                    continue  # settled meanwhile: its renewal failing says nothing
                if job.id in renewed:
                    entry.until = max(entry.until, until)
                else:
                    entry.lost = True

    def ours(self, job: Job) -> bool:
        """May this claimed job be started? Not if a renewal found it taken over, nor once its
        lease has ended by our clock (renewals failed: another worker may have it)."""
        with self._lock:
            entry = self._held.get(job.lease)
            return entry is not None and not entry.lost and self._clock() < entry.until
