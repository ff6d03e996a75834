"""The loader's cache of validated glossaries, so a restart skips YAML parsing and validation.

Why: parsing and validating a 10,000-term glossary takes about a second, and the files rarely
change between two starts. After a successful load the loader writes the terms here; the next
load with the same files (same resolved paths, sizes, mtimes and content hashes, same loader
version) reads them back instead. Only the loader calls this module.

Why JSON and these precautions: the cache folder may be writable by other users, so nothing in
it may run code (no pickle), every value is type-checked before it becomes a ``Term``, and
anything odd — a partial, corrupt, foreign or stale file, an unreadable folder — just means a
normal load. Writing is atomic (temp file + ``os.replace``), so readers never see half a file,
and a read-only folder costs one warning, never a failed start. The digest guards against
staleness, not against tampering: whoever may write the cache folder can change the glossary
the bot answers with (but not run code), so give it the permissions of the data folder.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from bot.terms.atomic import write_atomically
from bot.terms.model import Term

LAYOUT = 2
"""Version of the JSON layout below; part of every digest."""
_ROW = 16
"""Values in a term's row (see ``write``)."""

logger = logging.getLogger(__name__)
_warned: set[str] = set()


@dataclass(frozen=True, slots=True)
class Source:
    """One glossary file as read: its bytes and the stat taken from the same open file."""

    path: Path
    data: bytes
    size: int
    mtime_ns: int


def cache_file(cache_dir: Path, glossary: Path, sources: Sequence[Source], version: int) -> Path:
    """Where the terms of exactly these files are cached: one name per glossary path + digest."""
    return cache_dir / f"glossary-{_path_hash(glossary)}-{digest(sources, version)}.json"


def digest(sources: Sequence[Source], version: int) -> str:
    """Hash of the loader version, the Term fields and each file's path, size, mtime and bytes."""
    outer = hashlib.blake2b(digest_size=20)
    header = [LAYOUT, version, [f.name for f in fields(Term)]]
    outer.update(json.dumps(header).encode())
    for source in sources:
        content = hashlib.blake2b(source.data).hexdigest()
        entry = [str(source.path.resolve()), source.size, source.mtime_ns, content]
        outer.update(json.dumps(entry).encode())
    return outer.hexdigest()


def _path_hash(glossary: Path) -> str:
    return hashlib.blake2b(str(glossary.resolve()).encode(), digest_size=8).hexdigest()


def read(file: Path, names: Sequence[str], max_bytes: int) -> list[Term] | None:
    """The cached terms, with ``names`` as their source files; None if absent or unusable.

    ``max_bytes`` bounds what is read: a planted giant file must not exhaust memory.
    """
    try:
        with open(file, "rb") as stream:
            status = os.fstat(stream.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > max_bytes:
                raise OSError(f"not a regular file of at most {max_bytes:,} bytes")
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        logger.debug("no glossary cache at %s", file)
        return None
    except OSError as exc:
        logger.debug("ignoring glossary cache %s: %s", file, exc)
        return None
    try:
        return _terms(json.loads(raw), file.stem.rsplit("-", 1)[-1], names)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:  # deep JSON: RecursionError
        logger.debug("ignoring glossary cache %s: %s", file, exc)
        return None


def _terms(document: Any, expected: str, names: Sequence[str]) -> list[Term]:
    """Type-check every value before it becomes a Term (the file may come from anyone).

    Column by column, with C-level passes (``set(map(type, column))``): at 100,000 terms a
    check per value in Python cost a quarter of a second of every start.
    """
    if not isinstance(document, dict) or document.get("layout") != LAYOUT:
        raise ValueError("another cache layout")
    if document.get("digest") != expected or document.get("files") != len(names):
        raise ValueError("written for other files")
    rows = document["terms"]
    if type(rows) is not list or set(map(type, rows)) - {list} or set(map(len, rows)) - {_ROW}:
        raise TypeError("'terms' is not a list of rows")
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    term, category, definition, acronyms, aliases, related, auto_expand, file, line = columns[:9]
    audience, partner, owner, reviewed, every, status, replaced_by = columns[9:]
    _only({str}, term, category, definition, audience, status)
    _only({list}, acronyms, aliases, related)
    _only({str}, *(itertools.chain.from_iterable(c) for c in (acronyms, aliases, related)))
    _only({bool}, auto_expand)
    _only({int}, file, line)
    _only({str, type(None)}, partner, owner, reviewed, replaced_by)
    _only({int, type(None)}, every)
    if not 0 <= min(file) <= max(file) < len(names):
        raise ValueError("a term from an unknown file")
    days = {day: None if day is None else date.fromisoformat(day) for day in set(reviewed)}
    return list(
        map(
            Term,
            *(term, _shared(category), definition),
            *(map(tuple, acronyms), map(tuple, aliases), map(tuple, related)),
            *(auto_expand, map(names.__getitem__, file), line),
            *(_shared(audience), partner, _shared(owner), map(days.__getitem__, reviewed)),
            *(every, _shared(status), replaced_by),
        )
    )


def _shared(column: Sequence[object]) -> Iterable[Any]:
    """The column with one object per distinct value: categories, audiences, owners and
    statuses repeat, and one string each per term cost ~20 MB at 100,000 terms."""
    one = {value: value for value in set(column)}
    return map(one.__getitem__, column)


def _only(kinds: set[type], *columns: Iterable[object]) -> None:
    """Raise TypeError unless every value of every column is of one of ``kinds``."""
    for column in columns:
        if not set(map(type, column)) <= kinds:
            raise TypeError(f"a value is not {' or '.join(k.__name__ for k in kinds)}")


def write(file: Path, terms: Sequence[Term], names: Sequence[str]) -> None:
    """Cache ``terms`` atomically and drop older caches of the same glossary; never raises."""
    index = {name: number for number, name in enumerate(names)}
    rows = [
        [
            *(t.term, t.category, t.definition),
            *(list(t.acronyms), list(t.aliases), list(t.related)),
            *(t.auto_expand, index[t.source], t.line),
            *(t.audience, t.partner_definition, t.owner),
            *(None if t.reviewed is None else t.reviewed.isoformat(), t.review_every_days),
            *(t.status, t.replaced_by),
        ]
        for t in terms
    ]
    document = {
        "layout": LAYOUT,
        "digest": file.stem.rsplit("-", 1)[-1],
        "files": len(names),
        "terms": rows,
    }
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    folder = file.parent
    try:
        write_atomically(file, data, ".glossary-")
    except OSError as exc:
        log = logger.debug if str(folder) in _warned else logger.warning
        _warned.add(str(folder))
        log(
            "cannot cache the glossary in %s (loading will parse the YAML each time): %s",
            folder,
            exc,
        )
        return
    glossary_part = file.stem.rsplit("-", 1)[0]
    for old in folder.glob(f"{glossary_part}-*.json"):
        if old != file:
            try:
                old.unlink()
            except OSError as exc:
                logger.debug("cannot remove the old glossary cache %s: %s", old, exc)
