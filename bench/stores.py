"""Where `metrics-bot bench` keeps its stores: SQLite files in the run's folder, or one
PostgreSQL schema per store (`bench_<name>`, dropped and made again each run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, text

from store.db import make_engine, upgrade

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Stores:
    kind: str  # "sqlite" or "postgresql"
    directory: Path
    pg_url: str = DEFAULT_PG

    def url(self, name: str) -> str:
        """A fresh, empty store called `name`."""
        if self.kind == "sqlite":
            path = self.directory / f"{name}.db"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        schema = f"bench_{name}"
        engine = make_engine(self.pg_url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        sep = "&" if "?" in self.pg_url else "?"
        return f"{self.pg_url}{sep}options=-csearch_path%3D{schema}"

    def size_mb(self, url: str) -> float:
        """Bytes on disk of the store at `url` (tables and indexes), in MB."""
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            files = [path, path.with_name(path.name + "-wal")]
            return sum(f.stat().st_size for f in files if f.exists()) / 1e6
        engine = make_engine(url)
        query = (
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        with engine.connect() as conn:
            size = int(conn.execute(text(query)).scalar_one())
        engine.dispose()
        return size / 1e6


def copy_sqlite(source: Path, url: str, chunk: int = 20_000) -> None:
    """Copy every table of a SQLite store into the migrated store at `url` (the analytics
    bench generates its org straight into SQLite; this puts the same rows in PostgreSQL)."""
    from store.models import Base

    src = make_engine(f"sqlite:///{source}")
    dst = make_engine(url)
    upgrade(dst)
    with src.connect() as read, dst.begin() as write:
        for table in Base.metadata.sorted_tables:
            result = read.execute(select(table)).mappings()
            while rows := result.fetchmany(chunk):
                write.execute(insert(table), [dict(r) for r in rows])
        write.execute(text("ANALYZE"))
    src.dispose()
    dst.dispose()
