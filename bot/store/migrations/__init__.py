"""Alembic migrations of the state store; run them with ``bot.store.migrate.upgrade``."""
