"""Incidents, pages and work items: what broke, who was woken, what was planned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import JSONText, UTCDateTime


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
