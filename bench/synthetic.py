"""Deterministic synthetic data for the benchmarks: a large glossary and realistic messages.

The 10,000-term glossary is built from partnership vocabulary plus invented product words, so
names look like "channel rebate ledger" or "Zorvak alliance tier" and about a third carry an
acronym; the messages mix everyday chat, glossary terms (names, aliases, plurals, acronyms), code
spans, links, mentions and emoji in the proportions of a busy partner channel.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

BASE_WORDS = (
    "partner channel alliance deal lead pipeline rebate margin tier program portal referral "
    "reseller distributor integration marketplace incentive enablement onboarding certification "
    "territory quota forecast account revenue subscription license royalty co-sell co-market "
    "ecosystem platform solution service support success strategy agreement contract discount "
    "registration opportunity campaign fund budget ledger scorecard review audit compliance"
).split()
CHAT = (
    "hey team can we sync on this before friday I think the numbers look off for last quarter "
    "please take a look when you get a chance thanks for the update let me know if that works "
    "we should loop in legal and finance on the next call the customer asked about pricing again "
    "great work everyone on the launch our goal is to close this by end of month"
).split()
CATEGORIES = ["Partner types", "Pricing", "Programs", "Leads", "Operations", "Strategy", "Tools"]


def _invented(rng: random.Random) -> str:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    size = rng.randint(2, 3)
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(size)) + rng.choice(
        consonants
    )


def make_glossary(count: int, seed: int = 7) -> list[dict[str, object]]:
    """``count`` unique terms whose names, aliases and acronyms never collide."""
    rng = random.Random(seed)
    invented = list({_invented(rng) for _ in range(count)})
    rng.shuffle(invented)
    vocabulary = BASE_WORDS + invented
    used: set[str] = set()
    terms: list[dict[str, object]] = []

    def claim(form: str) -> bool:
        key = " ".join(form.lower().replace("-", " ").split())
        if key in used:
            return False
        used.add(key)
        return True

    while len(terms) < count:
        words = [rng.choice(vocabulary) for _ in range(rng.randint(1, 4))]
        name = " ".join(words).capitalize()
        if not claim(name):
            continue
        entry: dict[str, object] = {
            "term": name,
            "category": rng.choice(CATEGORIES),
            "definition": " ".join(rng.choice(vocabulary + CHAT) for _ in range(30)) + ".",
        }
        if len(words) > 1 and rng.random() < 0.35:
            acronym = "".join(w[0] for w in words).upper() + rng.choice("XYZQ")
            if claim(acronym):
                entry["acronym"] = acronym
        aliases = [a for a in (f"{name} team", f"the {words[-1]} {_invented(rng)}") if claim(a)]
        entry["aliases"] = aliases
        terms.append(entry)
    return terms


def make_messages(terms: list[dict[str, object]], count: int, seed: int = 11) -> list[str]:
    """Chat messages, about half mentioning one to three glossary terms in varied forms."""
    rng = random.Random(seed)
    messages = []
    for _ in range(count):
        parts = [rng.choice(CHAT) for _ in range(rng.randint(6, 40))]
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            term = rng.choice(terms)
            forms = [str(term["term"]), str(term["term"]).lower() + "s"]
            if "acronym" in term:
                forms += [str(term["acronym"]), str(term["acronym"]) + "s"]
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(forms))
        extra = rng.random()
        if extra < 0.08:
            parts.append(f"`{rng.choice(BASE_WORDS)} --flag`")
        elif extra < 0.16:
            parts.append(f"<https://example.com/{rng.choice(BASE_WORDS)}|{rng.choice(BASE_WORDS)}>")
        elif extra < 0.22:
            parts.insert(0, "<@U024BE7LH>")
        elif extra < 0.27:
            parts.append(":tada:")
        messages.append(" ".join(parts).capitalize() + rng.choice(".?!"))
    return messages


def write(folder: Path, terms: int = 10_000, messages: int = 20_000) -> tuple[Path, Path]:
    """Write ``glossary/synthetic.yaml`` and ``messages.jsonl`` under ``folder``."""
    glossary_dir = folder / "glossary"
    glossary_dir.mkdir(parents=True, exist_ok=True)
    entries = make_glossary(terms)
    glossary_file = glossary_dir / "synthetic.yaml"
    glossary_file.write_text(yaml.safe_dump({"terms": entries}, sort_keys=False, width=100))
    messages_file = folder / "messages.jsonl"
    with messages_file.open("w") as out:
        for text in make_messages(entries, messages):
            out.write(json.dumps({"text": text}) + "\n")
    return glossary_dir, messages_file
