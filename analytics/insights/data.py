"""What detectors look at: the org's frames for a history window, turned into per-item rows.

Loaded once per `detect_all` call (every team at once, so peers come for free) through
`analytics.load` (the only SQL) and the metric functions of `analytics.metrics`, which keep
the canonical definitions. Each item frame has `team`, `at`, `value`, `excluded`, `ref`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analytics import loaders, ownership, plan
from analytics.calendar import shift_weeks, to_ns, week_bounds
from analytics.context import OrgContext, TeamContext, WorkCalendar
from analytics.insights.teamrows import team_rows
from analytics.items import deployed_names
from analytics.metrics import dora, flow, health
from analytics.persons import as_persons

T = TypeVar("T")

HISTORY_WEEKS = 20  # recent weeks + 8-12-week baseline + room for a change point
RECENT_WEEKS = 4  # the window a finding is about (ending with the digest's week)
NEEDS = (
    "prs",
    "reviews",
    "review_requests",
    "commits",
    "member_reviews",
    "deployments",
    "pr_deployments",
    "incidents",
    "pages",
    "ci_runs",
    "people",
    "annotations",
)

ORDER: dict[str, tuple[str, ...]] = {
    "prs": ("repo", "number", "source"),
    "reviews": ("repo", "pr_number", "submitted_at", "reviewer_key", "state", "source"),
    "member_reviews": ("repo", "pr_number", "submitted_at", "reviewer_key", "state", "source"),
    "review_requests": ("repo", "pr_number", "requested_at", "reviewer_key", "source"),
    "commits": ("repo", "sha", "pr_number", "source"),
    "deployments": ("source", "external_id"),
    "pr_deployments": ("source", "external_id"),
    "incidents": ("source", "external_id"),
    "pages": ("source", "external_id"),
    "ci_runs": ("source", "repo", "external_id", "attempt"),
    "people": ("key",),
    "annotations": ("starts_at", "ends_at", "team_slug", "note"),
}
"""Each frame's rows in one order, whatever order the store returned them in: a seeded
bootstrap resamples rows by position, and ties in a ranking fall to row order, so without
this the same rows stored in another order gave other intervals and other stall picks."""


def in_order(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """`frames` with each frame's rows sorted by its ORDER columns (those it has)."""
    out = dict(frames)
    for name, keys in ORDER.items():
        df = out.get(name)
        cols = [k for k in keys if df is not None and k in df.columns]
        if df is not None and len(df) > 1 and cols:
            out[name] = df.sort_values(cols, kind="stable").reset_index(drop=True)
    return out


@dataclass(frozen=True)
class TeamWeeks:
    """A team's weekly grid in its own zone: `edges` are HISTORY_WEEKS + 1 week starts, the
    last week being the digest's; `recent` the index of the first recent week."""

    team: str
    week: str
    edges: tuple[datetime, ...]

    @property
    def n(self) -> int:
        return len(self.edges) - 1

    @property
    def recent(self) -> int:
        return self.n - RECENT_WEEKS

    @property
    def recent_start(self) -> datetime:
        return self.edges[self.recent]

    @property
    def end(self) -> datetime:
        return self.edges[-1]

    def ns(self) -> np.ndarray:
        return to_ns(list(self.edges))

    def bucket(self, at: pd.Series) -> np.ndarray:
        """Week index of each instant (-1 outside the grid)."""
        e = self.ns()
        t = np.asarray(pd.DatetimeIndex(at).asi8, dtype="int64")
        pos = np.searchsorted(e, t, side="right") - 1
        pos[(pos < 0) | (pos >= len(e) - 1) | pd.isna(at).to_numpy()] = -1
        return pos


def team_weeks(team: TeamContext, week: str, n: int = HISTORY_WEEKS) -> TeamWeeks:
    _, end = week_bounds(week, team.tz)
    return TeamWeeks(
        team.slug, week, tuple(shift_weeks(end, -k, team.tz) for k in range(n, -1, -1))
    )


