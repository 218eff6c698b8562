"""The tracker's history beyond status moves, for the causes of delay (`analytics.diagnosis`):
non-status changes of the teams' work items and the links that block them.

Loaders like `analytics.loaders`: the rows for a window [start, end) and the teams, filtered
in SQL (the items `loaders.work_items` returns), typed here (UTC datetimes, text keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import and_
from sqlalchemy import select as sa_select

from analytics.frames import to_utc
from analytics.sql import Bind, Teams, _connection, _teams, _work_item_filter
from store.models import WorkItem, WorkItemChange, WorkItemLink

CHANGE_COLUMNS = ("source", "item_external_id", "at", "field", "value")
LINK_COLUMNS = ("source", "item_key", "other_key", "kind", "created_at")
CHUNK = 500


def _frame(
    rows: Sequence[Sequence[object]], columns: Sequence[str], times: Sequence[str]
) -> pd.DataFrame:
    df = pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    for col in times:
        df[col] = to_utc(df[col]) if len(df) else pd.Series(pd.DatetimeIndex([], tz="UTC"))
    for col in columns:
        if col not in times:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def item_changes(bind: Bind, start: datetime, end: datetime, teams: Teams = None) -> pd.DataFrame:
    """Non-status changes (before `end`) of the work items `loaders.work_items` returns."""
    c = WorkItemChange
    stmt = (
        sa_select(c.source, c.item_external_id, c.at, c.field, c.value)
        .join(
            WorkItem, and_(WorkItem.source == c.source, WorkItem.external_id == c.item_external_id)
        )
        .where(_work_item_filter(start, end, _teams(teams)), c.at < end)
        .order_by(c.source, c.item_external_id, c.at, c.field, c.value)
    )
    with _connection(bind) as conn:
        rows = conn.execute(stmt).all()
    return _frame(rows, CHANGE_COLUMNS, ("at",))


def blocking_links(bind: Bind, keys: Sequence[str]) -> pd.DataFrame:
    """Links of kind "blocks" whose blocked item (`other_key`) is one of `keys`."""
    link = WorkItemLink
    rows: list[Sequence[object]] = []
    wanted = sorted(set(keys))
    with _connection(bind) as conn:
        for i in range(0, len(wanted), CHUNK):
            stmt = (
                sa_select(link.source, link.item_key, link.other_key, link.kind, link.created_at)
                .where(link.other_key.in_(wanted[i : i + CHUNK]), link.kind == "blocks")
                .order_by(link.source, link.item_key, link.other_key)
            )
            rows.extend(conn.execute(stmt).all())
    return _frame(rows, LINK_COLUMNS, ("created_at",))
