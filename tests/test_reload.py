"""bot.reload: content versions, and a watcher that swaps in good edits and keeps serving on bad.

Checks run synchronously through ``check_now`` (its return is the signal that handling
finished); one test runs the real thread. Edits change each file's size, because a rewrite of
the same size within the file system's timestamp tick is invisible to any mtime-based watcher.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.reload import GlossaryWatcher, glossary_version
from bot.terms import Glossary

AGENT = "terms:\n  - term: Agent\n    category: Partner types\n    definition: Agents sell.\n"
AGENT_V2 = AGENT.replace("Agents sell.", "Agents sell for a commission.")
AGENT_V3 = AGENT.replace("Agents sell.", "Agents sell on commission, for you.")
BROKEN = AGENT.replace("definition: Agents sell.", "defintion: Agents sell badly.")


def reloads(outcome: str) -> float:
    return REGISTRY.get_sample_value("glossary_reloads_total", {"outcome": outcome}) or 0.0


def definition(glossary: Glossary) -> str:
    term = glossary.get("Agent")
    assert term is not None
    return term.definition


class Swaps:
    """``on_change``: records each (definition of Agent, version) handed over."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.event = threading.Event()

    def __call__(self, glossary: Glossary, version: str) -> None:
        self.seen.append((definition(glossary), version))
        self.event.set()


def watcher(path: Path, swaps: Swaps, **kw: object) -> GlossaryWatcher:
    return GlossaryWatcher(
        path,
        interval_s=10,
        load=lambda: Glossary.from_path(path),
        on_change=swaps,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "agents.yaml").write_text(AGENT)
    return tmp_path / "glossary"


def test_version_is_a_content_hash_of_the_yaml_files(folder: Path, tmp_path: Path) -> None:
    assert glossary_version(folder) == "a457f561f217"
    assert glossary_version(folder / "agents.yaml") == "a457f561f217"  # file or folder alike
    (folder / "README.md").write_text("not a glossary file")
    os.utime(folder / "agents.yaml", ns=(1, 1))
    assert glossary_version(folder) == "a457f561f217"  # other files, mtimes: no change
    moved = folder.rename(tmp_path / "elsewhere")
    assert glossary_version(moved) == "a457f561f217"
    (moved / "agents.yaml").rename(moved / "partners.yml")
    assert glossary_version(moved) == "4a5d70304712"  # the file name is part of the content
    (moved / "partners.yml").write_text(AGENT_V2)
    assert glossary_version(moved) == "593842b9de68"


def test_edit_is_swapped_in_with_its_version(folder: Path) -> None:
    swaps = Swaps()
    w = watcher(folder, swaps, version=glossary_version(folder))
    assert w.check_now() is False
    (folder / "agents.yaml").write_text(AGENT_V2)
    before = reloads("ok")
    assert w.check_now() is True
    assert swaps.seen == [("Agents sell for a commission.", "6c1d9461b724")]
    assert (w.version, reloads("ok")) == ("6c1d9461b724", before + 1)
    assert w.check_now() is False


def test_unknown_version_takes_the_files_as_served(folder: Path) -> None:
    swaps = Swaps()
    w = watcher(folder, swaps)
    assert (w.check_now(), w.version, swaps.seen) == (False, "a457f561f217", [])


def test_edit_during_startup_load_is_picked_up(folder: Path) -> None:
    """The version is computed before the start-up load; a newer file still gets loaded."""
    version = glossary_version(folder)
    (folder / "agents.yaml").write_text(AGENT_V2)  # lands while the bot is loading
    swaps = Swaps()
    assert watcher(folder, swaps, version=version).check_now() is True
    assert swaps.seen == [("Agents sell for a commission.", "6c1d9461b724")]


def test_same_bytes_rewritten_loads_nothing(folder: Path) -> None:
    loads: list[Path] = []

    def load() -> Glossary:
        loads.append(folder)
        return Glossary.from_path(folder)

    w = GlossaryWatcher(
        folder, interval_s=10, load=load, on_change=Swaps(), version=glossary_version(folder)
    )
    (folder / "agents.yaml").unlink()
    (folder / "agents.yaml").write_text(AGENT)  # new inode, same content
    assert (w.check_now(), loads) == (False, [])


