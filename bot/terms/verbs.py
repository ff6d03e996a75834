"""Names used as verbs or adjectives: "we churned four logos", "upselling", "redlined".

Glossaries name things with nouns, and chat turns them into verbs: a term "Churn" is written
"churned", "Cross-sell" is written "cross selling". Detection and lookup both accept the regular
-ed and -ing forms of the last word of a name or alias, from this one rule, so ``/define`` and
the automatic explanations agree.

Zero false explanations comes first, so the rule is narrow:

* only the last word is inflected, and only regularly (no "sold" for "sell");
* a one-word name needs five letters or more: short words are too often the stem of another
  word ("plan" → "planning", "lead" → "leading", "base" → "based");
* nouns that are never verbs are left alone (agent nouns and abstract nouns: "reseller",
  "distributor", "registration", "management", "partnership");
* a form that is an everyday word with a meaning of its own is never produced ("marketing" is
  not the verb of "Market", "accounting" not of "Account"): ``LEXICALISED`` lists them;
* a written form of another term always wins over a verb form (see bot.terms.detect).
"""

from __future__ import annotations

MIN_ALONE = 5
"""Letters a one-word name needs before its verb forms are matched."""
_NOT_VERBS = ("er", "or", "ist", "tion", "sion", "ment", "ness", "ity", "ship", "ism", "ics")
_VOWELS = frozenset("aeiou")
LEXICALISED = frozenset(
    {
        *("accounting", "advertising", "booking", "briefing", "building", "ceiling", "clothing"),
        *("dealing", "drawing", "engineering", "evening", "feeling", "financing", "funding"),
        *("heading", "hearing", "housing", "landing", "leading", "listing", "living"),
        *("marketing", "meaning", "meeting", "morning", "offering", "opening", "painting"),
        *("parking", "planning", "pricing", "printing", "programming", "reading", "recording"),
        *("ruling", "saving", "setting", "shipping", "staffing", "staging", "standing"),
        *("timing", "trading", "training", "warning", "wedding", "writing", "banking"),
        *("interesting", "interested", "limited", "advanced", "related", "detailed", "dated"),
        *("experienced", "concerned", "skilled", "married", "supposed", "programmed"),
    }
)
"""-ing/-ed words with their own meaning: never read as the verb of a glossary name."""


def verb_forms(word: str, *, alone: bool) -> tuple[str, ...]:
    """The -ed and -ing forms of ``word`` (folded) worth matching, or () when none are.

    ``alone``: the word is the whole name, so it must be long enough to be unambiguous.
    """
    if not word.isascii() or not word.isalpha() or len(word) < (MIN_ALONE if alone else 3):
        return ()
    if word.endswith(("ing", "ed", *_NOT_VERBS)) or _plural_looking(word):
        return ()
    forms = _regular_forms(word)
    # A lexicalised spelling voids its whole kind: "marketting" is a misspelt "marketing".
    void = {form[-2:] for form in forms if form in LEXICALISED}
    return tuple(dict.fromkeys(form for form in forms if form[-2:] not in void))


def verb_stems(word: str) -> list[str]:
    """Words whose verb forms may include ``word`` ("redlined" → "redline", "redlin", …).

    Lookup reads a query backwards with this and keeps a stem only if ``verb_forms`` of it
    gives the query word back, so both directions follow one rule.
    """
    if word.endswith("ed") and len(word) > 3:
        base = word[:-2]
        stems = [base, word[:-1], base[:-1] if base[-1:] == base[-2:-1] else ""]
        stems.append(base[:-1] + "y" if base.endswith("i") else "")
    elif word.endswith("ing") and len(word) > 4:
        base = word[:-3]
        stems = [base, base + "e", base[:-1] if base[-1:] == base[-2:-1] else ""]
        stems.append(base[:-1] + "ie" if base.endswith("y") else "")
    else:
        return []
    return [stem for stem in dict.fromkeys(stems) if stem]


def _plural_looking(word: str) -> bool:
    """A word ending in a plural "s" ("sales", "partners") is a noun, not a verb."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _regular_forms(word: str) -> list[str]:
    if word.endswith("ie"):
        return [word + "d", word[:-2] + "ying"]
    if word.endswith(("ee", "ye", "oe")):
        return [word + "d", word + "ing"]
    if word.endswith("e"):
        return [word + "d", word[:-1] + "ing"]
    if word.endswith("y") and word[-2] not in _VOWELS:
        return [word[:-1] + "ied", word + "ing"]
    plain = [word + "ed", word + "ing"]
    if not _ends_consonant_vowel_consonant(word):
        return plain
    doubled = [word + word[-1] + "ed", word + word[-1] + "ing"]
    # One syllable doubles ("planned"); longer words may or may not ("targeted", "labelled").
    return doubled if _syllables(word) == 1 else plain + doubled


def _ends_consonant_vowel_consonant(word: str) -> bool:
    return (
        len(word) >= 3
        and word[-1] not in _VOWELS
        and word[-1] not in "wxy"
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    )


def _syllables(word: str) -> int:
    groups, previous = 0, False
    for letter in word:
        vowel = letter in _VOWELS
        groups += vowel and not previous
        previous = vowel
    return groups
