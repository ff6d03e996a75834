"""The glossary's governance rules (issue 9): audience, owner, review dates and lifecycle.

Kept beside bot.terms.entries (the core rules: names, definitions, aliases) so each list of
rules stays readable. ``read_fields`` checks one entry's governance fields and returns the
``Term`` keyword arguments they yield, reporting every bad value through ``report(key, msg)``
so the caller can place it on that key's line; ``read_defaults`` does the same for a file's
``defaults:`` mapping; ``cross_check`` finds what spans entries (``replaced_by`` targets,
related drafts). Nothing here reads files or knows about ``Problem``: entries.py owns both.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from bot.terms.model import Audience, Lifecycle, Term
from bot.terms.text import fold
from bot.terms.yaml_lines import kind

FIELDS: tuple[str, ...] = ("audience", "partner_definition", "owner", "reviewed")
FIELDS += ("review_every", "status", "replaced_by")
DEFAULT_FIELDS = ("audience", "review_every")
"""The keys a file's ``defaults:`` may set for its terms."""

Report = Callable[[str | None, str], None]
"""``report(key, message)``: one problem, on the line of ``key`` (None: the mapping's line)."""

_AUDIENCES = tuple(a.value for a in Audience)
_STATUSES = tuple(s.value for s in Lifecycle)
_SLACK_OWNER = re.compile(r"[UWS][A-Z0-9]{2,31}")
"""A user (U…/W…) or user group (S…) id, shaped as bot.config checks GLOSSARY_MAINTAINERS."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EVERY = re.compile(r"(\d{1,4})([dw])")
_CLOCK_SLACK = timedelta(days=1)
"""An editor a time zone ahead may write tomorrow's date; that is not "in the future"."""


@dataclass(frozen=True, slots=True)
class Defaults:
    """A file's ``defaults:``: what its terms get when they do not say."""

    audience: str | None = None
    review_every_days: int | None = None


NO_DEFAULTS = Defaults()


class Governance(TypedDict, total=False):
    """The ``Term`` keyword arguments the governance fields yield (absent: Term's default)."""

    audience: str
    partner_definition: str | None
    owner: str | None
    reviewed: date | None
    review_every_days: int | None
    status: str
    replaced_by: str | None


_NONE_SET: Governance = {}
_FIELD_SET = frozenset(FIELDS)


