"""Team goals set in Slack (`/metrics goal`): what a team agreed to hold itself to.

Goals written in the config are not stored: the config states them. A removed goal keeps
its row (`removed_at`), so progress already reported stays explainable.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class TeamGoal(Base):
    """One goal of one team, as typed and as read (metric, statistic, operator, target)."""

    __tablename__ = "team_goals"
    __table_args__ = (Index("ix_team_goals_team", "team_slug", "removed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    """The goal as the team wrote it, shown as written."""
    metric: Mapped[str] = mapped_column(String(64))
    stat: Mapped[str] = mapped_column(String(16), default="median")
    op: Mapped[str] = mapped_column(String(4))
    target: Mapped[float | None] = mapped_column(Float)
    """In the metric's unit; for a relative goal, reference x (1 + change)."""
    change: Mapped[float | None] = mapped_column(Float)
    """Relative goals only: the change asked for (-0.2: reduce by 20%)."""
    reference: Mapped[float | None] = mapped_column(Float)
    """Relative goals only: the median weekly figure of the weeks before `created_at`."""
    due: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    """The Slack id of the lead who saved it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(64))
