"""Initial schema: jobs, once_keys, explanations, explanation_cooldowns, lookups.

Databases made before migrations existed already hold ``explanations``,
``explanation_cooldowns`` and ``lookups`` with these very columns: they are kept (with their
data) and only what is missing is added. Their ``processed_events`` table (Slack retry ids,
minutes-lived) is replaced by ``once_keys`` and dropped.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    if "jobs" not in existing:
        op.create_table(
            "jobs",
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
            sa.Column("kind", sa.String(64), nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("dedupe_key", sa.String(255), nullable=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("lease", sa.String(32), nullable=True),
            sa.Column("lease_until", sa.Double, nullable=True),
            sa.Column("available_at", sa.Double, nullable=False),
            sa.Column("created_at", sa.Double, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.UniqueConstraint("dedupe_key", name="uq_jobs_dedupe_key"),
            sa.CheckConstraint("status IN ('queued', 'running', 'failed')", name="ck_jobs_status"),
        )
        op.create_index("ix_jobs_status_id", "jobs", ["status", "id"])
    if "once_keys" not in existing:
        op.create_table(
            "once_keys",
            sa.Column("key", sa.String(255), primary_key=True),
            sa.Column("claimed_at", sa.Double, nullable=False),
        )
        op.create_index("ix_once_keys_claimed_at", "once_keys", ["claimed_at"])
    if "explanations" not in existing:
        op.create_table(
            "explanations",
            sa.Column("channel", sa.String(64), primary_key=True),
            sa.Column("thread_ts", sa.String(64), primary_key=True),
            sa.Column("term", sa.String(255), primary_key=True),
            sa.Column("explained_at", sa.Double, nullable=False),
        )
    if "explanation_cooldowns" not in existing:
        op.create_table(
            "explanation_cooldowns",
            sa.Column("channel", sa.String(64), primary_key=True),
            sa.Column("term", sa.String(255), primary_key=True),
            sa.Column("explained_at", sa.Double, nullable=False),
        )
    if "lookups" not in existing:
        op.create_table(
            "lookups",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", sa.Double, nullable=False),
            sa.Column("query", sa.Text, nullable=False),
            sa.Column("term", sa.String(255), nullable=True),
            sa.Column("user_id", sa.String(64), nullable=False),
        )
    # Indexes pruning needs; the old schema had only ix_lookups_term.
    indexes = {
        ("explanations", "ix_explanations_explained_at", "explained_at"),
        ("lookups", "ix_lookups_at", "at"),
        ("lookups", "ix_lookups_term", "term"),
    }
    for table, name, column in sorted(indexes):
        if table in existing and any(i["name"] == name for i in inspector.get_indexes(table)):
            continue
        op.create_index(name, table, [column])
    if "processed_events" in existing:
        op.drop_table("processed_events")


def downgrade() -> None:
    for table in ("lookups", "explanation_cooldowns", "explanations", "once_keys", "jobs"):
        op.drop_table(table)
