"""``python -m bot export``: the glossary as CSV, JSON, Markdown or HTML, whole or partner-safe.

CSV and JSON carry every field, named as in the YAML, so ``import`` turns them back into the
same terms (drafts and internal terms included: they are data files, not pages). Markdown and
HTML are pages for a wiki: drafts are left out, as the bot never shows them.

``--audience partner`` is what may leave the company, whatever the format: no internal term
(not even its name in another term's "see also" or "replaced by"), no draft, the partner
wording in place of the definition, and none of the internal fields (audience, owner, review
dates, the internal definition). Pages escape every value: a glossary edited by many people
is not trusted to hold HTML or Markdown.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable, Sequence

from bot.terms.model import Audience, Lifecycle, Term
from bot.terms.text import fold

FORMATS = ("csv", "json", "markdown", "html")
FULL = (
    "term",
    "acronym",
    "aliases",
    "category",
    "definition",
    "related",
    "auto_expand",
    "audience",
    "partner_definition",
    "owner",
    "reviewed",
    "review_every",
    "status",
    "replaced_by",
)
PARTNER: tuple[str, ...] = ("term", "acronym", "aliases", "category", "definition", "related")
PARTNER += ("status", "replaced_by")


def shown(terms: Sequence[Term], partner: bool) -> list[Term]:
    """The terms an export lists: partner-safe ones only for partners."""
    if not partner:
        return list(terms)
    return [t for t in terms if t.audience != Audience.INTERNAL and t.status != Lifecycle.DRAFT]


def records(terms: Sequence[Term], partner: bool) -> list[dict[str, object]]:
    """One dict per term, keys as in the YAML: what CSV and JSON write."""
    kept = shown(terms, partner)
    names = {fold(t.term) for t in kept}
    out: list[dict[str, object]] = []
    for t in kept:
        every = f"{t.review_every_days}d" if t.review_every_days else None
        full: dict[str, object] = {
            "term": t.term,
            "acronym": list(t.acronyms),
            "aliases": list(t.aliases),
            "category": t.category,
            "definition": t.definition,
            "related": list(t.related),
            "auto_expand": t.auto_expand,
            "audience": t.audience,
            "partner_definition": t.partner_definition,
            "owner": t.owner,
            "reviewed": t.reviewed.isoformat() if t.reviewed else None,
            "review_every": every,
            "status": t.status,
            "replaced_by": t.replaced_by,
        }
        if partner:
            full["definition"] = t.partner_definition or t.definition
            full["related"] = [r for r in t.related if fold(r) in names]
            if t.replaced_by and fold(t.replaced_by) not in names:
                full["replaced_by"] = None
        out.append({key: full[key] for key in (PARTNER if partner else FULL)})
    return out


def to_json(terms: Sequence[Term], partner: bool) -> str:
    return json.dumps({"terms": records(terms, partner)}, ensure_ascii=False, indent=2) + "\n"


def to_csv(terms: Sequence[Term], partner: bool) -> str:
    """One row per term; list cells joined with ``; ``, as ``import`` splits them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PARTNER if partner else FULL)
    for record in records(terms, partner):
        writer.writerow([_cell(v) for v in record.values()])
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        # A lone item with a comma gets a trailing "; " so import splits on ";", not ",".
        lone = len(value) == 1 and "," in str(value[0])
        return "; ".join(str(v) for v in value) + (";" if lone else "")
    return str(value)


def _groups(terms: Sequence[Term], partner: bool) -> dict[str, list[Term]]:
    groups: dict[str, list[Term]] = {}
    for term in shown(terms, partner):
        if term.status != Lifecycle.DRAFT:
            groups.setdefault(term.category, []).append(term)
    ordered = sorted(groups.items(), key=lambda kv: kv[0].casefold())
    return {k: sorted(v, key=lambda t: t.term.casefold()) for k, v in ordered}


def _title(term: Term) -> str:
    return term.title


def _page_lines(
    terms: Sequence[Term], partner: bool, esc: Callable[[str], str]
) -> list[tuple[str, list[tuple[Term, str, list[str], list[str]]]]]:
    """Per category: per term its escaped definition text, notes and visible related names."""
    groups = _groups(terms, partner)
    visible = {fold(t.term) for group in groups.values() for t in group}
    out = []
    for category, group in groups.items():
        items = []
        for t in group:
            wording = (t.partner_definition or t.definition) if partner else t.definition
            notes: list[str] = []
            if t.status == Lifecycle.DEPRECATED:
                if t.replaced_by and fold(t.replaced_by) in visible:
                    notes.append(f"Deprecated; use {esc(t.replaced_by)}.")
                else:
                    notes.append("Deprecated.")
            if t.aliases:
                notes.append("Also: " + esc(", ".join(t.aliases)) + ".")
            if not partner and t.audience == Audience.INTERNAL:
                notes.append("Internal only: not shown in shared channels.")
            elif not partner and t.partner_definition:
                notes.append("What partners see: " + esc(t.partner_definition))
            related = [r for r in t.related if fold(r) in visible]
            items.append((t, esc(wording), notes, related))
        out.append((category, items))
    return out


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~!])")


def md_escape(text: str) -> str:
    """Text that Markdown (GFM tables included) shows literally, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split())).replace("&", "&amp;")


def to_markdown(terms: Sequence[Term], partner: bool) -> str:
    """A wiki page: one table per category, columns Term, Definition, See also."""
    title = "Partner glossary" if partner else "Glossary"
    lines = [f"# {title}", ""]
    for category, items in _page_lines(terms, partner, md_escape):
        lines += [f"## {md_escape(category)}", "", "| Term | Definition | See also |"]
        lines.append("| --- | --- | --- |")
        for t, wording, notes, related in items:
            cell = " ".join([wording, *(f"_{n}_" for n in notes)])
            lines.append(
                f"| **{md_escape(_title(t))}** | {cell} | {md_escape(', '.join(related))} |"
            )
        lines.append("")
    return "\n".join(lines)


_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}"
    "dt{font-weight:600;margin-top:1rem}dd{margin:0 0 0 1rem}.note{color:#555;font-size:.9em}"
)


def _anchor(name: str) -> str:
    return "term-" + (re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "x")


def to_html(terms: Sequence[Term], partner: bool) -> str:
    """A self-contained page (inline style, no scripts, no external resources)."""
    title = "Partner glossary" if partner else "Glossary"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
    ]
    esc = html.escape
    for category, items in _page_lines(terms, partner, esc):
        out.append(f"<section><h2>{esc(category)}</h2><dl>")
        for t, wording, notes, related in items:
            out.append(f'<dt id="{_anchor(t.term)}">{esc(_title(t))}</dt><dd>{wording}')
            out += [f'<p class="note">{note}</p>' for note in notes]
            if related:
                links = ", ".join(f'<a href="#{_anchor(r)}">{esc(r)}</a>' for r in related)
                out.append(f'<p class="note">See also: {links}</p>')
            out.append("</dd>")
        out.append("</dl></section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


WRITERS: dict[str, Callable[[Sequence[Term], bool], str]] = {
    "csv": to_csv,
    "json": to_json,
    "markdown": to_markdown,
    "html": to_html,
}
