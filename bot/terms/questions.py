"""What a question asks about: "what's our NRR?" → "nrr", "what does ICP stand for" → "icp".

People type questions into ``/define`` and the DM: the lookup tries the words as typed first,
then their subject, found by peeling one phrasing at a time ("please …", "what's …", "the …",
"… stand for") from folded text; possessives and determiners ("our", "my", "their", "this")
are peeled like the article.
"""

from __future__ import annotations

import re

_DETERMINERS = "an?|the|our|my|your|their|his|her|its|this|that|these|those"
_QUESTION_PATTERNS = [
    re.compile(p)
    for p in (
        r"^(.+?) (?:please|pls|plz|thanks|thank you|thx)$",
        r"^(?:please )?(?:define|explain|describe|definition of|meaning of|tell me about) (.+)$",
        r"^(?:(?:hey|hi|hello) )?(?:what|who)(?:s| is| are| was| were| does| do| re)? (.+)$",
        r"^(?:can you |could you )?(?:explain|define) (.+)$",
        r"^(.+?) (?:stand for|stands for|mean|means|meaning|definition|abbreviation)$",
        rf"^(?:{_DETERMINERS}) (.+)$",
        r"^(?:is|are) (.+?)(?: a thing)?$",
    )
]


def reduce_question(folded: str) -> str:
    """The subject of a question: "what does icp stand for" → "icp", "whats our nrr" → "nrr"."""
    subject = folded
    for _ in range(6):
        for pattern in _QUESTION_PATTERNS:
            match = pattern.match(subject)
            if match:
                subject = match.group(1).strip()
                break
        else:
            break
    return subject or folded
