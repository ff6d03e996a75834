"""``python -m bot misses`` and ``suggestions``: what the store learned, for maintainers.

Both read the store through its interface only (``Store.misses`` across every workspace,
``Store.suggestions``), so they are tested with the in-memory store and run against SQLite or
Postgres alike. With ``--yaml`` each prints one glossary document to paste into a file:

- a miss becomes a stub whose definition is an empty ``>-`` block marked TODO. Until someone
  writes it, ``check`` fails on that entry ("'definition' is empty"), so a stub cannot be
  committed by accident; once it is written, the entry passes.
- approved (or any) suggestions become finished entries. Each is validated with the real loader
  first; one that ``check`` would refuse (a lower-case acronym, a name listed twice) is left
  out of the document and reported on stderr, so what is printed is always accepted.

Misses and suggestions name no one: a miss is stored without a user id, and the YAML (which
ends up in git) does not carry the suggester's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO

from bot.portable.yaml_out import Entry, by_entry, check_text, render
from bot.store.base import Miss, Store, Suggestion
from bot.terms.text import fold

DAY_S = 86400.0
SOURCE = "suggestions"
HEADER = "Suggestions from `python -m bot suggestions --yaml`: review, paste into a file, commit."
STUB_CATEGORY = "Uncategorised"
TODO_DEFINITION = "TODO: write the definition on the next lines, indented by 6 spaces"


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def _unique_misses(misses: Sequence[Miss]) -> list[Miss]:
    """One miss per folded query ("co sell" and "co-sell" would be duplicate terms)."""
    seen: dict[str, Miss] = {}
    for miss in misses:
        key = fold(miss.query)
        if not key:
            continue
        kept = seen.get(key)
        if kept is None:
            seen[key] = miss
        else:
            seen[key] = Miss(
                kept.query,
                kept.count + miss.count,
                min(kept.first_seen, miss.first_seen),
                max(kept.last_seen, miss.last_seen),
            )
    return list(seen.values())


def stubs(misses: Sequence[Miss], categories: Sequence[str] = ()) -> str:
    """A ``terms:`` document with one stub per miss, most asked first."""
    entries = [
        Entry(
            {"term": miss.query, "category": STUB_CATEGORY, "definition": ""},
            notes={
                "term": f"asked {miss.count}×, last on {_day(miss.last_seen)}",
                "category": "TODO: pick a category",
                "definition": TODO_DEFINITION,
            },
        )
        for miss in _unique_misses(misses)
    ]
    header = [
        "Stubs for the top misses, from `python -m bot misses --yaml`. Paste into a glossary",
        "file, write each definition and category, give acronyms and aliases, then run check.",
    ]
    if categories:
        header.append(f"Categories in the glossary: {', '.join(categories)}.")
    return render(entries, header)[0]


def print_misses(
    store: Store,
    out: IO[str],
    *,
    since_days: int,
    limit: int,
    now: float,
    as_yaml: bool,
    categories: Sequence[str] = (),
) -> int:
    """The top misses of every workspace in the last ``since_days`` days."""
    misses = store.misses(None, now - since_days * DAY_S, limit)
    if as_yaml:
        out.write(stubs(misses, categories))
        return 0
    if not misses:
        print(f"No misses in the last {since_days} days.", file=out)
        return 0
    width = max(len(str(m.count)) for m in misses)
    print(f"{'count':>{width}}  last seen   query", file=out)
    for m in misses:
        print(f"{m.count:>{width}}  {_day(m.last_seen)}  {m.query}", file=out)
    return 0


def _entry(s: Suggestion) -> Entry:
    fields: dict[str, object] = {"term": " ".join(s.term.split())}
    if s.acronym.strip():
        fields["acronym"] = s.acronym.strip()
    fields |= {"category": " ".join(s.category.split()), "definition": s.definition}
    why = " ".join(s.why.split())
    comment = [f"suggestion {s.id} ({s.status}, {_day(s.created_at)})"]
    if why:
        comment.append(f"why: {why[:200]}")
    return Entry(fields, comment=tuple(comment))


def suggestions_yaml(suggestions: Sequence[Suggestion], err: IO[str]) -> tuple[str, int]:
    """One document ``check`` accepts, and how many suggestions had to be left out.

    Validated as a whole, then again without the entries that had problems (a duplicate is
    reported on the later entry, so the earlier one stays), until nothing is reported.
    """
    kept = [(s, _entry(s)) for s in suggestions]
    left_out = 0
    while True:
        text, starts = render([entry for _, entry in kept], [HEADER])
        _, problems = check_text(text, SOURCE)
        if not problems:
            return text, left_out
        names = [f"suggestion {s.id}" for s, _ in kept]
        reasons: dict[int, list[str]] = {}
        for index, message in by_entry(problems, starts, names):
            reasons.setdefault(index, []).append(message)
        for index, messages in reasons.items():
            print(f"suggestion {kept[index][0].id} left out: {'; '.join(messages)}", file=err)
        left_out += len(reasons)
        kept = [pair for i, pair in enumerate(kept) if i not in reasons]


def print_suggestions(
    store: Store, out: IO[str], err: IO[str], *, status: str | None, as_yaml: bool
) -> int:
    """Suggestions with ``status`` (every status when None), oldest first; 1 if any left out."""
    found = store.suggestions(status)
    if as_yaml:
        text, left_out = suggestions_yaml(found, err)
        out.write(text)
        return 1 if left_out else 0
    if not found:
        print(f"No {status or ''} suggestions.".replace("  ", " "), file=out)
        return 0
    for s in found:
        title = f"{s.term} ({s.acronym})" if s.acronym else s.term
        print(f"#{s.id}  {s.status:<8}  {_day(s.created_at)}  {title} — {s.category}", file=out)
    return 0
