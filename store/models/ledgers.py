"""Sync bookkeeping and what the bot said and heard: cursors, runs, insights, votes,
digests, annotations, experiments, the team pulse, the leader lock."""

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
    """A Slack user id (from `/metrics annotate`), or "cli"."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Experiment(Base):
    """A process change run as an experiment: a metric compared before and after a date,
    against control teams fixed when it starts (`plan`), reported at the end (`result`)."""

    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("team_slug", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(64))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    change_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """The Monday (team's zone) of the first week under the change."""
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The planned end: change_at + weeks."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    weeks: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    """running, stopped (ended early by a person) or reported (the final report is kept)."""
    created_by: Mapped[str | None] = mapped_column(String(64))
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_by: Mapped[str | None] = mapped_column(String(64))
    insight_id: Mapped[str | None] = mapped_column(String(64))
    """The insight it was started from (its button), if any."""
    plan: Mapped[Any] = mapped_column(JSONText, nullable=True)
    """What was fixed at the start: controls, pre-period, noise, minimum detectable effect."""
    result: Mapped[Any] = mapped_column(JSONText, nullable=True)
    """The last report (estimate, interval, placebo, pre-trend, verdict)."""


class PulseSalt(Base):
    """The per-team, per-week random salt of the pulse's dedup hashes; deleted (with the
    hashes) when the week closes, so no answer can be tied to a person afterwards."""

    __tablename__ = "pulse_salts"
    team_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class PulseVoter(Base):
    """One person answered this team's pulse this week: HMAC(salt, Slack user id) only, to
    refuse a second answer; no link to the answer itself. Deleted when the week closes."""

    __tablename__ = "pulse_voters"
    team_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    voter: Mapped[str] = mapped_column(String(64), primary_key=True)
    worded: Mapped[bool] = mapped_column(Boolean, default=False)


class PulseAnswer(Base):
    """One 1–5 answer of an open week: a random id, no person, no time. Folded into
    `pulse_weeks` and deleted when the week closes."""

    __tablename__ = "pulse_answers"
    __table_args__ = (Index("ix_pulse_answers_team_week", "team_slug", "week"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)


class PulseWord(Base):
    """One optional word of an open week, kept apart from the scores (not linked to one)."""

    __tablename__ = "pulse_words"
    __table_args__ = (Index("ix_pulse_words_team_week", "team_slug", "week"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10))
    word: Mapped[str] = mapped_column(String(40))


class PulseWeek(Base):
    """A closed week of a team's pulse: how many answered and, only when enough people did,
    the count per score and the words (with their counts); nothing per person or answer."""

    __tablename__ = "pulse_weeks"
    team_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer)
    scores: Mapped[Any] = mapped_column(JSONText, nullable=True)
    """{"1": n1, ..., "5": n5}; None when fewer than the minimum group answered."""
    words: Mapped[Any] = mapped_column(JSONText, nullable=True)
    """{word: count}; None when fewer than the minimum group answered."""
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaderLock(Base):
    """A lease so that only one scheduler replica runs jobs (used where advisory locks are not)."""

    __tablename__ = "leader_locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised by one each time leadership changes hands; writes carrying an older one are
    refused (a leader that lost its lock without knowing it)."""
