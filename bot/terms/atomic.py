"""Writing a cache file so that no reader ever sees half of it.

Both glossary caches (bot.terms.cache for validated terms, bot.terms.index_cache for built
indexes) are read by every process that starts, possibly while another writes: a temporary file
in the same folder, renamed over the target (``os.replace`` is atomic on one filesystem).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(file: Path, data: bytes, prefix: str) -> None:
    """Write ``data`` to ``file`` via a temporary file named ``prefix…``; raises ``OSError``
    (the caller decides how loudly a cache that cannot be kept is reported)."""
    folder = file.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
