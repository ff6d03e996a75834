"""Built indexes kept beside the glossary cache, so that a restart skips building them.

Why: at 100,000 terms, working out every written form of every term (the scanner's table), the
lookup's exact and fuzzy tables and the search index costs ~15 s of Python at each start, while
reading them back as plain data and handing it to the C-level structures (the automaton, dicts,
arrays) costs about two; big integer arrays are stored as base64 of their bytes (``pack``),
which JSON reads far faster than lists of numbers. Glossary and its LookupIndex use this,
through the cache folder the loader uses (``Glossary.from_path(path, cache_dir)``).

The rules are those of bot.terms.cache: JSON only — no pickle, since the folder may be writable
by others and nothing in it may run code — and every value is type- and range-checked by the
engine's ``from_data`` before use, so a tampered file can change answers (as editing the terms
cache could) but never break a scan or a lookup; anything odd means the index is built as
usual. pyahocorasick's own ``save``/``load`` was measured and left out: at 100,000 terms loading
its file took 2.7 s against 1.2 s to rebuild the automaton from the table, and it reads raw
node data in C.

A file is named by its engine and a digest of exactly what the index is built from — the
fields of every term it reads (names, acronyms and aliases; definitions for the search index)
in the glossary's order, and the source of the term service's modules, whose rules shape the
index — so neither an edited glossary nor new code can ever meet a stale index, and no version
number has to be remembered.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import os
import stat
import sys
from array import array
from collections.abc import Callable, Sequence
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.terms.atomic import write_atomically
from bot.terms.model import Term

LAYOUT = 1
"""Version of the file layout below; part of every digest."""
FORMS = ("term", "acronyms", "aliases")
"""What the scanner and the lookup read of a term (the search index reads definitions too)."""
_LISTS = frozenset({"acronyms", "aliases", "related"})
_CHUNK = 256
MAX_BYTES_PER_TERM = 4096
"""Files far bigger than the indexes of that many terms were not written by us: not read."""

logger = logging.getLogger(__name__)
_warned: set[str] = set()


class Engine(Protocol):
    """An index that can be described as plain data (and rebuilt from it by its loader)."""

    def to_data(self) -> dict[str, object]: ...


E = TypeVar("E", bound=Engine)


def built(
    cache: IndexCache | None,
    kind: str,
    terms: Sequence[Term],
    build: Callable[[], E],
    load: Callable[[Any], E],
    reads: tuple[str, ...] = FORMS,
) -> E:
    """The ``kind`` index of ``terms``: ``load``ed from the cache if it holds a usable one, else
    ``build``-t (and kept there for the next start). ``load`` raises TypeError, ValueError,
    KeyError or IndexError on data it cannot vouch for. ``reads``: every Term field the index
    depends on — they name its file, so that an edit to any of them is never met by an old
    index (the search index reads definitions too)."""
    if cache is None:
        return build()
    return cache.built(kind, terms, build, load, reads)


def is_texts(value: object) -> bool:
    """Whether ``value`` is a JSON list of strings (the check every ``from_data`` needs)."""
    return type(value) is list and set(map(type, value)) <= {str}


def pack(numbers: array[Any] | memoryview) -> str:
    """An array as text: its machine bytes in base64, which JSON reads ~20x faster than the
    same numbers as a list (the digest includes the byte order and item sizes)."""
    return base64.b64encode(numbers.tobytes()).decode()


def unpack(text: object, typecode: str) -> array[Any]:
    """The array ``pack`` gave; TypeError/ValueError if ``text`` is not one of that type."""
    if type(text) is not str:
        raise TypeError("not packed numbers")
    numbers = array(typecode)
    numbers.frombytes(base64.b64decode(text, validate=True))  # binascii.Error is a ValueError
    return numbers


class IndexCache:
    """Built indexes of glossaries in one folder, one file per engine and digest."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._digests: dict[tuple[int, tuple[str, ...]], tuple[Sequence[Term], str]] = {}

    def _digest(self, terms: Sequence[Term], fields: tuple[str, ...]) -> str:
        """``digest(terms, fields)``, computed once for the engines of one glossary."""
        known = self._digests.get((id(terms), fields))
        if known is None or known[0] is not terms:
            known = self._digests[id(terms), fields] = (terms, digest(terms, fields))
        return known[1]

    def built(
        self,
        kind: str,
        terms: Sequence[Term],
        build: Callable[[], E],
        load: Callable[[Any], E],
        reads: tuple[str, ...] = FORMS,
    ) -> E:
        """See the module-level ``built``."""
        file = self.folder / f"index-{kind}-{self._digest(terms, reads)}.json"
        data = self._read(file, len(terms))
        if data is not None:
            try:
                return load(data)
            except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
                logger.debug("ignoring the index cache %s: %r", file, exc)
        made = build()
        self._write(file, kind, made.to_data())
        return made

    def _read(self, file: Path, terms: int) -> Any:
        """The file's data, or None if absent, too big, or not JSON of this layout."""
        limit = MAX_BYTES_PER_TERM * terms + (1 << 20)
        try:
            with open(file, "rb") as stream:
                status = os.fstat(stream.fileno())
                if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
                    raise OSError(f"not a regular file of at most {limit:,} bytes")
                document = json.loads(stream.read(limit + 1))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError) as exc:
            logger.debug("ignoring the index cache %s: %s", file, exc)
            return None
        if type(document) is not dict or document.get("layout") != LAYOUT:
            return None
        return document.get("data")

    def _write(self, file: Path, kind: str, data: dict[str, object]) -> None:
        """Write atomically and drop this kind's files of other digests; never raises."""
        document = {"layout": LAYOUT, "data": data}
        encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        folder = file.parent
        try:
            write_atomically(file, encoded, ".index-")
        except OSError as exc:
            log = logger.debug if str(folder) in _warned else logger.warning
            _warned.add(str(folder))
            log("cannot keep built indexes in %s (each start builds them): %s", folder, exc)
            return
        for old in folder.glob(f"index-{kind}-*.json"):  # other glossaries or code: stale
            if old != file:
                with contextlib.suppress(OSError):
                    old.unlink()


def digest(terms: Sequence[Term], fields: tuple[str, ...] = FORMS) -> str:
    """Hash of the layout, the term service's source, and these fields of every term.

    Joined with C-level passes (a Python loop over 100,000 terms cost a quarter of a second),
    a few hundred terms at a time: one string of every definition (25 MB) would leave that much
    heap behind it (see bot.release_memory).
    """
    header = f"{LAYOUT}:{sys.byteorder}:{[array(c).itemsize for c in 'Hiqf']}:{_source_digest()}"
    hashed = hashlib.blake2b("\x1e".join((header, *fields)).encode(), digest_size=20)
    counts = array("I")
    for field in fields:
        values: list[Any] = list(map(attrgetter(field), terms))
        if field in _LISTS:
            counts.extend(map(len, values))  # whose item is whose
            values = list(itertools.chain.from_iterable(values))
        for start in range(0, len(values), _CHUNK):
            chunk = "\x1f".join(values[start : start + _CHUNK])
            hashed.update(chunk.encode(errors="surrogatepass") + b"\x1e")
        hashed.update(b"\x1d")
    hashed.update(counts.tobytes())
    return hashed.hexdigest()


@cache
def _source_digest() -> str:
    """Hash of every module of the term service: the rules that shape an index."""
    folder = Path(__file__).parent
    source = hashlib.blake2b(digest_size=20)
    for module in sorted(folder.glob("*.py")):
        source.update(module.name.encode() + b"\0" + module.read_bytes())
    return source.hexdigest()
