"""Sync bookkeeping and what the bot said and heard: cursors, runs, insights, votes,
digests, annotations, experiments, the leader lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import JSONText, UTCDateTime


class SyncState(Base):
    """The bookmark of one (source, stream, partition); moves only with the rows it covers."""

    __tablename__ = "sync_state"
    __table_args__ = (UniqueConstraint("source", "stream", "partition"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    stream: Mapped[str] = mapped_column(String(64))
    partition: Mapped[str] = mapped_column(String(300), default="")
    cursor: Mapped[str | None] = mapped_column(String(200))
    extra: Mapped[Any] = mapped_column(JSONText, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SyncRun(Base):
    """The report of one sync: what it read, what it cost, how it ended."""

    __tablename__ = "sync_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32))  # running, ok, partial, failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    rate_limit_remaining: Mapped[int | None] = mapped_column(Integer)
    resume_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class InsightRow(Base):
    """A flagged insight as shown to a team; `payload` is the analytics Insight, serialised."""

    __tablename__ = "insights"
    __table_args__ = (Index("ix_insight_team_week", "team_slug", "week"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10))  # ISO week "2026-W47"
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    payload: Mapped[Any] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hidden_by: Mapped[str | None] = mapped_column(String(16))
    """None: shown. "snooze" or "threshold": found but kept out of the message by feedback,
    kept so the digest and App Home can say so and show it on request."""
    hidden_note: Mapped[str | None] = mapped_column(Text)


class FeedbackVote(Base):
    """A lead's thumbs-up (+1) or thumbs-down (-1) on an insight; one per voter, changeable."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("insight_id", "voter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("insights.id", ondelete="CASCADE"), index=True
    )
    team_slug: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    voter: Mapped[str] = mapped_column(String(64))  # Slack user id of a lead
    value: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(32))
    """Optional, asked after a thumbs-down: not_actionable, wrong, already_known, other."""
    note: Mapped[str | None] = mapped_column(Text)


class FindingSnooze(Base):
    """A lead's snooze of one finding (team, kind, subject) for weeks first..last (ISO week
    labels, inclusive); `ends_at`: when the finding is back (the digest after last_week)."""

    __tablename__ = "finding_snoozes"
    __table_args__ = (Index("ix_finding_snoozes_team_kind", "team_slug", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    insight_id: Mapped[str | None] = mapped_column(String(64))
    first_week: Mapped[str] = mapped_column(String(10))
    last_week: Mapped[str] = mapped_column(String(10))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestSent(Base):
    """One row per (team, week, audience): the unique key that makes digests exactly-once."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("team_slug", "week", "audience"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10))
    audience: Mapped[str] = mapped_column(String(32), default="team")
    channel: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # claimed, posted, failed, unsure
    message_ts: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The first claim ever: every attempt's message is in the channel after this instant."""
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    fence: Mapped[int | None] = mapped_column(Integer)
    """The scheduler leader's fencing token of the last write (None: written by the CLI)."""


class Annotation(Base):
    """A period that needs context ("security training"); optionally kept out of baselines."""

    __tablename__ = "annotations"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)  # None: whole org
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text)
    exclude_from_baseline: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Experiment(Base):
    """A process change run as an experiment: a metric compared before and after a date."""

    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("team_slug", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(64))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    change_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaderLock(Base):
    """A lease so that only one scheduler replica runs jobs (used where advisory locks are not)."""

    __tablename__ = "leader_locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised by one each time leadership changes hands; writes carrying an older one are
    refused (a leader that lost its lock without knowing it)."""
