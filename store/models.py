"""The shared schema: every delivery signal, sync bookkeeping, and what the bot said and heard.

Rows are keyed by natural keys (source + the source's own id) so that re-reading a window
upserts in place instead of duplicating. People appear only as pseudonymous keys (a keyed
hash of a source identity, see `store.people`); no table holds a login or a display name.
Times are timezone-aware UTC instants (`UTCDateTime`); where a local time matters (after-hours
work), the original UTC offset is kept beside it in minutes.
"""

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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import JSONText, UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of every metrics-bot table."""


# --- the organisation, as configured -------------------------------------------------------


class Team(Base):
    """A team as configured; refreshed from the YAML config on every start."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str] = mapped_column(String(64))
    config: Mapped[Any] = mapped_column(JSONText, default=dict)


class Person(Base):
    """A pseudonymous identity. `key` is an HMAC of "source:identity" (see store.people)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    tz: Mapped[str | None] = mapped_column(String(64))


class TeamMember(Base):
    """Which pseudonymous identities belong to which team (from the config's members)."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_slug", "person_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_slug: Mapped[str] = mapped_column(String(64), index=True)
    person_key: Mapped[str] = mapped_column(String(64), index=True)


class Repository(Base):
    """A repository or GitLab project, with its owning team and kind (product, legacy...)."""

    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("source", "full_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str] = mapped_column(String(300))
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="product")
    default_branch: Mapped[str | None] = mapped_column(String(200))


# --- code review and delivery --------------------------------------------------------------


class PullRequest(Base):
    """A pull or merge request; it counts for its author's team (DESIGN.md, ownership)."""

    __tablename__ = "pull_requests"
    __table_args__ = (
        UniqueConstraint("source", "repo", "number"),
        Index("ix_pr_team_merged", "team_slug", "merged_at"),
        Index("ix_pr_team_created", "team_slug", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300))
    number: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(Text, default="")
    author_key: Mapped[str | None] = mapped_column(String(64), index=True)
    author_is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    team_slug: Mapped[str | None] = mapped_column(String(64))
    head_ref: Mapped[str | None] = mapped_column(String(300))
    base_ref: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16))  # open, closed, merged
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_commit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merge_commit_sha: Mapped[str | None] = mapped_column(String(64), index=True)
    additions: Mapped[int] = mapped_column(Integer, default=0)
    deletions: Mapped[int] = mapped_column(Integer, default=0)
    changed_files: Mapped[int] = mapped_column(Integer, default=0)
    commit_count: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[Any] = mapped_column(JSONText, default=list)
    reverts_number: Mapped[int | None] = mapped_column(Integer)


class Commit(Base):
    """A commit of a pull request; the author's UTC offset is kept for after-hours figures."""

    __tablename__ = "commits"
    __table_args__ = (UniqueConstraint("source", "repo", "pr_number", "sha"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300))
    pr_number: Mapped[int] = mapped_column(Integer)
    sha: Mapped[str] = mapped_column(String(64))
    author_key: Mapped[str | None] = mapped_column(String(64), index=True)
    author_is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    authored_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    author_utc_offset_min: Mapped[int | None] = mapped_column(Integer)
    additions: Mapped[int] = mapped_column(Integer, default=0)
    deletions: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(Text, default="")


class Review(Base):
    """A submitted review (approved, changes requested, commented, dismissed)."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("source", "repo", "pr_number", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300))
    pr_number: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(100))
    reviewer_key: Mapped[str | None] = mapped_column(String(64), index=True)
    reviewer_is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    submitted_utc_offset_min: Mapped[int | None] = mapped_column(Integer)


class ReviewRequest(Base):
    """Someone was asked to review a pull request."""

    __tablename__ = "review_requests"
    __table_args__ = (
        UniqueConstraint("source", "repo", "pr_number", "reviewer_key", "requested_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300))
    pr_number: Mapped[int] = mapped_column(Integer)
    reviewer_key: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrEvent(Base):
    """Timeline events: ready_for_review, convert_to_draft, closed, reopened, merged."""

    __tablename__ = "pr_events"
    __table_args__ = (UniqueConstraint("source", "repo", "pr_number", "kind", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300))
    pr_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Deployment(Base):
    """A deployment; it belongs to the team owning its repository or service."""

    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_deploy_repo_env_finished", "repo", "environment", "finished_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    repo: Mapped[str | None] = mapped_column(String(300))
    service: Mapped[str | None] = mapped_column(String(200))
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    environment: Mapped[str] = mapped_column(String(100))
    sha: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))  # success, failure, in_progress, ...
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    url: Mapped[str | None] = mapped_column(String(500))
    # the sender's version of a webhook update (None from sources): older ones are refused
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Incident(Base):
    """An incident (PagerDuty, a labelled issue, or a webhook) on a service or repository."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    service: Mapped[str | None] = mapped_column(String(200))
    repo: Mapped[str | None] = mapped_column(String(300))
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    url: Mapped[str | None] = mapped_column(String(500))
    # the sender's version of a webhook update (None from sources): older ones are refused
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Page(Base):
    """A page that reached a responder (for out-of-hours paging, team-level only)."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    incident_external_id: Mapped[str] = mapped_column(String(100), index=True)
    responder_key: Mapped[str | None] = mapped_column(String(64))
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkItem(Base):
    """An issue from Jira or Linear (or GitHub issues), with its type and status category."""

    __tablename__ = "work_items"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    project: Mapped[str] = mapped_column(String(100), index=True)
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    item_type: Mapped[str | None] = mapped_column(String(100))
    labels: Mapped[Any] = mapped_column(JSONText, default=list)
    status: Mapped[str] = mapped_column(String(100))
    status_category: Mapped[str] = mapped_column(String(32))  # new, indeterminate, done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_key: Mapped[str | None] = mapped_column(String(64))


class WorkItemTransition(Base):
    """A status change of a work item, with the categories it moved between."""

    __tablename__ = "work_item_transitions"
    __table_args__ = (UniqueConstraint("source", "item_external_id", "at", "to_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    item_external_id: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(100))
    to_status: Mapped[str] = mapped_column(String(100))
    from_category: Mapped[str | None] = mapped_column(String(32))
    to_category: Mapped[str | None] = mapped_column(String(32))


class CiRun(Base):
    """A CI/CD run (GitHub Actions workflow run, GitLab pipeline)."""

    __tablename__ = "ci_runs"
    __table_args__ = (UniqueConstraint("source", "repo", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    head_sha: Mapped[str | None] = mapped_column(String(64))
    branch: Mapped[str | None] = mapped_column(String(300))
    event: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    conclusion: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempt: Mapped[int] = mapped_column(Integer, default=1)


class Release(Base):
    """A published release."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("source", "repo", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    repo: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str] = mapped_column(String(100))
    tag: Mapped[str] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- sync bookkeeping ------------------------------------------------------------------------


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


# --- what the bot said and heard -------------------------------------------------------------


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
