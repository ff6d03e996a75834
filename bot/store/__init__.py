"""The bot's state behind one small interface: ``Store``.

``SqlStore(url)`` for real use (any SQLAlchemy URL; SQLite file by default), ``MemoryStore()`` for
handler tests. Both raise only ``StoreError``.
"""

from bot.store.base import Store, StoreError
from bot.store.memory import MemoryStore
from bot.store.remembering import RememberingStore
from bot.store.sql import SqlStore

__all__ = ["MemoryStore", "RememberingStore", "SqlStore", "Store", "StoreError"]
