"""A tiny hand-made org for detector tests: rows whose numbers can be checked by eye.

Four teams of six people in UTC, one product repository each, 20 weeks to END. Every person
opens two PRs a week (Tue/Wed/Thu 09:30 + a few minutes); a teammate reviews and approves
after `wait` hours inside the working day, so working hours equal wall-clock hours; the PR
merges 30 minutes later (two in five a few days later: a release train). Knobs plant one
phenomenon at a time. The same rows feed frames (`org_data`) and the store (`fill_store`),
so detector logic and the end-to-end path are tested on one picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.context import OrgContext, RepoInfo, TeamContext
from analytics.frames import empty, frame
from analytics.insights.data import NEEDS, OrgData

END = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
WEEKS = 20
WEEK = "2026-W47"  # the last full week before END


@dataclass
class Knobs:
    """What to plant. Waits are median hours to first review (inside the working day)."""

    wait: dict[str, float] = field(default_factory=dict)  # team -> median wait (default 1.5)
    shift_team: str | None = None  # review wait changes from week `shift_week` on ...
    shift_week: int = 10
    shift_factor: float = 0.3  # ... multiplied by this
    night_team: str | None = None  # after-hours commits rise in the last 8 weeks
    stall_team: str | None = None  # 40 % of PRs never get a review (left open)
    concentrate_team: str | None = None  # two people give every review
    sizes: dict[str, int] = field(default_factory=dict)  # team -> people (default 6)
    teams: tuple[str, ...] = ("team-a", "team-b", "team-c", "team-d")


def org(knobs: Knobs) -> OrgContext:
    return OrgContext(
        teams=tuple(
            TeamContext(
                slug=t,
                name=t,
                member_keys=frozenset(f"{t}-p{i}" for i in range(knobs.sizes.get(t, 6))),
                repos=(RepoInfo(f"acme/{t}-api", "product"),),
            )
            for t in knobs.teams
        )
    )


def rows(knobs: Knobs, seed: int = 1) -> dict[str, list[dict[str, Any]]]:
    """PR, review, commit and person rows of the synthetic org."""
    rng = np.random.default_rng(seed)
    start = END - timedelta(weeks=WEEKS)
    prs: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    commits: list[dict[str, Any]] = []
    people = []
    for t in knobs.teams:
        size = knobs.sizes.get(t, 6)
        members = [f"{t}-p{i}" for i in range(size)]
        people += [{"key": k, "is_bot": False, "tz": "UTC"} for k in members]
        repo = f"acme/{t}-api"
        number = 0
        for week in range(WEEKS):
            for a, author in enumerate(members):
                for j in range(2):
                    number += 1
                    day = start + timedelta(weeks=week, days=1 + (a + j) % 3)
                    created = day + timedelta(hours=9, minutes=30 + int(rng.integers(0, 20)))
                    wait = knobs.wait.get(t, 1.5)
                    if t == knobs.shift_team and week >= knobs.shift_week:
                        wait *= knobs.shift_factor
                    hours = float(min(rng.lognormal(np.log(wait), 0.5), 6.5))
                    stalled = t == knobs.stall_team and rng.random() < 0.4
                    reviewed = created + timedelta(hours=hours)
                    open_ = stalled
                    slow_merge = rng.random() < 0.4  # some wait days for a release train
                    delay = timedelta(days=float(rng.uniform(1, 6))) if slow_merge else timedelta(0)
                    merged = None if open_ else reviewed + timedelta(minutes=30) + delay
                    url = f"https://github.example/{repo}/pull/{number}"
                    prs.append(
                        {
                            "source": "github",
                            "repo": repo,
                            "number": number,
                            "url": url,
                            "title": f"feat: change {number}",
                            "author_key": author,
                            "author_is_bot": False,
                            "state": "open" if open_ else "merged",
                            "is_draft": False,
                            "head_ref": f"feature/x{number}",
                            "base_ref": "main",
                            "created_at": created,
                            "ready_at": None,
                            "first_commit_at": created - timedelta(hours=3),
                            "merged_at": merged,
                            "closed_at": merged,
                            "updated_at": merged or created,
                            "merge_commit_sha": None if open_ else f"{t}{number:06d}",
                            "additions": 40,
                            "deletions": 10,
                            "changed_files": 3,
                            "commit_count": 1,
                            "labels": [],
                        }
                    )
                    if not open_:
                        if t == knobs.concentrate_team:
                            reviewer = members[0] if author != members[0] else members[1]
                        else:
                            reviewer = members[(a + 1 + j) % size]
                        reviews.append(
                            {
                                "source": "github",
                                "repo": repo,
                                "pr_number": number,
                                "external_id": f"r{t}{number}",
                                "reviewer_key": reviewer,
                                "reviewer_is_bot": False,
                                "state": "approved",
                                "submitted_at": reviewed,
                                "submitted_utc_offset_min": 0,
                                "pr_author_key": author,
                            }
                        )
                    night = t == knobs.night_team and week >= WEEKS - 8 and rng.random() < 0.6
                    at = day + (timedelta(hours=22) if night else timedelta(hours=7, minutes=30))
                    commits.append(
                        {
                            "source": "github",
                            "repo": repo,
                            "pr_number": number,
                            "sha": f"c{t}{number:06d}",
                            "author_key": author,
                            "author_is_bot": False,
                            "authored_at": at + timedelta(hours=2),
                            "author_utc_offset_min": 0,
                            "additions": 40,
                            "deletions": 10,
                            "subject": "change",
                        }
                    )
    return {"prs": prs, "reviews": reviews, "commits": commits, "people": people}


def org_data(knobs: Knobs, seed: int = 1, as_of: datetime = END) -> OrgData:
    """The synthetic org as the frames detectors read (no database)."""
    r = rows(knobs, seed)
    frames: dict[str, pd.DataFrame] = {name: empty(name) for name in NEEDS}
    frames["prs"] = frame("prs", r["prs"])
    frames["reviews"] = frame("reviews", r["reviews"])
    frames["member_reviews"] = frame("member_reviews", r["reviews"])
    frames["commits"] = frame("commits", r["commits"])
    frames["people"] = frame("people", r["people"])
    o = org(knobs)
    return OrgData(o, o.teams, END - timedelta(weeks=WEEKS), as_of, as_of, frames)


def fill_store(engine: Any, knobs: Knobs, seed: int = 1) -> None:
    """Write the synthetic org's rows into a store (schema already created)."""
    from sqlalchemy import insert

    from store.models import Commit, Person, PullRequest, Review

    r = rows(knobs, seed)
    reviews = [{k: v for k, v in row.items() if k != "pr_author_key"} for row in r["reviews"]]
    with engine.begin() as conn:
        conn.execute(insert(Person), r["people"])
        conn.execute(insert(PullRequest), r["prs"])
        conn.execute(insert(Review), reviews)
        conn.execute(insert(Commit), r["commits"])
