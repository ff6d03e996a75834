"""Alembic's entry point, called by ``bot.store.migrate`` only (there is no alembic.ini).

``migrate`` opens the connection, takes the lock and the transaction, and passes the connection
in ``config.attributes``; this file just runs the migrations on it.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