def read_defaults(value: object, report: Report) -> Defaults:
    """The validated ``defaults:`` mapping; a bad value is reported and ignored."""
    if not isinstance(value, Mapping):
        report(None, "'defaults' must be a mapping with audience and/or review_every")
        return NO_DEFAULTS
    for key in value:
        if key not in DEFAULT_FIELDS:
            close = difflib.get_close_matches(str(key), DEFAULT_FIELDS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "only audience and review_every"
            report(key, f"unknown field '{key}' in 'defaults' ({hint})")
    audience = _choice(value, "audience", _AUDIENCES, "defaults", report)
    every = _every(value, "defaults", report)
    return Defaults(audience, every)


def read_fields(
    entry: Mapping[str, object], label: str, defaults: Defaults, today: date, report: Report
) -> Governance:
    """The governance keyword arguments of one entry's ``Term`` (defaults applied)."""
    if defaults is NO_DEFAULTS and _FIELD_SET.isdisjoint(entry):
        return _NONE_SET  # the common case, kept cheap for 100,000-term glossaries
    own = _choice(entry, "audience", _AUDIENCES, label, report)
    audience = own or defaults.audience or Audience.PUBLIC.value
    partner = _text(entry, "partner_definition", label, report)
    bad_own = own is None and entry.get("audience") is not None  # reported; one line per value
    if partner is not None and audience == Audience.INTERNAL and not bad_own:
        why = "" if own else " (internal by the file's 'defaults')"
        report(
            "partner_definition",
            f"'{label}': an internal term{why} cannot have a 'partner_definition' "
            "(partners never see it); remove one of them",
        )
    owner = _text(entry, "owner", label, report)
    if owner is not None and not (_SLACK_OWNER.fullmatch(owner) or _EMAIL.fullmatch(owner)):
        report(
            "owner",
            f"'{label}': 'owner' must be a Slack user id (U…/W…), a user-group id (S…) "
            f"or an email, not '{owner}'",
        )
    reviewed = _reviewed(entry, label, today, report)
    every = _every(entry, label, report)
    status = _choice(entry, "status", _STATUSES, label, report)
    replaced_by = _text(entry, "replaced_by", label, report)
    status_ok = status is not None or entry.get("status") is None  # a bad one is reported
    if replaced_by is not None and status_ok and status != Lifecycle.DEPRECATED:
        report(
            "replaced_by",
            f"'{label}': 'replaced_by' is only for a deprecated term (add status: deprecated)",
        )
    return {
        "audience": audience,
        "partner_definition": None if partner is None else " ".join(partner.split()),
        "owner": owner,
        "reviewed": reviewed,
        "review_every_days": every if every is not None else defaults.review_every_days,
        "status": status or Lifecycle.ACTIVE.value,
        "replaced_by": None if replaced_by is None else " ".join(replaced_by.split()),
    }


def _choice(
    entry: Mapping[str, object], key: str, allowed: tuple[str, ...], label: str, report: Report
) -> str | None:
    value = entry.get(key)
    if value is None or value in allowed:
        return value if isinstance(value, str) else None
    words = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
    if not isinstance(value, str):
        report(key, f"'{label}': '{key}' must be {words}, got {kind(value)}")
    elif value.strip().casefold() in allowed:
        report(key, f"'{label}': '{key}' must be {words} (in lower case), not '{value}'")
    else:
        report(key, f"'{label}': '{key}' must be {words}, not '{value}'")
    return None


def _text(entry: Mapping[str, object], key: str, label: str, report: Report) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        report(key, f"'{label}': '{key}' must be text, got {kind(value)}")
        return None
    if not value.strip():
        report(key, f"'{label}': '{key}' is empty")
        return None
    return value.strip()


def _reviewed(entry: Mapping[str, object], label: str, today: date, report: Report) -> date | None:
    """YAML makes a date of ``2026-11-30`` and leaves a quoted one text: both are accepted."""
    value = entry.get("reviewed")
    if value is None:
        return None
    when = value if type(value) is date else None
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            when = date.fromisoformat(value.strip())
        except ValueError:
            when = None
    if when is None:
        report("reviewed", f"'{label}': 'reviewed' must be a date like 2026-11-30, not '{value}'")
    elif when - today > _CLOCK_SLACK:  # not ``today + 1 day``: that overflows on 9999-12-31
        report("reviewed", f"'{label}': 'reviewed' {when.isoformat()} is in the future")
        when = None
    return when


def _every(entry: Mapping[str, object], label: str, report: Report) -> int | None:
    """``180d`` → 180, ``26w`` → 182 days."""
    value = entry.get("review_every")
    if value is None:
        return None
    match = _EVERY.fullmatch(value.strip()) if isinstance(value, str) else None
    days = int(match[1]) * (7 if match[2] == "w" else 1) if match else 0
    if days < 1:
        report(
            "review_every",
            f"'{label}': 'review_every' must be days or weeks like 180d or 26w, not '{value}'",
        )
        return None
    return days


def cross_check(
    terms: Sequence[Term], by_name: Mapping[str, Term], broken: Sequence[str] = ()
) -> list[tuple[Term, str]]:
    """(term, message) for lifecycle references that point nowhere useful.

    ``replaced_by`` must name a term people can be sent to: one that exists, is active (a
    deprecated one would send them on again) and is not a draft (never shown). ``related``
    must not name a draft either: its link would lead nowhere. Unknown related names are
    entries.py's (core) problem. ``by_name`` maps folded names to terms (entries.py has it).
    """
    drafts = {name for name, t in by_name.items() if t.status == Lifecycle.DRAFT}
    found: list[tuple[Term, str]] = []
    for term in terms:
        if term.status == Lifecycle.DRAFT:
            continue  # never shown, so neither are its links; drafts may point at each other
        name = term.replaced_by
        target = by_name.get(fold(name)) if name else None
        if name and target is None and fold(name) not in {fold(b) for b in broken}:
            shown = [t.term for t in terms if t.status == Lifecycle.ACTIVE]
            close = difflib.get_close_matches(name, shown, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            message = f"'{term.term}': replaced_by '{name}' is not in the glossary{hint}"
            found.append((term, message))
        elif target is term:
            found.append((term, f"'{term.term}': a term cannot be replaced by itself"))
        elif target is not None and target.status != Lifecycle.ACTIVE:
            status = "a draft" if target.status == Lifecycle.DRAFT else "deprecated itself"
            message = f"'{term.term}': replaced_by '{name}' is {status}; name an active term"
            found.append((term, message))
        for related in term.related if drafts else ():
            if fold(related) in drafts:
                message = f"'{term.term}': related term '{related}' is a draft (never shown)"
                found.append((term, message))
    return found
