"""A hand-made store for the diagnosis tests: two teams of six in UTC (09:00-17:00), 20
weeks of PRs made ready Monday to Thursday at 10:xx and first reviewed the same day, so a
PR's time to first review in working hours is its wait in hours, known here exactly.

team-a's PRs got larger in the last 4 weeks (70 % large against 20 %), and large PRs wait
longer; nothing else moves (same PRs per week, reviews rotate evenly, no rounds). team-b
stays as it was. Each PR's row is kept (`Row`) so a test can recompute by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert

from analytics.context import OrgContext, RepoInfo, Thresholds
from store.models import Commit, Person, PullRequest, Review
from tests.analytics.helpers import team

END = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday: the week asked is 2026-W47
WEEK = "2026-W47"
WEEKS = 20
RECENT = 4  # the detectors' recent window


@dataclass(frozen=True)
class Row:
    team: str
    ready: datetime
    wait: float  # hours to the first review (working = wall: same working day)
    size: int
    week: int  # 0 = the first of the 20 weeks


def teams(sizes: dict[str, int] | None = None) -> OrgContext:
    sizes = sizes or {}
    out = []
    for slug in ("team-a", "team-b"):
        n = sizes.get(slug, 6)
        out.append(
            team(
                slug,
                members=[f"{slug}-p{i}" for i in range(n)],
                repos=(RepoInfo(f"acme/{slug}"),),
                services=(slug,),
            )
        )
    return OrgContext(teams=tuple(out), thresholds=Thresholds())


def rows(
    org: OrgContext, seed: int = 3, large_always: frozenset[str] = frozenset()
) -> list[tuple[Row, dict[str, Any], dict[str, Any]]]:
    """(Row, PR row, review row) per PR; teams in `large_always` make 70 % large PRs in
    every week (slower than a peer, flat against their own history)."""
    rng = np.random.default_rng(seed)
    start = END - timedelta(weeks=WEEKS)
    out = []
    for t in org.teams:
        members = sorted(t.member_keys)
        number = 0
        for week in range(WEEKS):
            recent = week >= WEEKS - RECENT
            for a, author in enumerate(members):
                for j in range(2):
                    number += 1
                    grew = recent and t.slug == "team-a" and not large_always
                    large_p = 0.7 if (grew or t.slug in large_always) else 0.2
                    large = bool(rng.random() < large_p)
                    size = int(rng.integers(300, 900) if large else rng.integers(20, 80))
                    wait = float(min(rng.lognormal(np.log(4.0 if large else 1.5), 0.3), 6.0))
                    day = start + timedelta(weeks=week, days=(a + j) % 4)
                    ready = day + timedelta(hours=10, minutes=int(rng.integers(0, 30)))
                    reviewed = ready + timedelta(hours=wait)
                    repo = f"acme/{t.slug}"
                    reviewer = members[(a + 1 + (week + j) % (len(members) - 1)) % len(members)]
                    pr = {
                        "source": "github",
                        "repo": repo,
                        "number": number,
                        "url": f"https://github.example/{repo}/pull/{number}",
                        "title": f"change {number}",
                        "author_key": author,
                        "author_is_bot": False,
                        "state": "merged",
                        "is_draft": False,
                        "created_at": ready,
                        "ready_at": None,
                        "first_commit_at": ready - timedelta(hours=2),
                        "merged_at": reviewed + timedelta(minutes=30),
                        "closed_at": reviewed + timedelta(minutes=30),
                        "updated_at": reviewed + timedelta(minutes=30),
                        "additions": size - size // 5,
                        "deletions": size // 5,
                        "labels": [],
                    }
                    review = {
                        "source": "github",
                        "repo": repo,
                        "pr_number": number,
                        "external_id": f"r-{t.slug}-{number}",
                        "reviewer_key": reviewer,
                        "reviewer_is_bot": False,
                        "state": "approved",
                        "submitted_at": reviewed,
                        "submitted_utc_offset_min": 0,
                    }
                    out.append((Row(t.slug, ready, wait, size, week), pr, review))
    return out


def fill(
    engine: Engine, org: OrgContext, seed: int = 3, large_always: frozenset[str] = frozenset()
) -> list[Row]:
    """Write the PRs, reviews, one commit per PR and the people; returns the rows."""
    made = rows(org, seed, large_always)
    people = [{"key": k, "is_bot": False, "tz": "UTC"} for t in org.teams for k in t.member_keys]
    commits = [
        {
            "source": "github",
            "repo": pr["repo"],
            "pr_number": pr["number"],
            "sha": f"{pr['repo']}-{pr['number']}",
            "author_key": pr["author_key"],
            "author_is_bot": False,
            "authored_at": pr["first_commit_at"],
            "additions": pr["additions"],
            "deletions": pr["deletions"],
        }
        for _, pr, _ in made
    ]
    with engine.begin() as conn:
        conn.execute(insert(Person), people)
        conn.execute(insert(PullRequest), [pr for _, pr, _ in made])
        conn.execute(insert(Review), [r for _, _, r in made])
        conn.execute(insert(Commit), commits)
    return [r for r, _, _ in made]
