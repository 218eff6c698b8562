"""experiments with honest answers, annotations from Slack, and a team pulse

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00

`experiments`: how many weeks, its status, who started and stopped it, the insight it came
from, the plan fixed at its start (controls, pre-period, minimum detectable effect) and its
last report. `annotations.updated_by` / `updated_at`: edits from Slack by their author or a
lead. The pulse: `pulse_salts` and `pulse_voters` (the per-week dedup link, deleted when the
week closes), `pulse_answers` and `pulse_words` (an open week's answers, no person, no time)
and `pulse_weeks` (a closed week's aggregate, the only thing kept).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weeks", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="running")
        )
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("stopped_at", store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("stopped_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("insight_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("plan", store.types.JSONText(), nullable=True))
        batch_op.add_column(sa.Column("result", store.types.JSONText(), nullable=True))
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("updated_at", store.types.UTCDateTime(), nullable=True))
    op.create_table(
        "pulse_salts",
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("team_slug", "week"),
    )
    op.create_table(
        "pulse_voters",
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("worded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("team_slug", "week", "voter"),
    )
    op.create_table(
        "pulse_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pulse_answers_team_week", "pulse_answers", ["team_slug", "week"])
    op.create_table(
        "pulse_words",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("word", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pulse_words_team_week", "pulse_words", ["team_slug", "week"])
    op.create_table(
        "pulse_weeks",
        sa.Column("team_slug", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("scores", store.types.JSONText(), nullable=True),
        sa.Column("words", store.types.JSONText(), nullable=True),
        sa.Column("closed_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_slug", "week"),
    )


def downgrade() -> None:
    op.drop_table("pulse_weeks")
    op.drop_index("ix_pulse_words_team_week", table_name="pulse_words")
    op.drop_table("pulse_words")
    op.drop_index("ix_pulse_answers_team_week", table_name="pulse_answers")
    op.drop_table("pulse_answers")
    op.drop_table("pulse_voters")
    op.drop_table("pulse_salts")
    with op.batch_alter_table("annotations", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("updated_by")
    # no copy-and-drop of `experiments` on SQLite: its rows (and their names) stay as they were
    with op.batch_alter_table("experiments", schema=None, recreate="never") as batch_op:
        for name in (
            "result",
            "plan",
            "insight_id",
            "stopped_by",
            "stopped_at",
            "created_by",
            "status",
            "weeks",
        ):
            batch_op.drop_column(name)
