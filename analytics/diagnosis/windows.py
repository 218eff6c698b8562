"""The weeks a diagnosis compares and the items in them: the detectors' recent window
against the team's baseline weeks (annotated weeks left out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.context import TeamContext
from analytics.diagnosis.features import pr_table, ref_of
from analytics.insights.data import OrgData, TeamWeeks, team_weeks
from analytics.metrics import flow
from analytics.metrics.health import person_zones


@dataclass(frozen=True)
class Windows:
    """The team's weekly grid, its recent week indexes and its reference (baseline) ones."""

    grid: TeamWeeks
    recent: tuple[int, ...]
    reference: tuple[int, ...]

    def select(self, items: pd.DataFrame) -> pd.DataFrame:
        """`items` in the recent or reference weeks, with `week` (grid index) and `recent`."""
        if items.empty:
            return items.assign(week=pd.Series(dtype="int64"), recent=pd.Series(dtype=bool))
        weeks = self.grid.bucket(items["at"])
        keep = np.isin(weeks, self.recent + self.reference) & np.isfinite(
            items["value"].to_numpy(dtype="float64")
        )
        out = items[keep].assign(week=weeks[keep])
        return out.assign(recent=np.isin(out["week"].to_numpy(), self.recent)).reset_index(
            drop=True
        )

    def describe(self) -> str:
        g = self.grid
        first, last = g.edges[self.recent[0]], g.end
        ref = f"{len(self.reference)} baseline weeks before it"
        return f"the {len(self.recent)} weeks {first:%Y-%m-%d} to {last:%Y-%m-%d} against {ref}"


def windows(team: TeamContext, week: str, baseline_span: int, excluded: frozenset[int]) -> Windows:
    grid = team_weeks(team, week)
    first = max(0, grid.recent - baseline_span)
    reference = tuple(k for k in range(first, grid.recent) if k not in excluded)
    return Windows(grid, tuple(range(grid.recent, grid.n)), reference)


def pr_items(data: OrgData, team: TeamContext, items: pd.DataFrame, w: Windows) -> pd.DataFrame:
    """The PR items with their factors (`features.pr_table`) and their `author`."""
    prs = data.prs()
    mine = prs[prs["team"] == team.slug]
    ready = mine["ready_at"].fillna(mine["created_at"])
    org = org_pr_frames(data)
    table = pr_table(
        items,
        prs=prs,
        reviews=org.reviews,
        rounds=org.rounds,
        zones=person_zones(data.frames["people"]),
        team_tz=team.tz,
        day_hours=team.calendar.day_hours,
        bots=data.bots,
        grid=w.grid,
        all_ready=ready,
    )
    return table.assign(author=table["ref"].map(org.authors))


@dataclass(frozen=True)
class OrgPrFrames:
    """The whole-org frames every team's `pr_items` reads: built once per load of the org
    (a digest run diagnoses many teams and their peers), not once per call."""

    rounds: pd.DataFrame
    reviews: pd.DataFrame
    """The reviews with their PR's `ref`."""
    authors: pd.Series
    """PR ref -> author key."""


def org_pr_frames(data: OrgData) -> OrgPrFrames:
    """`data`'s `OrgPrFrames`, kept per load (`OrgData.once`)."""

    def build() -> OrgPrFrames:
        prs, reviews = data.prs(), data.frames["reviews"]
        return OrgPrFrames(
            rounds=flow.review_rounds_items(prs, reviews, data.frames["commits"], data.bots),
            reviews=reviews.assign(ref=ref_of(reviews)) if len(reviews) else reviews,
            authors=prs.drop_duplicates("ref").set_index("ref")["author_key"],
        )

    return data.once("diagnosis_pr_frames", build)
