"""The migrations and the models describe one schema: after `upgrade head`, alembic's
autogenerate finds nothing to add, drop or change (a model column or index without its
migration, or the reverse, would otherwise surface only on a customer's database)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.db import make_engine, upgrade
from store.models import Base


def test_migrated_schema_equals_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "head")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []
