"""The digest's annotations: the periods the team annotated that touch the week, named in
the message and marked on the charts (the weeks they cover, hatched).

Hooked into the digest by bot/digest/extras.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from analytics.calendar import week_label
from bot.config import TeamConfig
from bot.core import annotations as notes
from bot.core.annotations import AnnotationRecord
from bot.core.manage import ManageDeps
from bot.slack.blocks.common import Block, context
from bot.slack.charts import ChartSeries
from bot.slack.text import escape

CHART_REACH = timedelta(weeks=12)


def week_notes(
    deps: ManageDeps, team: TeamConfig, start: datetime, end: datetime
) -> tuple[AnnotationRecord, ...]:
    """The team's and the org's annotations from the charts' first week to the week's end."""
    return tuple(notes.overlapping(deps, team, start - CHART_REACH, end))


def _in(rec: AnnotationRecord, start: datetime, end: datetime) -> bool:
    return rec.starts_at < end and rec.ends_at > start


def notes_blocks(
    records: Sequence[AnnotationRecord], start: datetime, end: datetime
) -> list[Block]:
    shown = [r for r in records if _in(r, start, end)]
    if not shown:
        return []
    return [context("📝 Annotated: " + "; ".join(escape(r.text()) for r in shown))]


def notes_text(records: Sequence[AnnotationRecord], start: datetime, end: datetime) -> list[str]:
    return [f"  Annotated: {r.text()}" for r in records if _in(r, start, end)]


def annotated_weeks(records: Sequence[AnnotationRecord], tz: str) -> frozenset[str]:
    """ "W45"-style labels of every week an annotation touches, in the team's zone."""
    out: set[str] = set()
    for r in records:
        moment = r.starts_at
        while moment < r.ends_at:
            out.add("W" + week_label(moment, tz).rsplit("-W", 1)[1])
            moment += timedelta(days=1)
    return frozenset(out)


def mark_annotated(
    series: Mapping[str, ChartSeries], records: Sequence[AnnotationRecord], tz: str
) -> dict[str, ChartSeries]:
    """The charts with their annotated weeks marked."""
    weeks = annotated_weeks(records, tz)
    return {
        label: replace(c, annotated=tuple(w for w in c.weeks if w in weeks))
        for label, c in series.items()
    }
