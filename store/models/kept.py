"""Incremental analytics (issue 20 item 5): weekly answers kept between runs, and the marks
ingest leaves of what its writes may have changed.

A kept answer is valid for its definition fingerprint (code, configuration, clock) until a
mark says a write reached its week; marks are written in the transaction of the write, so a
killed sync or refresh never loses one (`store.marks`, `analytics.kept`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class KeptWeek(Base):
    """One metric's answer for one team's complete week, as computed at `computed_as_of`
    under definition `fingerprint`; `answer` is the answer's exact JSON
    (`analytics.kept_codec`)."""

    __tablename__ = "kept_weeks"
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    week_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    computed_as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str] = mapped_column(Text)


class AnalyticsMark(Base):
    """Rows of `table_name` were written whose instants reach back to `since` (None: any
    week may have changed, e.g. a purge) and forward to `until`; cleared by the refresh
    that recomputed those weeks."""

    __tablename__ = "analytics_marks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
