"""Insights shown and the leads' votes on them: the store side of thumbs-up/thumbs-down.

Votes are one per (insight, voter) and changeable (upsert); a thumbs-down may carry a reason
(and a note) given afterwards. Only the team's configured leads vote; the check lives with
the caller, which knows the config. Votes feed the insight engine through the FeedbackVote
table it reads. Findings that feedback kept out of a message are stored too (`hidden_by`),
so they can be named, shown on request, and voted back up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from analytics.insights.model import Cost, Effect, Evidence, Insight
from store.db import transaction
from store.models import FeedbackVote, InsightRow
from store.upsert import upsert

T = TypeVar("T")

HIDDEN_FIELDS = ("hidden_by", "hidden_note")


def save_insights(sessions: sessionmaker[Session], insights: Iterable[Any], now: datetime) -> int:
    """Keep the insights a message shows, so votes on them have something to point at."""
    return _save(sessions, [_row(ins, now) for ins in insights])


def save_hidden(sessions: sessionmaker[Session], hidden: Iterable[Any], now: datetime) -> int:
    """Keep the findings feedback kept out of a message (`analytics...hiding.Hidden`), so the
    digest's and App Home's "Show" buttons and votes have something to point at."""
    rows = [
        {**_row(h.insight, now), "hidden_by": h.by, "hidden_note": h.note or None} for h in hidden
    ]
    return _save(sessions, rows)


def _save(sessions: sessionmaker[Session], rows: list[dict[str, Any]]) -> int:
    update = ["severity", "title", "score", "payload", *HIDDEN_FIELDS]
    with transaction(sessions) as s:
        return upsert(s, InsightRow, rows, ["id"], update=update)


def _row(ins: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": ins.id,
        "team_slug": ins.team,
        "kind": ins.kind,
        "week": ins.week,
        "severity": ins.severity,
        "title": ins.title,
        "score": float(getattr(ins, "score", 0.0) or 0.0),
        "payload": ins.to_json(),
        "created_at": now,
        "hidden_by": None,
        "hidden_note": None,
    }


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
        "reason": None,  # a changed vote asks again
        "note": None,
    }
    update = ["value", "voted_at", "reason", "note"]
    with transaction(sessions) as s:
        upsert(s, FeedbackVote, [row], ["insight_id", "voter"], update=update)


def set_reason(
    sessions: sessionmaker[Session], *, insight_id: str, voter: str, reason: str, note: str | None
) -> bool:
    """Attach why `voter` found `insight_id` not useful to their vote; False if they have
    no thumbs-down on it (changed their mind, or never voted)."""
    with transaction(sessions) as s:
        vote = s.scalars(
            select(FeedbackVote).where(
                FeedbackVote.insight_id == insight_id, FeedbackVote.voter == voter
            )
        ).first()
        if vote is None or vote.value >= 0:
            return False
        vote.reason, vote.note = reason, note
        return True


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
        .where(InsightRow.team_slug == team, InsightRow.hidden_by.is_(None))
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
        .where(
            InsightRow.team_slug.in_(list(teams)),
            InsightRow.id.not_in(voted),
            InsightRow.hidden_by.is_(None),
        )
        .order_by(InsightRow.week.desc(), InsightRow.score.desc(), InsightRow.id)
        .limit(limit)
    )
    with sessions() as s:
        return list(s.scalars(stmt))


def hidden_lately(sessions: sessionmaker[Session], team: str) -> list[InsightRow]:
    """The findings feedback kept out of the team's latest stored week (App Home lists them)."""
    latest = select(func.max(InsightRow.week)).where(InsightRow.team_slug == team)
    stmt = (
        select(InsightRow)
        .where(
            InsightRow.team_slug == team,
            InsightRow.hidden_by.is_not(None),
            InsightRow.week == latest.scalar_subquery(),
        )
        .order_by(InsightRow.score.desc(), InsightRow.id)
    )
    with sessions() as s:
        return list(s.scalars(stmt))


def _nested(kind: type[T], data: object) -> T | None:
    """A stored nested dataclass (effect, cost) rebuilt from its JSON, fields it lacks left
    to their defaults; None when nothing usable was stored."""
    if not isinstance(data, dict):
        return None
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    try:
        return kind(**{k: v for k, v in data.items() if k in names})
    except TypeError:
        return None


def insight_of(row: InsightRow) -> Insight:
    """The stored finding as an analytics Insight again (to show it on request)."""
    data = row.payload if isinstance(row.payload, dict) else {}
    names = {f.name for f in fields(Insight)}
    kept = {k: v for k, v in data.items() if k in names}
    kept["effect"] = _nested(Effect, kept.get("effect"))
    kept["cost"] = _nested(Cost, kept.get("cost"))
    kept["evidence"] = tuple(
        Evidence(str(e.get("label", "")), e.get("url"))
        for e in kept.get("evidence") or ()
        if isinstance(e, dict)
    )
    kept["peers"] = tuple(kept.get("peers") or ())
    kept["extra"] = kept.get("extra") if isinstance(kept.get("extra"), dict) else {}
    base = {"team": row.team_slug, "kind": row.kind, "week": row.week}
    base.update({"severity": row.severity, "title": row.title, "summary": ""})
    return Insight(**{**base, **kept})
