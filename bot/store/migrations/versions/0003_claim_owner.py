"""Explanations remember which job claimed them (``claimed_by``).

An explanation job claims its terms, commits, then posts. If its process is killed between the
commit and the post, the job is taken over when its lease ends, and without this the new
attempt found its own terms "already explained" and posted nothing: a lost explanation. With
the claim's owner stored, the same job's next attempt recognises its claim and posts, so a kill
costs at most one repeated post, never a lost one.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("explanations") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("explanations") as batch:
        batch.drop_column("claimed_by")
