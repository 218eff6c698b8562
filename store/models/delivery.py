"""Code review and delivery: pull requests, commits, reviews, deployments, CI, releases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import JSONText, UTCDateTime


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
        # CFR and recovery ask "did this paging service ever deploy?" by service name
        Index("ix_deploy_service_finished", "service", "finished_at"),
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
