"""Tiny builders for hand-computed frames and org contexts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd

from analytics.calendar import WorkCalendar
from analytics.context import OrgContext, RepoInfo, TeamContext, Thresholds
from analytics.frames import frame

T = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def team(
    slug: str = "team-a",
    members: Iterable[str] = ("alice", "bob", "carol", "dave", "erin"),
    tz: str = "UTC",
    services: tuple[str, ...] = ("api",),
    repos: tuple[RepoInfo, ...] = (RepoInfo("org/api"),),
    **kw: Any,
) -> TeamContext:
    return TeamContext(
        slug=slug,
        name=slug.title(),
        calendar=WorkCalendar(
            tz,
            kw.pop("working_days", (1, 2, 3, 4, 5)),
            kw.pop("work_start", time(9)),
            kw.pop("work_end", time(17)),
        ),
        member_keys=frozenset(members),
        services=services,
        repos=repos,
        **kw,
    )


def org(*teams: TeamContext, window: timedelta | None = timedelta(hours=24)) -> OrgContext:
    return OrgContext(teams=teams or (team(),), thresholds=Thresholds(incident_window=window))


def frames(**named: Iterable[Mapping[str, Any]]) -> dict[str, pd.DataFrame]:
    return {name: frame(name, rows) for name, rows in named.items()}


def pr(number: int, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source": "github",
        "repo": "org/api",
        "number": number,
        "title": f"change {number}",
        "author_key": "alice",
        "state": "merged" if kw.get("merged_at") else "open",
        "created_at": kw.get("ready_at") or kw.get("merged_at") or T,
        "additions": 10,
        "deletions": 5,
    }
    base.update(kw)
    return base


def review(
    number: int,
    at: datetime,
    reviewer: str = "bob",
    state: str = "APPROVED",
    author: str = "alice",
    bot: bool = False,
    **kw: Any,
) -> dict[str, Any]:
    return {
        "source": "github",
        "repo": "org/api",
        "pr_number": number,
        "reviewer_key": reviewer,
        "reviewer_is_bot": bot,
        "state": state,
        "submitted_at": at,
        "pr_author_key": author,
        **kw,
    }


def deploy(ext: str, at: datetime, sha: str | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "source": "github",
        "external_id": ext,
        "repo": "org/api",
        "service": "api",
        "environment": "production",
        "status": "success",
        "sha": sha,
        "created_at": at - timedelta(minutes=5),
        "finished_at": at,
        **kw,
    }


def incident(
    ext: str, start: datetime, resolved: datetime | None = None, **kw: Any
) -> dict[str, Any]:
    return {
        "source": "pagerduty",
        "external_id": ext,
        "service": "api",
        "started_at": start,
        "resolved_at": resolved,
        **kw,
    }
