"""Deterministic synthetic data for the benchmarks: a large glossary and realistic messages.

The 10,000-term glossary is built from partnership vocabulary plus invented product words, so
names look like "channel rebate ledger" or "Zorvak alliance tier" and about a third carry an
acronym; the messages mix everyday chat, glossary terms (names, aliases, plurals, acronyms), code
spans, links, mentions and emoji in the proportions of a busy partner channel, and
``make_queries`` turns names and aliases into the typo'd ``/define`` queries people type.
Everything is seeded, so two runs (and two machines) measure exactly the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path

import yaml

BASE_WORDS = (  # noqa: SIM905 -- a paragraph of words reads better than a list literal
    "partner channel alliance deal lead pipeline rebate margin tier program portal referral "
    "reseller distributor integration marketplace incentive enablement onboarding certification "
    "territory quota forecast account revenue subscription license royalty co-sell co-market "
    "ecosystem platform solution service support success strategy agreement contract discount "
    "registration opportunity campaign fund budget ledger scorecard review audit compliance"
).split()
CHAT = (  # noqa: SIM905
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
    """``count`` unique terms whose names, aliases and acronyms never collide.

    Linear in ``count`` and the same in every process for one ``seed`` (only seeded choices,
    no set iteration), so a glossary written by one process is the one another measures.
    """
    rng = random.Random(seed)
    # dict.fromkeys, not a set: a set's order follows the per-process string hash seed, and
    # the glossary must be the same in every process (the benchmarks compare processes).
    invented = list(dict.fromkeys(_invented(rng) for _ in range(count)))
    rng.shuffle(invented)
    vocabulary = BASE_WORDS + invented
    prose = vocabulary + CHAT  # built once: per definition word, it made the build quadratic
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
            "definition": " ".join(rng.choice(prose) for _ in range(30)) + ".",
        }
        if len(words) > 1 and rng.random() < 0.35:
            acronym = "".join(w[0] for w in words).upper() + rng.choice("XYZQ")
            if claim(acronym):
                entry["acronym"] = acronym
        # Aliases look like real ones ("partner network", "channel rebate team"). An earlier
        # generator began 10,000 aliases with "the", which no glossary does and which made
        # every "the" in chat a candidate: 1.5x more scanning work than any real glossary.
        aliases = [a for a in (f"{name} team", f"{words[-1]} {_invented(rng)}") if claim(a)]
        entry["aliases"] = aliases
        terms.append(entry)
    return terms


def _plural(text: str) -> str:
    """How people pluralise in chat ("successes", "strategies"), not a blind "s"."""
    if text.endswith(("s", "sh", "ch", "x", "z")):
        return text + "es"
    if text.endswith("y") and text[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return text[:-1] + "ies"
    return text + "s"


def _aliases(term: dict[str, object]) -> list[str]:
    aliases = term.get("aliases")
    return [str(a) for a in aliases] if isinstance(aliases, list) else []


def make_messages(terms: list[dict[str, object]], count: int, seed: int = 11) -> list[str]:
    """Chat messages, about half mentioning one to three glossary terms in varied forms.

    Only the first letter is capitalised: ``str.capitalize`` would lower-case the acronyms
    (which match only in capitals) and so never exercise the acronym path.
    """
    rng = random.Random(seed)
    messages = []
    for _ in range(count):
        parts = [rng.choice(CHAT) for _ in range(rng.randint(6, 40))]
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            term = rng.choice(terms)
            forms = [str(term["term"]), _plural(str(term["term"]).lower())]
            forms += _aliases(term)[:1]
            if term.get("acronym"):
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
        text = " ".join(parts)
        messages.append(text[:1].upper() + text[1:] + rng.choice(".?!"))
    return messages


def _typo(word: str, rng: random.Random) -> str:
    """One insertion, deletion, substitution or transposition of adjacent letters."""
    pos = rng.randrange(len(word))
    letter = rng.choice(string.ascii_lowercase.replace(word[pos].lower(), ""))
    kind = rng.choice(("insert", "delete", "substitute", "transpose"))
    if kind == "insert":
        return word[:pos] + letter + word[pos:]
    if kind == "delete":
        return word[:pos] + word[pos + 1 :]
    if kind == "transpose" and pos < len(word) - 1 and word[pos] != word[pos + 1]:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    return word[:pos] + letter + word[pos + 1 :]


_VERB_ENDS = {c + v for c in "bcdfghklmnprstvz" for v in "aeiou"} | {
    v + c for v in "aeiou" for c in "bcdfghklmnptvz"
}
"""Word ends that read as a verb ("-ok", "-ag"): not "-er", "-or" or a plural "-s"."""

QUERY_KINDS = {
    "typo": 0.6,
    "exact": 0.1,
    "nonsense": 0.1,
    "question": 0.05,
    "acronym": 0.05,
    "fragment": 0.05,
    "verb": 0.05,
}
"""Share of each kind of ``/define`` query; ``make_queries`` documents each."""


def make_queries(
    terms: list[dict[str, object]], count: int, seed: int = 13
) -> list[dict[str, object]]:
    """``/define`` queries of every kind people type, each with its ``kind`` and ``intended``
    term (None when there is none), so that recall and per-kind latency can be measured:

    * ``typo``: one typo in a word of ≥ 5 letters of a name or alias, any case;
    * ``exact``: a name, alias or acronym as written;
    * ``nonsense``: chat filler and a junk word;
    * ``question``: "what's our <name>?" and the like;
    * ``acronym``: an acronym with two neighbouring letters swapped ("did you mean");
    * ``fragment``: one word of a longer name ("did you mean" the names holding it, or the
      name it is);
    * ``verb``: a one-word name used as a verb ("zorvaked").
    """
    rng = random.Random(seed)
    kinds, weights = list(QUERY_KINDS), list(QUERY_KINDS.values())
    with_acronym = [t for t in terms if t.get("acronym")]
    acronyms = {str(t["acronym"]) for t in with_acronym}
    queries: list[dict[str, object]] = []
    while len(queries) < count:
        term = rng.choice(terms)
        name = str(term["term"])
        form = rng.choice([name, *_aliases(term)])
        kind = rng.choices(kinds, weights)[0]
        query: str | None = None
        intended: str | None = name
        if kind == "exact":
            query = str(term.get("acronym") or form)
        elif kind == "nonsense":
            junk = "".join(rng.choice("qxzjkvwaeiou") for _ in range(rng.randint(4, 12)))
            filler = " ".join(rng.choice(CHAT) for _ in range(rng.randint(0, 2)))
            query, intended = f"{filler} {junk}".strip(), None
        elif kind == "question":
            query = rng.choice(("what's our {}?", "whats the {}", "what is their {}", "define {}"))
            query = query.format(form)
        elif kind == "acronym" and with_acronym:
            term = rng.choice(with_acronym)
            acronym, at = str(term["acronym"]), rng.randrange(len(str(term["acronym"])) - 1)
            query = acronym[:at] + acronym[at + 1] + acronym[at] + acronym[at + 2 :]
            # Two letters alike, or swapped into another term's acronym: nothing to suggest.
            known = query == acronym or query in acronyms
            intended = None if known else str(term["term"])
        elif kind == "fragment" and len(name.split()) > 1:
            query, intended = rng.choice(name.split()), None  # many names hold it: no one answer
        elif kind == "verb" and " " not in name and len(name) >= 5 and name[-2:] in _VERB_ENDS:
            query = name.lower() + rng.choice(("ed", "ing"))
        elif kind == "typo":
            words = form.split()
            long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
            if long:
                at = rng.choice(long)
                words[at] = _typo(words[at], rng)
                query = " ".join(words)
                query = query.lower() if rng.random() < 0.5 else query
        if query is not None:
            queries.append({"query": query, "kind": kind, "intended": intended})
    return queries


def _entries(glossary: Path) -> list[dict[str, object]]:
    """An existing glossary's terms, in the dict shape the generators take."""
    from bot.terms import load_glossary  # imported here: only the real glossary needs it

    return [
        {"term": t.term, "acronym": t.acronym, "aliases": list(t.aliases)}
        for t in load_glossary(glossary)
    ]


