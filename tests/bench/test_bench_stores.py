"""`metrics-bot bench --store`: the generated analytics org copied whole into another store
(PostgreSQL too when TEST_DATABASE_URL is set), row for row, and its size on disk read."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bench.bench_metrics import generate
from bench.stores import Stores, copy_sqlite
from store.db import make_engine
from store.models import Base


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        dump = {
            t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
            for t in Base.metadata.sorted_tables
            if conn.execute(select(func.count()).select_from(t)).scalar_one()
        }
    engine.dispose()
    return dump


def test_the_generated_org_is_copied_row_for_row(tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "generated.db"
    generate(source, 300, 2)
    copy_sqlite(source, database_url, chunk=97)  # several chunks per big table
    copied, original = _dump(database_url), _dump(f"sqlite:///{source}")
    assert {"pull_requests", "reviews", "commits", "deployments"} <= set(original)
    assert copied == original
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert Stores(kind, tmp_path).size_mb(database_url) > 0.01