@dataclass
class OrgData:
    """Every frame and item table detectors need, for the teams loaded, over [start, end)."""

    org: OrgContext
    teams: tuple[TeamContext, ...]
    start: datetime
    end: datetime
    as_of: datetime
    frames: dict[str, pd.DataFrame]
    urls: dict[str, str] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)  # `once`: shared, read-only results
    synced: dict[str, datetime] = field(default_factory=dict)
    """Per source, the start of its last successful sync (`loaders.sync_horizons`): where
    its data stops. Empty when the store has no sync log (rows written directly)."""

    @property
    def bots(self) -> frozenset[str]:
        p = self.frames["people"]
        return frozenset(p.loc[p["is_bot"], "key"].astype(str))

    @property
    def calendars(self) -> dict[str, WorkCalendar]:
        return {t.slug: t.calendar for t in self.teams}

    def once(self, name: str, build: Callable[[], T]) -> T:
        """`build()` the first time `name` is asked of this load, the same object after."""
        if name not in self.memo:
            self.memo[name] = build()
        return cast(T, self.memo[name])

    # --- owned frames ---------------------------------------------------------------------

    def prs(self) -> pd.DataFrame:
        """PRs with `team` (author's team) and `ref`; only those created before as_of. In
        (repo, number, source) order, not the order the store returned them in: everything
        built on it (the stall model's rows, rankings, evidence) is the same for the same
        rows however they were stored."""

        def build() -> pd.DataFrame:
            df = ownership.by_member(self.frames["prs"], "author_key", self.teams)
            df = df[df["created_at"] < self.as_of]
            df = df.sort_values(["repo", "number", "source"], kind="stable")
            df = df.reset_index(drop=True)
            df["ref"] = df["repo"].astype(str) + "#" + df["number"].astype(str)
            return df

        return self.once("prs", build)

    def deployments(self) -> pd.DataFrame:
        """Successful production deployments owned by the teams (`team`, `ownership`)."""

        def build() -> pd.DataFrame:
            prod = dora.production_deployments(self.frames["deployments"], self.org.thresholds)
            return ownership.by_service_or_repo(prod, self.teams, self.org.teams)

        return self.once("deployments", build)

    def all_deployments(self) -> pd.DataFrame:
        """Every owned deployment (any status) in production environments."""

        def build() -> pd.DataFrame:
            d = self.frames["deployments"]
            env = d["environment"].fillna("").astype(str).str.strip().str.lower()
            d = d[env.isin([e.lower() for e in self.org.thresholds.production_environments])]
            return ownership.by_service_or_repo(d, self.teams, self.org.teams)

        return self.once("all_deployments", build)

    def attributed(self) -> pd.DataFrame:
        """Every loaded incident with the production deployment it is attributed to, among
        every loaded deployment whoever owns it (as the engine's change failure rate)."""

        def build() -> pd.DataFrame:
            th = self.org.thresholds
            every = ownership.with_owners(self.frames["deployments"], self.org.teams)
            incidents = ownership.with_owners(self.frames["incidents"], self.org.teams)
            deployed = deployed_names(self.frames)
            prod = dora.production_deployments(every, th)
            return dora.attribute_incidents(prod, incidents, th.incident_window, deployed)

        return self.once("attributed", build)

    def incidents(self) -> pd.DataFrame:
        return self.once(
            "incidents",
            lambda: ownership.by_service_or_repo(
                self.frames["incidents"], self.teams, self.org.teams
            ),
        )

    def pages(self) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            p = self.frames["pages"].rename(columns={"team_slug": "page_team_slug"})
            p = p.rename(columns={"incident_team_slug": "team_slug"})
            return ownership.by_service_or_repo(p, self.teams, self.org.teams)

        return self.once("pages", build)

    def ci_runs(self) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            owner = {r: t.slug for t in self.teams for r in t.repo_names}
            runs = self.frames["ci_runs"].copy()
            runs["team"] = runs["repo"].map(owner)
            return runs[runs["team"].notna()].reset_index(drop=True)

        return self.once("ci_runs", build)

    # --- item tables (one row per observation, canonical definitions) ---------------------

    def review_time(self, clock: str = "working") -> pd.DataFrame:
        """Time to first review per PR (`value` hours on `clock`), `at` = ready moment."""
        return self.once(
            f"review_time_{clock}",
            lambda: flow.review_time_items(
                self.prs(), self.frames["reviews"], self.calendars, clock, self.bots
            ),
        )

    def lead_time_links(self) -> pd.DataFrame:
        """The production deployment that shipped each merged PR (exact or fallback link)."""

        def build() -> pd.DataFrame:
            prod = dora.production_deployments(self.frames["pr_deployments"], self.org.thresholds)
            return dora.link_prs_to_deployments(self.prs(), prod)

        return self.once("links", build)

    def lead_time(self) -> pd.DataFrame:
        """Lead time per merged PR with its stages (wall-clock hours), `at` = deployed."""
        return self.once(
            "lead_time",
            lambda: dora.lead_time_items(
                self.prs(),
                self.frames["reviews"],
                self.frames["commits"],
                self.lead_time_links(),
                self.bots,
            ),
        )

    def pr_size(self) -> pd.DataFrame:
        return self.once(
            "pr_size",
            lambda: flow.pr_size_items(self.prs(), self.org.thresholds.pr_size_buckets),
        )

    def throughput(self) -> pd.DataFrame:
        return self.once("throughput", lambda: flow.throughput_items(self.prs()))

    def activity(self) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            commits = ownership.by_member(self.frames["commits"], "author_key", self.teams)
            reviews = ownership.by_member(self.frames["member_reviews"], "reviewer_key", self.teams)
            return health.activity_items(
                commits, reviews, self.frames["people"], self.calendars, self.bots
            )

        return self.once("activity", build)

    def review_load(self) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            reviews = ownership.by_member(self.frames["member_reviews"], "reviewer_key", self.teams)
            return health.review_load_items(reviews, self.activity(), self.bots)

        return self.once("review_load", build)

    def page_items(self) -> pd.DataFrame:
        return self.once(
            "page_items",
            lambda: health.page_items(self.pages(), self.frames["people"], self.calendars),
        )

    def active_people(self, team: str, since: datetime | None = None) -> int:
        """How many people of the team committed or reviewed (since `since`), counted as
        persons: the frames hold one key per person (`analytics.persons`)."""
        return len(self.org.team(team).member_keys & self.active_keys(since))

    def active_keys(self, since: datetime | None = None) -> frozenset[str]:
        """Everyone who committed or reviewed (since `since`): one pass over the frames per
        run and `since`, shared by every team's count (not one `isin` per team)."""

        def build() -> frozenset[str]:
            active: set[str] = set()
            for frame, key, when in (
                (self.frames["commits"], "author_key", "authored_at"),
                (self.frames["member_reviews"], "reviewer_key", "submitted_at"),
            ):
                keys = frame[key] if since is None else frame.loc[frame[when] >= since, key]
                active.update(k for k in keys.unique() if isinstance(k, str))
            return frozenset(active)

        return self.once(f"active_keys:{since.isoformat() if since is not None else ''}", build)

    def annotations(self, team: str) -> pd.DataFrame:
        a = self.frames["annotations"]
        return a[a["team_slug"].isna() | (a["team_slug"] == team)].reset_index(drop=True)

    def url(self, ref: str) -> str | None:
        """The web address of a PR ("repo#number"), deployment or incident id."""
        if not self.urls:
            prs = self.prs()
            self.urls.update(zip(prs["ref"], prs["url"], strict=True))
            for frame in (self.frames["deployments"], self.frames["incidents"]):
                self.urls.update(zip(frame["external_id"], frame["url"], strict=True))
        value = self.urls.get(ref)
        return value if isinstance(value, str) and value else None


