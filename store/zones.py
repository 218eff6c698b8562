"""How a stored time zone is kept: the config's word first, a source's next, never erased.

Each identity (a `people` row) holds at most one zone, `tz`, with `tz_source` saying where it
came from. Every write of a `people` row (store.upsert) follows one rule:
- a zone from the config (`tz_source` "config") always lands: it is an explicit statement;
- a zone a source publishes ("jira", "pagerduty") lands unless the row holds a config zone;
- a row without a zone (an identity seen where its source shows none) never erases one.
The zones of a person's several identities are ranked where they are read
(analytics.metrics.health), since only the config knows which identities are one person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, and_, case, or_

TABLE = "people"
CONFIG = "config"
ZONE_COLUMNS = ("tz", "tz_source")


def _takes(stored_source: Any, new_tz: Any, new_source: Any) -> bool:
    return new_source == CONFIG or (new_tz is not None and stored_source != CONFIG)


def merge_rows(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Two rows of one identity in one write, as one: the newer row's columns, except that
    its zone replaces the older row's only by the rule above."""
    out = {**old, **new}
    if not _takes(old.get("tz_source"), new.get("tz"), new.get("tz_source")):
        out.update((c, old[c]) for c in ZONE_COLUMNS if c in old)
    return out


def merge_set(table: Table, excluded: Any) -> dict[str, Any]:
    """The SET clauses of `tz` and `tz_source` for an upsert into `people` (SQLite and
    PostgreSQL): the stored zone stays unless the rule above lets the incoming one in."""
    stored = table.c.tz_source
    takes = or_(
        excluded.tz_source == CONFIG,
        and_(excluded.tz.is_not(None), or_(stored.is_(None), stored != CONFIG)),
    )
    return {c: case((takes, excluded[c]), else_=table.c[c]) for c in ZONE_COLUMNS}
