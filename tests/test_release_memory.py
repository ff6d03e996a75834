"""bot.release_memory: returns freed heap pages on glibc, and is a harmless no-op elsewhere."""

from __future__ import annotations

import ctypes

import pytest

from bot.release_memory import release_free_memory


def test_without_malloc_trim_nothing_is_released(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_library(name: object) -> object:
        raise OSError("no C library here")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    assert release_free_memory() is False


def test_on_glibc_freed_pages_go_back_to_the_system() -> None:
    try:
        ctypes.CDLL(None).malloc_trim  # noqa: B018
    except AttributeError:
        pytest.skip("not glibc")
    block = [bytes(4096) for _ in range(20_000)]  # ~80 MB of small heap blocks, then freed
    del block
    assert release_free_memory() is True