def load_org(
    engine: Engine,
    org: OrgContext,
    teams: Sequence[TeamContext],
    week: str,
    as_of: datetime,
    history_weeks: int = HISTORY_WEEKS,
) -> OrgData:
    """Frames of `teams` over the history window ending with `week` (capped at `as_of`)."""
    grids = [team_weeks(t, week, history_weeks) for t in teams]
    start = min(g.edges[0] for g in grids)
    end = min(max(g.end for g in grids), as_of)
    loaded = plan.read(
        engine,
        needs=NEEDS,
        teams=tuple(teams),
        start=start,
        end=end,
        as_of=end,
        thresholds=org.thresholds,
        commits_of_prs=False,
        unordered=True,  # put in ORDER below
    )  # lead time's PRs from as far back as their deployments need (`analytics.horizon`)
    data = OrgData(org, tuple(teams), start, end, as_of, in_order(as_persons(loaded, org)))
    data.synced.update(loaders.sync_horizons(engine))
    return data


def weekly(
    items: pd.DataFrame,
    grid: TeamWeeks,
    how: str = "median",
    min_n: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(value per week, n per week) of the team's included items on its grid.

    `how`: median, mean, sum or count; weeks with fewer than `min_n` items are NaN
    (count and sum weeks are 0 when empty)."""
    vals = np.full(grid.n, np.nan)
    ns = np.zeros(grid.n, dtype="int64")
    sub = included(items, grid.team)
    b = grid.bucket(sub["at"]) if len(sub) else np.array([], dtype="int64")
    v = sub["value"].to_numpy(dtype="float64") if len(sub) else np.array([])
    for k in range(grid.n):
        sel = v[b == k]
        sel = sel[np.isfinite(sel)]
        ns[k] = sel.size
        if how == "count":
            vals[k] = float(sel.size)
        elif how == "sum":
            vals[k] = float(sel.sum())
        elif sel.size >= min_n:
            vals[k] = float(np.median(sel) if how == "median" else np.mean(sel))
    return vals, ns


def included(items: pd.DataFrame, team: str) -> pd.DataFrame:
    """The team's rows that count (not excluded)."""
    if items.empty:
        return items
    rows = team_rows(items, team)
    if rows is None:
        return items[(items["team"] == team) & items["excluded"].isna()]
    return items.take(rows[pd.isna(items["excluded"].to_numpy()[rows])])  # one copy


def between(items: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """Rows with `at` in [start, end)."""
    if items.empty:
        return items
    at = items["at"]
    return items[(at >= pd.Timestamp(start)) & (at < pd.Timestamp(end))]
