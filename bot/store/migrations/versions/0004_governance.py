"""Governance (issue 9): channel settings, people's preferences, and suggested terms.

- ``channel_settings``: what a channel's members chose with ``/define settings``, one row per
  (workspace, channel).
- ``preferences``: a person's own choices (for now, opting out of explanations of their
  messages), one row per (workspace, user).
- ``suggestions``: terms proposed from Slack, with a ``status`` CHECK (waiting, approved,
  rejected) and an index on it: maintainers list what is waiting.

Workspace columns follow 0002's convention (``""`` for none). New tables only, so the
downgrade drops them and nothing else changes.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def workspace_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("enterprise_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    op.create_table(
        "channel_settings",
        *workspace_columns(),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("explain", sa.Boolean, nullable=False),
        sa.Column("paused_until", sa.Double, nullable=False),
        sa.Column("cooldown_hours", sa.Double, nullable=True),
        sa.Column("max_terms", sa.Integer, nullable=True),
        sa.Column("partner_view", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "channel", name="pk_channel_settings"),
    )
    op.create_table(
        "preferences",
        *workspace_columns(),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "team_id", "user_id", name="pk_preferences"),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        *workspace_columns(),
        sa.Column("term", sa.Text, nullable=False),
        sa.Column("acronym", sa.Text, nullable=False, server_default=""),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False, server_default=""),
        sa.Column("suggester", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("decided_at", sa.Double, nullable=False, server_default="0"),
        sa.Column("review_channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("review_ts", sa.String(64), nullable=False, server_default=""),
        sa.CheckConstraint(
            "status IN ('waiting', 'approved', 'rejected')", name="ck_suggestions_status"
        ),
    )
    op.create_index("ix_suggestions_status", "suggestions", ["status"])


def downgrade() -> None:
    op.drop_index("ix_suggestions_status", "suggestions")
    op.drop_table("suggestions")
    op.drop_table("preferences")
    op.drop_table("channel_settings")
