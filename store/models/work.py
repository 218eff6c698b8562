"""Scheduled work shared by `serve` replicas: one lease row per unit (an ingest partition
group, a digest job), so that any replica may run a unit and only one runs it at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import UTCDateTime


class WorkClaim(Base):
    """A unit of scheduled work: who holds it until when, with which fencing token, and
    when its last finished run started (what makes it due again)."""

    __tablename__ = "work_claims"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), default="", server_default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """The lease's end: free for anyone once it has passed (a crashed holder renews no more)."""
    fence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised by one at each claim; a write carrying an older one is refused."""
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the last run that finished started; None: never finished (due at once)."""
