"""work claims: lease rows through which `serve` replicas split the scheduled work

Revision ID: 0009_work_claims
Revises: 0008_tracker_history
Create Date: 2026-12-04 20:00:00

One row per unit of scheduled work (an ingest partition group, a digest job): its holder,
the lease's end, a fencing token raised at each claim, and when its last finished run
started. Replicas on PostgreSQL claim due units with `SELECT ... FOR UPDATE SKIP LOCKED`
(bot.runtime.claims, store.claims).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0009_work_claims"
down_revision = "0008_tracker_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_claims",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), server_default="", nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("fence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done_at", store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("work_claims")
