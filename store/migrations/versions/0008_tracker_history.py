"""tracker history: epics and projects with target dates, item links and non-status changes

Revision ID: 0008_tracker_history
Revises: 0007_goals
Create Date: 2026-12-04 19:30:00

For why a team is slow and when an epic will land (issue 17):
- `work_items.parent_key` (the epic, project or milestone an item belongs to) and
  `work_items.due_on` (its own due date);
- `work_item_changes`: non-status changes from the tracker's history (assignee, description,
  scope, parent, sprint, flag, link), keys only, never text;
- `work_item_links`: "blocks" and "relates" links between items;
- `delivery_targets`: Jira epics and Linear projects and milestones, with their target dates.

And an index on `deployments(service, finished_at)`: a paging service that never deploys
cost a full scan per CFR question (about 50 ms at 336k deployments).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0008_tracker_history"
down_revision = "0007_goals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deploy_service_finished", ["service", "finished_at"], unique=False
        )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_work_items_parent_key", ["parent_key"], unique=False)
    op.create_table(
        "work_item_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("item_external_id", sa.String(length=100), nullable=False),
        sa.Column("at", store.types.UTCDateTime(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "item_external_id", "at", "field", "value"),
    )
    with op.batch_alter_table("work_item_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_item_changes_item_external_id", ["item_external_id"], unique=False
        )
    op.create_table(
        "work_item_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("item_key", sa.String(length=100), nullable=False),
        sa.Column("other_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "item_key", "other_key", "kind"),
    )
    with op.batch_alter_table("work_item_links", schema=None) as batch_op:
        batch_op.create_index("ix_work_item_links_item_key", ["item_key"], unique=False)
        batch_op.create_index("ix_work_item_links_other_key", ["other_key"], unique=False)
    op.create_table(
        "delivery_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("team_slug", sa.String(length=64), nullable=True),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("status_category", sa.String(length=32), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id"),
    )
    with op.batch_alter_table("delivery_targets", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_targets_key", ["key"], unique=False)
        batch_op.create_index("ix_delivery_targets_team_slug", ["team_slug"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_targets_team_slug")
        batch_op.drop_index("ix_delivery_targets_key")
    op.drop_table("delivery_targets")
    with op.batch_alter_table("work_item_links", schema=None) as batch_op:
        batch_op.drop_index("ix_work_item_links_other_key")
        batch_op.drop_index("ix_work_item_links_item_key")
    op.drop_table("work_item_links")
    with op.batch_alter_table("work_item_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_work_item_changes_item_external_id")
    op.drop_table("work_item_changes")
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_parent_key")
        batch_op.drop_column("due_on")
        batch_op.drop_column("parent_key")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_index("ix_deploy_service_finished")
