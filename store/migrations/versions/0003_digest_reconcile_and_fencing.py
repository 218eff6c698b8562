"""digest reconciliation window and leader fencing tokens

Revision ID: 0003
Revises: 0002_webhook_updated_at
Create Date: 2026-12-04 14:10:00

`digests_sent.first_claimed_at` bounds the Slack history search that decides whether a post
of unknown outcome reached the channel; `digests_sent.fence` and `leader_locks.fence` let a
write from a scheduler that lost leadership be refused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0003"
down_revision = "0002_webhook_updated_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digests_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_claimed_at", store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("fence", sa.Integer(), nullable=True))
    with op.batch_alter_table("leader_locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fence", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("leader_locks", schema=None) as batch_op:
        batch_op.drop_column("fence")
    with op.batch_alter_table("digests_sent", schema=None) as batch_op:
        batch_op.drop_column("fence")
        batch_op.drop_column("first_claimed_at")
