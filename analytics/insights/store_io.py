"""The insight engine's own store access: the leads' votes in, flagged insights out.

Kept apart from `analytics.load` (metric frames) because these are the bot's own tables:
FeedbackVote rows are read to tune detectors, InsightRow rows are written (upsert by id) so
votes can reference what was shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from analytics.frames import to_utc
from analytics.insights.model import Insight
from store.models import FeedbackVote, InsightRow
from store.upsert import upsert


def votes(engine: Engine, before: datetime) -> pd.DataFrame:
    """Every vote cast before `before`: team, kind, value (+1/-1), voted_at."""
    stmt = select(
        FeedbackVote.team_slug, FeedbackVote.kind, FeedbackVote.value, FeedbackVote.voted_at
    ).where(FeedbackVote.voted_at < before)
    with engine.connect() as conn:
        rows = conn.execute(stmt).fetchall()
    df = pd.DataFrame(rows, columns=["team", "kind", "value", "voted_at"])
    df["voted_at"] = to_utc(df["voted_at"])
    df["value"] = pd.to_numeric(df["value"]).astype("int64")
    return df


def _clean(value: object) -> object:
    """JSON-safe copy: NaN/inf become None, tuples lists, other objects strings."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def payload(insight: Insight) -> dict[str, object]:
    """The insight as stored and printed by `metrics-bot insights --json`."""
    data = _clean(insight.to_json())
    assert isinstance(data, dict)
    json.dumps(data)  # raises early if anything slipped through
    return data


def persist(engine: Engine, insights: Iterable[Insight], now: datetime | None = None) -> int:
    """Store (upsert by id) the insights, so votes can point at them; returns rows written."""
    from datetime import UTC

    when = now or datetime.now(UTC)
    rows = [
        {
            "id": i.id,
            "team_slug": i.team,
            "kind": i.kind,
            "week": i.week,
            "severity": i.severity,
            "title": i.title,
            "score": float(i.score),
            "payload": payload(i),
            "created_at": when,
        }
        for i in insights
    ]
    if not rows:
        return 0
    with Session(engine) as s, s.begin():
        return upsert(s, InsightRow, rows, ["id"], update=["severity", "title", "score", "payload"])
