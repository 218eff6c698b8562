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


OTHER_AUTHORS = ("carol", "dave")
"""Who else does each pull request in `by_three`: members of `team()`, never its reviewer bob."""


def by_three(
    f: Mapping[str, pd.DataFrame], offset: int = 100, authors: tuple[str, str] = OTHER_AUTHORS
) -> dict[str, pd.DataFrame]:
    """`f` with every pull request done three times: as it is, and by each of `authors`
    (carol and dave unless they review in the case), numbers +`offset` and +2 `offset`, each
    copy with its reviews, commits and the production deployments of its merge commit.
    Every median, share and stage stays what one PR gives, counts triple, and three people
    are behind the figure: what the work floor needs before it shows a figure built from
    people's work (a one-PR case is one person's number). A review or commit by the PR's
    own author moves to the copy's author (a self-review stays one)."""
    out = dict(f)
    prs = f["prs"]
    copies = []
    for k, who in enumerate(authors, start=1):
        own = dict(zip(prs["number"], prs["author_key"], strict=True))
        suffix = f"~{k}"
        p = prs.assign(number=prs["number"] + k * offset, author_key=who)
        p["merge_commit_sha"] = prs["merge_commit_sha"].map(
            lambda s, x=suffix: None if s is None or pd.isna(s) else f"{s}{x}"
        )
        copies.append(("prs", p))
        for name, person in (("reviews", "reviewer_key"), ("commits", "author_key")):
            if name not in f:
                continue
            rows = f[name][f[name]["pr_number"].isin(own)].copy()
            mine = rows[person].to_numpy() == rows["pr_number"].map(own).to_numpy()
            rows.loc[mine, person] = who
            if "pr_author_key" in rows:
                rows["pr_author_key"] = who
            rows["pr_number"] = rows["pr_number"] + k * offset
            if "sha" in rows:
                rows["sha"] = rows["sha"].astype(str) + suffix
            copies.append((name, rows))
        if "pr_deployments" in f:
            shas = set(prs["merge_commit_sha"].dropna())
            d = f["pr_deployments"][f["pr_deployments"]["sha"].isin(shas)].copy()
            d["sha"] = d["sha"] + suffix
            d["external_id"] = d["external_id"] + suffix
            copies.append(("pr_deployments", d))
    for name, rows in copies:
        out[name] = pd.concat([out[name], rows], ignore_index=True)
    return out