def prepare(
    folder: Path, *, terms: int, messages: int, queries: int, glossary: Path | None = None
) -> dict[str, Path]:
    """The glossary, ``messages.jsonl`` and ``queries.jsonl`` under ``folder``, made once.

    With ``glossary`` the messages and queries come from that glossary's terms instead of a
    synthetic one. A stamp of the parameters and of this file's source decides reuse, so
    changing either regenerates rather than silently measuring stale data.
    """
    stamp = {
        "terms": terms,
        "messages": messages,
        "queries": queries,
        "glossary": str(glossary),
        "source": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
    }
    paths = {
        "glossary": glossary or folder / "glossary",
        "messages": folder / "messages.jsonl",
        "queries": folder / "queries.jsonl",
    }
    stamp_file = folder / "params.json"
    if stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    if glossary is None:
        paths["glossary"].mkdir(exist_ok=True)
        entries = make_glossary(terms)
        (paths["glossary"] / "synthetic.yaml").write_text(_yaml(entries))
    else:
        entries = _entries(glossary)
    lines = [json.dumps({"text": t}) for t in make_messages(entries, messages)]
    paths["messages"].write_text("\n".join(lines) + "\n")
    lines = [json.dumps(q) for q in make_queries(entries, queries)]
    paths["queries"].write_text("\n".join(lines) + "\n")
    stamp_file.write_text(json.dumps(stamp))
    return paths


def _yaml(entries: list[dict[str, object]]) -> str:
    """The glossary file; libyaml's emitter when present (10x faster at 100,000 terms)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump({"terms": entries}, Dumper=dumper, sort_keys=False, width=100)


def write(folder: Path, terms: int = 10_000, messages: int = 20_000) -> tuple[Path, Path]:
    """Write ``glossary/synthetic.yaml`` and ``messages.jsonl`` under ``folder``."""
    glossary_dir = folder / "glossary"
    glossary_dir.mkdir(parents=True, exist_ok=True)
    entries = make_glossary(terms)
    glossary_file = glossary_dir / "synthetic.yaml"
    glossary_file.write_text(_yaml(entries))
    messages_file = folder / "messages.jsonl"
    with messages_file.open("w") as out:
        for text in make_messages(entries, messages):
            out.write(json.dumps({"text": text}) + "\n")
    return glossary_dir, messages_file