def test_broken_edit_keeps_the_old_glossary_and_is_logged_once(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.reload")
    swaps = Swaps()
    w = watcher(folder, swaps, version=glossary_version(folder))
    errors = reloads("error")

    (folder / "agents.yaml").write_text(BROKEN)
    assert w.check_now() is False
    os.utime(folder / "agents.yaml", ns=(1, 1))  # the fingerprint moves, the content does not
    assert w.check_now() is False
    assert w.check_now() is False

    file = folder / "agents.yaml"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "ERROR",
            "glossary version 139e09d3fd82 not loaded, still serving version a457f561f217: "
            "2 problem(s)",
        ),
        ("ERROR", f"{file}:2: 'Agent': missing required field 'definition'"),
        ("ERROR", f"{file}:4: unknown field 'defintion' (did you mean 'definition'?)"),
    ]
    assert (swaps.seen, w.version, reloads("error")) == ([], "a457f561f217", errors + 1)

    caplog.clear()
    (folder / "agents.yaml").write_text(AGENT_V3)  # fixed
    assert w.check_now() is True
    assert swaps.seen == [("Agents sell on commission, for you.", "139a5776e677")]
    assert [r.getMessage() for r in caplog.records] == [
        "glossary reloaded: version 139a5776e677, 1 terms (was version a457f561f217)"
    ]


def test_configmap_symlink_swap_is_noticed(tmp_path: Path) -> None:
    """Kubernetes: ``agents.yaml -> ..data/agents.yaml``, and an update re-points ``..data``.

    The new file has the same size and mtime as the old one: only its inode tells them apart.
    """
    mount = tmp_path / "mount"
    old, new = mount / "..2026_11_30_a", mount / "..2026_11_30_b"
    old.mkdir(parents=True)
    new.mkdir()
    (old / "agents.yaml").write_text(AGENT)
    (new / "agents.yaml").write_text(AGENT.replace("Agents sell.", "Agents earn."))
    stat = (old / "agents.yaml").stat()
    os.utime(new / "agents.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (mount / "..data").symlink_to(old.name)
    (mount / "agents.yaml").symlink_to("..data/agents.yaml")
    swaps = Swaps()
    w = watcher(mount, swaps, version=glossary_version(mount))
    assert w.check_now() is False

    (mount / "..data_tmp").symlink_to(new.name)
    os.replace(mount / "..data_tmp", mount / "..data")  # atomic, as the kubelet does it
    assert w.check_now() is True
    assert swaps.seen == [("Agents earn.", glossary_version(mount))]
    assert swaps.seen[0][1] != "a457f561f217"


def test_unreadable_glossary_is_logged_once_per_interval(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    swaps = Swaps()
    now = [0.0]
    w = watcher(folder, swaps, version=glossary_version(folder), clock=lambda: now[0])
    (folder / "agents.yaml").rename(folder.parent / "away.yaml")
    folder.rmdir()
    assert (w.check_now(), w.check_now()) == (False, False)
    now[0] = 60.0
    assert w.check_now() is False
    assert [r.getMessage().split(": ", 1)[0] for r in caplog.records] == [
        f"cannot read the glossary at {folder} (still serving version a457f561f217)",
        f"cannot read the glossary at {folder} (still serving version a457f561f217)",
    ]
    assert caplog.records[1].getMessage().endswith("(and 1 more like this in the last 60s)")
    assert swaps.seen == []


def test_thread_survives_a_failing_swap_and_retries(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in ``on_change`` is logged; the next interval tries the same version again."""
    swaps = Swaps()
    attempts: list[str] = []

    def flaky(glossary: Glossary, version: str) -> None:
        attempts.append(version)
        if len(attempts) == 1:
            raise RuntimeError("swap failed")
        swaps(glossary, version)

    w = GlossaryWatcher(
        folder,
        interval_s=0.01,
        load=lambda: Glossary.from_path(folder),
        on_change=flaky,
        version=glossary_version(folder),
    )
    (folder / "agents.yaml").write_text(AGENT_V2)
    w.start()
    try:
        assert swaps.event.wait(timeout=30)
    finally:
        w.stop(timeout_s=30)
    assert attempts == ["6c1d9461b724", "6c1d9461b724"]
    assert swaps.seen == [("Agents sell for a commission.", "6c1d9461b724")]
    assert [
        (r.getMessage(), r.exc_info is not None) for r in caplog.records if r.levelno >= 40
    ] == [("glossary reload failed; still serving a457f561f217", True)]


def test_interval_zero_means_no_watcher(folder: Path) -> None:
    with pytest.raises(ValueError, match="GLOSSARY_RELOAD_S=0 means: no watcher"):
        GlossaryWatcher(folder, interval_s=0, load=lambda: Glossary([]), on_change=Swaps())
