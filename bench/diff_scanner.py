"""Differential check of the scanner against another checkout's: the same matches, or not.

Why: a change to how forms are stored (bot.terms.forms) must not change what is detected, and
the detection tests pin the rules but not every combination. This runs both scanners over the
same texts — each in its own interpreter, with ``PYTHONPATH`` at its checkout — and compares
every match (term, written text, offsets, order), with and without ``include_all``. The new side
scans with a freshly built scanner and with one read back from its cache data (``to_data`` →
JSON → ``from_data``), and both must agree with the old:

    git archive HEAD | tar -x -C /tmp/head   # the code before the change
    .venv/bin/python -m bench.diff_scanner --old /tmp/head

Texts: the messages ``bench.bench_terms`` wrote for the synthetic glossaries of 10,000 and
100,000 terms and for the shipped glossary, plus 20,000 texts made here from the shipped
glossary's own forms with joiners, endings, capitals, punctuation, code spans, links and
non-ASCII letters (seeded, the same in every run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SETS = (
    (
        "synthetic-10k",
        OUT / "synthetic-t10000-m20000-q2000" / "glossary",
        "synthetic-t10000-m20000-q2000",
    ),
    (
        "synthetic-100k",
        OUT / "synthetic-t100000-m20000-q2000" / "glossary",
        "synthetic-t100000-m20000-q2000",
    ),
    ("real", ROOT / "glossary", "real-m20000-q2000"),
    ("real-made", ROOT / "glossary", None),
)
_JOINERS = (" ", " ", " ", "-", "  ", " - ", "(", ") ", "\t", "\n", ".", ". ", "_", "/", "’", "'")
_AROUND = ("", "", "", ",", ".", "?", "!", ":", "'s", "s", "ed", "ing", "es", "`", "*", "_", "é")
_NOISE = (
    "the",
    "we",
    "x",
    "`code`",
    "<@U1>",
    "https://x.io/a-b",
    ":tada:",
    "www.Ex.com",
    "ＡＢ",
    "naïve",
    "İstanbul",
    "ß",
    "vs.",
    "v",
    "(de",
    "facto)",
    "```block\nPRM```",
    "e.g.",
    "__",
    "_x_",
)


def _made(glossary: Path, count: int) -> list[str]:
    """Texts built from the glossary's own names, aliases and acronyms (see the docstring)."""
    from bot.terms import load_glossary

    forms: list[str] = []
    for term in load_glossary(glossary):
        forms += (term.term, *term.aliases, *term.acronyms)
    rng = random.Random(8)
    texts = []
    for _ in range(count):
        words: list[str] = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.5:
                form = rng.choice(forms)
                form = rng.choice((form, form.lower(), form.upper(), form.title(), form))
                words.append(rng.choice(_AROUND[:4]) + form + rng.choice(_AROUND))
            else:
                words.append(rng.choice(_NOISE))
        texts.append("".join(w + rng.choice(_JOINERS) for w in words).strip(" "))
    return texts


def _texts(name: str, glossary: Path, folder: str | None) -> list[str]:
    if folder is None:
        return _made(glossary, 20_000)
    with open(OUT / folder / "messages.jsonl", encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


def _scan_all(side: str, out: Path) -> None:
    """One side: every set's matches as JSON lines (the new side checks its cache data too)."""
    from bot.terms import Glossary, load_glossary
    from bot.terms.detect import Scanner

    with open(out, "w", encoding="utf-8") as stream:
        for name, glossary, folder in SETS:
            texts = _texts(name, glossary, folder)
            shown = Glossary(load_glossary(glossary)).terms
            scanners = [Scanner(shown)]
            if side == "new":
                data = json.loads(json.dumps(scanners[0].to_data()))
                scanners.append(Scanner.from_data(shown, data))
            for text in texts:
                for include_all in (False, True):
                    results = [
                        [
                            (m.term.term, m.text, m.start, m.end)
                            for m in s.scan(text, include_all=include_all)
                        ]
                        for s in scanners
                    ]
                    stream.write(json.dumps([name, include_all, results]) + "\n")


def _compare(old: Path, new: Path) -> dict[str, Any]:
    cases = differences = reread = 0
    examples: list[dict[str, Any]] = []
    with open(old, encoding="utf-8") as a, open(new, encoding="utf-8") as b:
        for line_a, line_b in zip(a, b, strict=True):
            name, include_all, (before,) = json.loads(line_a)
            _, _, (built, from_cache) = json.loads(line_b)
            cases += 1
            if built != before:
                differences += 1
                if len(examples) < 5:
                    examples.append(
                        {"set": name, "include_all": include_all, "old": before, "new": built}
                    )
            reread += from_cache != built
    return {
        "cases": cases,
        "differences": differences,
        "cache_differences": reread,
        "examples": examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, help="root of the checkout to compare against")
    parser.add_argument("--side", choices=("old", "new"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        _scan_all(args.side, args.out)
        return
    if args.old is None:
        parser.error("--old is required")
    with tempfile.TemporaryDirectory() as folder:
        files = {side: Path(folder) / f"{side}.jsonl" for side in ("old", "new")}
        for side, root in (("old", args.old), ("new", ROOT)):
            env = {**os.environ, "PYTHONPATH": f"{root.resolve()}{os.pathsep}{ROOT}"}
            command = [sys.executable, __file__, "--side", side, "--out", str(files[side])]
            subprocess.run(command, check=True, env=env, cwd=root)
        print(json.dumps(_compare(files["old"], files["new"]), indent=1))


if __name__ == "__main__":
    main()
