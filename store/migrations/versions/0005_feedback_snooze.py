"""feedback that tunes without hiding: vote reasons, snoozes, hidden findings kept

Revision ID: 0005
Revises: 0004_people_tz_source
Create Date: 2026-12-04 17:30:00

`feedback_votes.reason` / `note`: the optional answer to "why not useful?" after a vote.
`finding_snoozes`: a lead's snooze of one finding for a set number of weeks, instead of a
threshold move. `insights.hidden_by` / `hidden_note`: a finding the detectors found but
feedback kept out of the message, stored so the digest and App Home can name it and show it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0005"
down_revision = "0004_people_tz_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback_votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    with op.batch_alter_table("insights", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_by", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("hidden_note", sa.Text(), nullable=True))
    op.create_table(
        "finding_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("insight_id", sa.String(length=64), nullable=True),
        sa.Column("first_week", sa.String(length=10), nullable=False),
        sa.Column("last_week", sa.String(length=10), nullable=False),
        sa.Column("ends_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding_snoozes", schema=None) as batch_op:
        batch_op.create_index("ix_finding_snoozes_team_kind", ["team_slug", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finding_snoozes", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_snoozes_team_kind")
    op.drop_table("finding_snoozes")
    # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), never a copy-and-drop of the table: on
    # SQLite, dropping `insights` would cascade to every vote (feedback_votes ON DELETE CASCADE)
    with op.batch_alter_table("insights", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("hidden_note")
        batch_op.drop_column("hidden_by")
    with op.batch_alter_table("feedback_votes", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("reason")
