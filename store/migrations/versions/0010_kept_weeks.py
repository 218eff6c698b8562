"""kept weeks: weekly answers kept between runs, and the marks of writes that invalidate them

Revision ID: 0010_kept_weeks
Revises: 0009_work_claims
Create Date: 2026-12-04 23:00:00

Incremental analytics (issue 20 item 5): `kept_weeks` holds each metric's answer per team
and complete week under a definition fingerprint; `analytics_marks` records, in the
transaction of each write, how far back the written rows reach, so the refresh after a
sync recomputes only the weeks they touched (analytics.kept, store.marks).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0010_kept_weeks"
down_revision = "0009_work_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_weeks",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("week_start", store.types.UTCDateTime(), nullable=False),
        sa.Column("computed_as_of", store.types.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", "metric", "team", "week_start"),
    )
    op.create_table(
        "analytics_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("since", store.types.UTCDateTime(), nullable=True),
        sa.Column("until", store.types.UTCDateTime(), nullable=True),
        sa.Column("marked_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("analytics_marks")
    op.drop_table("kept_weeks")
