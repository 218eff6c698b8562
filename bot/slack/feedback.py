"""Insights shown and the leads' votes on them: the store side of thumbs-up/thumbs-down.

Votes are one per (insight, voter) and changeable (upsert). Only the team's configured leads
vote; the check lives with the caller, which knows the config. Votes feed the insight
engine through the FeedbackVote table it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import FeedbackVote, InsightRow
from store.upsert import upsert


def save_insights(sessions: sessionmaker[Session], insights: Iterable[Any], now: datetime) -> int:
    """Keep the insights a message shows, so votes on them have something to point at."""
    rows = [
        {
            "id": ins.id,
            "team_slug": ins.team,
            "kind": ins.kind,
            "week": ins.week,
            "severity": ins.severity,
            "title": ins.title,
            "score": float(getattr(ins, "score", 0.0) or 0.0),
            "payload": ins.to_json(),
            "created_at": now,
        }
        for ins in insights
    ]
    with transaction(sessions) as s:
        return upsert(s, InsightRow, rows, ["id"], update=["severity", "title", "score", "payload"])


def get_insight(sessions: sessionmaker[Session], insight_id: str) -> InsightRow | None:
    with sessions() as s:
        return s.get(InsightRow, insight_id)


def record_vote(
    sessions: sessionmaker[Session], *, insight: InsightRow, voter: str, value: int, now: datetime
) -> None:
    """Store or change `voter`'s vote (+1 / -1) on `insight`."""
    row = {
        "insight_id": insight.id,
        "team_slug": insight.team_slug,
        "kind": insight.kind,
        "voter": voter,
        "value": value,
        "voted_at": now,
    }
    with transaction(sessions) as s:
        upsert(s, FeedbackVote, [row], ["insight_id", "voter"], update=["value", "voted_at"])


def tally(sessions: sessionmaker[Session], insight_id: str) -> tuple[int, int]:
    """(thumbs up, thumbs down) on one insight."""
    return tallies(sessions, [insight_id]).get(insight_id, (0, 0))


def tallies(
    sessions: sessionmaker[Session], insight_ids: Sequence[str]
) -> dict[str, tuple[int, int]]:
    if not insight_ids:
        return {}
    up = func.sum(case((FeedbackVote.value > 0, 1), else_=0))
    down = func.sum(case((FeedbackVote.value < 0, 1), else_=0))
    stmt = (
        select(FeedbackVote.insight_id, up, down)
        .where(FeedbackVote.insight_id.in_(list(insight_ids)))
        .group_by(FeedbackVote.insight_id)
    )
    with sessions() as s:
        return {iid: (int(u or 0), int(d or 0)) for iid, u, d in s.execute(stmt)}


def latest_insights(sessions: sessionmaker[Session], team: str, limit: int = 5) -> list[InsightRow]:
    """The team's most recent flagged insights (latest week first, best first)."""
    stmt = (
        select(InsightRow)
        .where(InsightRow.team_slug == team)
        .order_by(InsightRow.week.desc(), InsightRow.score.desc(), InsightRow.id)
        .limit(limit)
    )
    with sessions() as s:
        return list(s.scalars(stmt))


def awaiting_vote(
    sessions: sessionmaker[Session], *, teams: Sequence[str], voter: str, limit: int = 10
) -> list[InsightRow]:
    """Insights of the voter's teams that they have not voted on yet, newest first."""
    if not teams:
        return []
    voted = select(FeedbackVote.insight_id).where(FeedbackVote.voter == voter)
    stmt = (
        select(InsightRow)
        .where(InsightRow.team_slug.in_(list(teams)), InsightRow.id.not_in(voted))
        .order_by(InsightRow.week.desc(), InsightRow.score.desc(), InsightRow.id)
        .limit(limit)
    )
    with sessions() as s:
        return list(s.scalars(stmt))
