"""One detector load of the org for the runs of one firing whose as-of instants differ.

The digests of a week are built per as-of instant (each zone's week ends at its own
midnight), and each run's detectors look at the whole org. Their loads differ only by the
hours of rows at the end, so the first run reads the org once up to the latest as-of and
every run takes a view of it clipped exactly to its own: each frame's rows filtered in
memory by the same conditions its loader puts in SQL (`analytics.loaders`,
`analytics.shared_loaders`), over the windows `analytics.plan` gives that as-of. A figure
for a period never depends on how far the load reached: the clipped view equals the frames
`load_org` reads at that as-of (tests/analytics/insights/test_shared_load.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analytics import horizon, load, loaders, plan
from analytics.context import OrgContext, TeamContext
from analytics.insights.data import (
    HISTORY_WEEKS,
    NEEDS,
    OrgData,
    in_order,
    team_weeks,
)
from analytics.persons import as_persons

Span = tuple[datetime, datetime]
_KEY = ["source", "repo", "number"]
_PR_KEY = ["source", "repo", "pr_number"]
_OF_PRS = {"reviews": "submitted_at", "review_requests": "requested_at"}
"""Frames read through their PRs (the `prs` frame's), with the instant each is capped by."""


def _bounds(teams: Sequence[TeamContext], week: str, as_of: datetime) -> Span:
    """(start, end) of the history window `load_org` reads for `week` at `as_of`."""
    grids = [team_weeks(t, week, HISTORY_WEEKS) for t in teams]
    start = min(g.edges[0] for g in grids)
    return start, min(max(g.end for g in grids), as_of)


def _within(at: pd.Series, span: Span) -> pd.Series:
    return (at >= pd.Timestamp(span[0])) & (at < pd.Timestamp(span[1]))


def _before(at: pd.Series, end: datetime) -> pd.Series:
    return at < pd.Timestamp(end)


def pr_rows(frames: Mapping[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """For reviews and review requests, the row of `prs` each belongs to (-1: none): the
    SQL join, made once for the load so that each view's is a lookup."""
    wanted = pd.MultiIndex.from_frame(frames["prs"][_KEY].astype(object))
    out = {}
    for name in _OF_PRS:
        mine = pd.MultiIndex.from_frame(frames[name][_PR_KEY].astype(object))
        out[name] = np.asarray(wanted.get_indexer(mine), dtype="int64")
    return out


def clip(
    frames: Mapping[str, pd.DataFrame], spans: Mapping[str, Span], rows_of: Mapping[str, np.ndarray]
) -> dict[str, pd.DataFrame]:
    """Each frame's rows a load over `spans` (frame -> [from, to)) reads, out of frames read
    over wider windows (`rows_of`: `pr_rows` of them): the loaders' own conditions, applied
    in memory, in the same order."""
    keep: dict[str, pd.Series | np.ndarray] = {}
    p = frames["prs"]
    finished = p["merged_at"].fillna(p["closed_at"])
    start, end = spans["prs"]
    keep["prs"] = (
        _before(p["created_at"], end) & (finished.isna() | (finished >= start))
    ).to_numpy()
    prs = p[keep["prs"]]
    listed = np.append(keep["prs"], False)  # row -1 (no PR): not kept
    for name, at in _OF_PRS.items():
        f = frames[name]
        keep[name] = listed[rows_of[name]] & _before(f[at], spans[name][1]).to_numpy()
    for name, at in (
        ("member_reviews", "submitted_at"),
        ("commits", "authored_at"),
        ("incidents", "started_at"),
        ("pages", "at"),
        ("ci_runs", "started_at"),
    ):
        keep[name] = _within(frames[name][at], spans[name])
    d = frames["deployments"]
    unfinished = d["finished_at"].isna() & _within(d["created_at"], spans["deployments"])
    keep["deployments"] = _within(d["finished_at"], spans["deployments"]) | unfinished
    d = frames["pr_deployments"]
    repos = set(prs["repo"])
    keep["pr_deployments"] = _within(d["finished_at"], spans["pr_deployments"]) & d["repo"].isin(
        repos
    )
    a = frames["annotations"]
    start, end = spans["annotations"]
    keep["annotations"] = (a["starts_at"] < pd.Timestamp(end)) & (
        a["ends_at"] > pd.Timestamp(start)
    )
    out = dict(frames)
    for name, rows in keep.items():
        out[name] = frames[name][np.asarray(rows)].reset_index(drop=True)
    return out


@dataclass
class OrgLoad:
    """The org's frames read once over every window of `as_ofs` (persons merged, in ORDER),
    and each as-of's windows: `data(as_of)` is what `load_org` would read at it."""

    engine: Engine
    org: OrgContext
    teams: tuple[TeamContext, ...]
    week: str
    frames: dict[str, pd.DataFrame]
    rows_of: dict[str, np.ndarray]
    spans: dict[datetime, dict[str, Span]]
    synced: dict[str, datetime]

    def data(self, as_of: datetime) -> OrgData:
        """The detectors' frames as `load_org(engine, org, teams, week, as_of)` reads them."""
        start, end = _bounds(self.teams, self.week, as_of)
        spans = self.spans[as_of]
        frames = clip(self.frames, spans, self.rows_of)
        th = self.org.thresholds
        found = plan._attribution(self.engine, frames, self.teams, spans["deployments"], end, th)
        frames.update(in_order({n: f for n, f in found.items() if f is not frames.get(n)}))
        data = OrgData(self.org, self.teams, start, end, as_of, frames)
        data.synced.update(self.synced)
        return data


def load_shared(
    engine: Engine,
    org: OrgContext,
    teams: Sequence[TeamContext],
    week: str,
    as_ofs: Sequence[datetime],
) -> OrgLoad:
    """One read of the org's frames covering the detectors' windows at every as-of."""
    th = org.thresholds
    bounds = {as_of: _bounds(teams, week, as_of) for as_of in as_ofs}
    (start,) = {s for s, _ in bounds.values()}  # the week's grids: one start
    ends = [(end, end) for _, end in bounds.values()]
    sinces = horizon.link_since_each(engine, teams, start, ends, th)
    spans: dict[datetime, dict[str, Span]] = {
        as_of: plan.windows(engine, NEEDS, teams, start, end, end, th, False, since)
        for (as_of, (_, end)), since in zip(bounds.items(), sinces, strict=True)
    }
    union = {
        name: (min(s[name][0] for s in spans.values()), max(s[name][1] for s in spans.values()))
        for name in NEEDS
    }
    reach = max(s[1] for s in union.values())
    start = min(s[0] for s in union.values())
    raw = load.load_frames(engine, start, reach, tuple(teams), NEEDS, None, union, False, True)
    frames = in_order(as_persons(raw, org))
    synced = loaders.sync_horizons(engine)
    return OrgLoad(engine, org, tuple(teams), week, frames, pr_rows(frames), spans, synced)


@dataclass
class Firing:
    """The detector runs of one firing (a batch of digests): per week, the as-of instants of
    its runs, and the one load they share, made by the first run that asks and let go with
    the firing. A week with one as-of is loaded as before (`load_org`)."""

    as_ofs: dict[str, tuple[datetime, ...]]
    loads: dict[str, OrgLoad] = field(default_factory=dict)

    def data(self, engine: Engine, org: OrgContext, week: str, as_of: datetime) -> OrgData | None:
        """The org's frames for `week` at `as_of` from the shared load (None: not shared)."""
        wanted = self.as_ofs.get(week, ())
        if len(wanted) < 2 or as_of not in wanted:
            return None
        if week not in self.loads:
            self.loads[week] = load_shared(engine, org, org.teams, week, wanted)
        return self.loads[week].data(as_of)
