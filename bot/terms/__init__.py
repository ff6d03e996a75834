"""The term service: load the glossary, define, detect and search terms. No Slack here."""

from bot.terms.glossary import Glossary
from bot.terms.loader import GlossaryError, Problem, load_glossary, read_glossary
from bot.terms.model import LookupResult, Match, SearchHit, Status, Term

__all__ = [
    "Glossary",
    "GlossaryError",
    "LookupResult",
    "Match",
    "Problem",
    "SearchHit",
    "Status",
    "Term",
    "load_glossary",
    "read_glossary",
]
