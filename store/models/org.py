"""The organisation as configured: teams, pseudonymous people, membership, repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.types import JSONText


class Team(Base):
    """A team as configured; refreshed from the YAML config on every start."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str] = mapped_column(String(64))
    config: Mapped[Any] = mapped_column(JSONText, default=dict)


class Person(Base):
    """A pseudonymous identity. `key` is an HMAC of "source:identity" (see store.people).

    `tz` is the identity's IANA time zone and `tz_source` where it came from: "config" (the
    member's `tz` in the config) or the source that published it ("jira", "pagerduty").
    A config zone is never overwritten by a source (store/zones.py)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_source: Mapped[str | None] = mapped_column(String(32))


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
