"""The bot's state behind one small interface: ``Store`` (see ``base.py`` for the contract).

``SqlStore(url)`` for real use (SQLite file on one host, PostgreSQL for replicas), after
``migrate.upgrade(url)`` has made the schema; ``MemoryStore()`` for handler tests;
``RememberingStore(store)`` spares the database the explanation refusals this process can
prove. All of them raise only ``StoreError`` and never log it.
"""

from bot.store.base import (
    NO_WORKSPACE,
    SUGGESTION_STATUSES,
    ChannelSettings,
    Job,
    JobStats,
    Miss,
    NewJob,
    NewSuggestion,
    Pruned,
    Store,
    StoreError,
    StoreHealth,
    Suggestion,
    Workspace,
)
from bot.store.memory import MemoryStore
from bot.store.remembering import RememberingStore
from bot.store.sql import SqlStore

__all__ = [
    "NO_WORKSPACE",
    "SUGGESTION_STATUSES",
    "ChannelSettings",
    "Job",
    "JobStats",
    "MemoryStore",
    "Miss",
    "NewJob",
    "NewSuggestion",
    "Pruned",
    "RememberingStore",
    "SqlStore",
    "Store",
    "StoreError",
    "StoreHealth",
    "Suggestion",
    "Workspace",
]
