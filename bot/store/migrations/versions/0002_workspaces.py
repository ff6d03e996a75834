"""Workspaces (issue 10): state keyed by (enterprise_id, team_id), and slack_sdk's OAuth tables.

- ``jobs``, ``explanations``, ``explanation_cooldowns`` and ``lookups`` gain ``enterprise_id``
  and ``team_id`` (``""`` = no workspace, which is what rows written before get: a primary key
  cannot hold NULL, see ``bot/store/schema.py``).
- The cooldown's primary key becomes (enterprise_id, team_id, channel, term): the table is
  rebuilt (SQLite cannot change a primary key in place) and its rows copied.
- ``lookups`` are counted per workspace: ``ix_lookups_term`` gives way to
  ``ix_lookups_workspace_term``.
- ``slack_installations``, ``slack_bots`` and ``slack_oauth_states``, as slack_sdk 3.48's
  ``SQLAlchemyInstallationStore`` and ``SQLAlchemyOAuthStateStore`` define them. They are
  written out here, not built by slack_sdk's code, so a later slack_sdk cannot change what this
  migration did; ``tests/store/test_oauth_tables.py`` says when a slack_sdk upgrade needs a new
  migration. Tables an earlier ``create_tables()`` made are kept as they are.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

COOLDOWNS = "explanation_cooldowns"
REBUILT = "explanation_cooldowns_0002"


def workspace_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("enterprise_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    for table in ("jobs", "explanations", "lookups"):
        for column in workspace_columns():
            op.add_column(table, column)
    op.drop_index("ix_lookups_term", "lookups")
    op.create_index("ix_lookups_workspace_term", "lookups", ["team_id", "enterprise_id", "term"])
    rebuild_cooldowns()
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "slack_installations" not in existing:
        create_slack_installations()
    if "slack_bots" not in existing:
        create_slack_bots()
    if "slack_oauth_states" not in existing:
        op.create_table(
            "slack_oauth_states",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("state", sa.String(200), nullable=False),
            sa.Column("expire_at", sa.DateTime, nullable=False),
        )


def rebuild_cooldowns() -> None:
    """A new table with the new key, the rows copied as "no workspace", then renamed."""
    op.create_table(
        REBUILT,
        *workspace_columns(),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("term", sa.String(255), nullable=False),
        sa.Column("explained_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint(
            "enterprise_id", "team_id", "channel", "term", name="pk_explanation_cooldowns"
        ),
    )
    op.execute(
        f"INSERT INTO {REBUILT} (channel, term, explained_at) "
        f"SELECT channel, term, explained_at FROM {COOLDOWNS}"
    )
    op.drop_table(COOLDOWNS)
    op.rename_table(REBUILT, COOLDOWNS)


def create_slack_installations() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )


def create_slack_bots() -> None:
    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )


def downgrade() -> None:
    """Back to one workspace: workspaces' cooldowns merge (the latest wins); OAuth tables go."""
    for table in ("slack_oauth_states", "slack_bots", "slack_installations"):
        op.drop_table(table)
    op.create_table(
        REBUILT,
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("term", sa.String(255), nullable=False),
        sa.Column("explained_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("channel", "term", name="explanation_cooldowns_pkey"),
    )
    op.execute(
        f"INSERT INTO {REBUILT} (channel, term, explained_at) "
        f"SELECT channel, term, max(explained_at) FROM {COOLDOWNS} GROUP BY channel, term"
    )
    op.drop_table(COOLDOWNS)
    op.rename_table(REBUILT, COOLDOWNS)
    op.drop_index("ix_lookups_workspace_term", "lookups")
    op.create_index("ix_lookups_term", "lookups", ["term"])
    for table in ("lookups", "explanations", "jobs"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("team_id")
            batch.drop_column("enterprise_id")
