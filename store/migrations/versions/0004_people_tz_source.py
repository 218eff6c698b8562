"""people.tz_source: where a stored time zone came from

Revision ID: 0004_people_tz_source
Revises: 0003
Create Date: 2026-12-05 10:00:00

`people.tz` existed but nothing wrote it. It now holds the zone of each identity, from the
config ("config") or as a source publishes it ("jira", "pagerduty"); `tz_source` says which,
so a sync never overwrites a zone the config states and analytics can rank the zones of a
person's identities (store/zones.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_people_tz_source"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tz_source", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("tz_source")
