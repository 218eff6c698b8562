"""team goals: what a team agreed to hold itself to, set with /metrics goal

Revision ID: 0007_goals
Revises: 0006
Create Date: 2026-12-08 10:00:00

`team_goals`: one row per goal a team's lead saved in Slack (goals in the config are not
stored): the text as written, the metric, statistic, operator and target it was read as, a
relative goal's change and reference, its deadline, who set it and when, and when it was
removed (kept, so progress reported earlier stays explainable).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0007_goals"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("stat", sa.String(length=16), nullable=False),
        sa.Column("op", sa.String(length=4), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("change", sa.Float(), nullable=True),
        sa.Column("reference", sa.Float(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("removed_at", store.types.UTCDateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("team_goals", schema=None) as batch_op:
        batch_op.create_index("ix_team_goals_team", ["team_slug", "removed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("team_goals", schema=None) as batch_op:
        batch_op.drop_index("ix_team_goals_team")
    op.drop_table("team_goals")
