"""Glossary hot reload: notice an edited glossary, load it, hand it over; keep the old on error.

Every process watches for itself (one daemon thread each, started after gunicorn forks), so
all of them pick an edit up within ``GLOSSARY_RELOAD_S``. Each check is cheap: a fingerprint of
the glossary files' names, inodes, sizes and mtimes, taken through symlinks, because a
Kubernetes ConfigMap update swaps the ``..data`` symlink to a new folder (same names, new
inodes). Only when the fingerprint moves is the content hashed (``glossary_version``), and only
when that hash is new is the glossary loaded: a ``touch`` or a rewrite with the same bytes
costs nothing.

A broken edit keeps the old glossary serving and logs its ``file:line: message`` problems once
for that content, however many checks see it. The swap itself belongs to the caller:
``on_change(glossary, version)`` replaces the one reference the service holds (and reports
``metrics.glossary_loaded``); the watcher counts ``metrics.glossary_reload`` outcomes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot import metrics
from bot.logs import Throttled
from bot.terms import Glossary, GlossaryError
from bot.terms.loader import glossary_files, iter_problems

__all__ = ["MAX_PROBLEM_LINES", "GlossaryWatcher", "glossary_version"]

logger = logging.getLogger(__name__)
MAX_PROBLEM_LINES = 50
"""A broken glossary logs at most this many problem lines; ``check`` lists them all."""

Fingerprint = tuple[tuple[str, int, int, int, int], ...]


def glossary_version(path: Path) -> str:
    """A content hash of the glossary (12 hex digits): equal on every replica with the same files.

    Same files as the loader reads (bot.terms.loader.glossary_files), hashed by name and bytes,
    so moving the folder or touching a file keeps the version. Raises OSError if unreadable.
    """
    digest = hashlib.sha256()
    for file in sorted(glossary_files(path), key=lambda f: f.name):
        data = file.read_bytes()
        digest.update(f"{file.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:12]


def _fingerprint(path: Path) -> Fingerprint:
    """Names, device, inode, size and mtime of each glossary file, following symlinks."""
    stats = ((file.name, file.stat()) for file in glossary_files(path))
    return tuple(sorted((name, s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns) for name, s in stats))


class GlossaryWatcher:
    """Reload the glossary at ``path`` when its content changes (``start`` or ``check_now``).

    ``load`` builds a glossary from the files (raising GlossaryError when they are broken);
    ``version`` is the version already served, computed *before* that glossary was loaded
    (so an edit racing the start-up load is still picked up); None takes the files as they are
    at the first check as served. ``clock`` paces the throttled "cannot read" lines, ``sleep``
    the interval (default: a wait that ``stop`` interrupts).
    """

    def __init__(
        self,
        path: Path,
        *,
        interval_s: float,
        load: Callable[[], Glossary],
        on_change: Callable[[Glossary, str], None],
        version: str | None = None,
        report: Callable[[str], bool] = lambda version: True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be > 0 (GLOSSARY_RELOAD_S=0 means: no watcher)")
        self.path = path
        self.interval_s = interval_s
        self._load = load
        self._on_change = on_change
        self.version = version
        self._report = report
        """Whether this process reports a broken version: several processes watch the same
        files, and a store claim per version lets exactly one of them log it."""
        self._broken: str | None = None
        self._fingerprint: Fingerprint | None = None
        self._stop = threading.Event()
        self._sleep = sleep if sleep is not None else self._stop.wait
        self._throttled = Throttled(logger, clock=clock)
        self._thread: threading.Thread | None = None

    def check_now(self) -> bool:
        """One check; True if a new glossary was handed to ``on_change``."""
        try:
            fingerprint = _fingerprint(self.path)
            if fingerprint == self._fingerprint:
                return False
            version = glossary_version(self.path)
        except OSError as exc:
            self._throttled.error(
                "read",
                "cannot read the glossary at %s (still serving version %s): %s",
                self.path,
                self.version,
                exc,
            )
            return False
        if self.version is None:
            self.version = version
        if version == self._broken:
            self._fingerprint = fingerprint
            return False
        self._broken = None
        if version == self.version:
            self._fingerprint = fingerprint
            return False
        try:
            glossary = self._load()
        except GlossaryError as exc:
            self._fingerprint, self._broken = fingerprint, version
            metrics.glossary_reload("error")
            if self._report(version):
                self._log_problems(version, exc)
            return False
        self._on_change(glossary, version)
        logger.info(
            "glossary reloaded: version %s, %d terms (was version %s)",
            version,
            len(glossary),
            self.version,
        )
        self.version, self._fingerprint = version, fingerprint
        metrics.glossary_reload("ok")
        return True

    def _log_problems(self, version: str, exc: GlossaryError) -> None:
        lines = list(iter_problems(exc.problems))
        logger.error(
            "glossary version %s not loaded, still serving version %s: %d problem(s)",
            version,
            self.version,
            len(lines),
            extra={"glossary_version": version, "problems": len(lines)},
        )
        for line in lines[:MAX_PROBLEM_LINES]:
            logger.error("%s", line, extra={"glossary_version": version})
        if len(lines) > MAX_PROBLEM_LINES:
            logger.error(
                "… and %d more problem(s); `python -m bot check` lists them all",
                len(lines) - MAX_PROBLEM_LINES,
            )

    def start(self) -> GlossaryWatcher:
        """Watch on a daemon thread (in each serving process, after any fork)."""
        self._thread = threading.Thread(target=self._run, name="glossary-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sleep(self.interval_s)
            if self._stop.is_set():
                return
            try:
                self.check_now()
            except Exception:
                # A bug in load/on_change must not end hot reload for the process's lifetime.
                metrics.glossary_reload("error")
                self._throttled.exception(
                    "check", "glossary reload failed; still serving %s", self.version
                )
