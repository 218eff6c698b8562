"""Incidents, pages and work items: what broke, who was woken, what was planned and by when."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
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
    # the epic, project or milestone it belongs to (DeliveryTarget.key), and its own due date
    parent_key: Mapped[str | None] = mapped_column(String(100), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)


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


class WorkItemChange(Base):
    """A change to a work item other than its status, from the tracker's history.

    Kept for the causes of delay (issue 17): `field` is one of `assignee`, `description`,
    `summary`, `scope` (estimate or story points), `parent` (joined an epic or project),
    `sprint`, `flag` (flagged/blocked), `link`. `value` holds only a key (the parent's or the
    linked item's key, or "on"/"off" for a flag), never text or a person.
    """

    __tablename__ = "work_item_changes"
    __table_args__ = (UniqueConstraint("source", "item_external_id", "at", "field", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    item_external_id: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200), default="")


class WorkItemLink(Base):
    """A link between two work items: `blocks` (this item blocks `other_key`) or `relates`.

    "Is blocked by" is stored from the blocker's side, so one row says one fact.
    """

    __tablename__ = "work_item_links"
    __table_args__ = (UniqueConstraint("source", "item_key", "other_key", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(100), index=True)
    other_key: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryTarget(Base):
    """Something delivered as a whole by a date: a Jira epic, a Linear project or milestone.

    Work items point at it through `WorkItem.parent_key` == `key`. `target_on` is the date
    the team committed to (Jira `duedate`, Linear `targetDate`); without it nothing is
    forecast against a date, only the finish percentiles.
    """

    __tablename__ = "delivery_targets"
    __table_args__ = (UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # epic, project, milestone
    name: Mapped[str] = mapped_column(Text, default="")
    team_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    target_on: Mapped[date | None] = mapped_column(Date)
    status_category: Mapped[str] = mapped_column(String(32))  # new, indeterminate, done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
