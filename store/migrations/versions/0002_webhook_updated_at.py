"""deployments and incidents: updated_at, the sender's version of a webhook update

Revision ID: 0002_webhook_updated_at
Revises: 0001
Create Date: 2026-12-04 14:05:00

Nullable: rows from sources (and older webhook rows) have no sender version. The webhooks
compare it so that an older resend never overwrites newer state (ingest/webhooks/writes.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "0002_webhook_updated_at"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("deployments", "incidents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("updated_at", store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in ("incidents", "deployments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("updated_at")
