"""The metrics `why` can diagnose, and what differs between them: where their items come
from, which causes are weighed, and which detector flags count as theirs.

One table, so no module of the diagnosis branches on a metric id (as analytics.registry
does for the metrics themselves).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from analytics.context import TeamContext
from analytics.diagnosis.causes import ITEM_CHECKS, PR_CHECKS, Check
from analytics.insights.data import OrgData, included
from analytics.insights.model import Insight
from analytics.metrics import flow

Items = Callable[[OrgData, TeamContext, Insight | None], pd.DataFrame]


@dataclass(frozen=True)
class Diagnosable:
    """One metric `why` diagnoses."""

    items: Items
    """The team's included items of the metric, `value` in hours."""
    checks: Mapping[str, Check]
    """The causes weighed, by name."""
    on_tracker: bool
    """Items are work items (their signs come from the tracker), not pull requests."""
    stage_flag: str | None = None
    """A `lead_time_stage` flag about this stage counts as a flag of this metric."""
    judged_by_band: bool = False
    """No detector flags it: without a flag, the noise band (analytics/diagnosis/band.py)
    decides whether there is a delay to diagnose."""


def _review_items(data: OrgData, team: TeamContext, flag: Insight | None) -> pd.DataFrame:
    return included(data.review_time("working"), team.slug)


def _lead_items(data: OrgData, team: TeamContext, flag: Insight | None) -> pd.DataFrame:
    """Lead time, or the stage a `lead_time_stage` flag named."""
    items = included(data.lead_time(), team.slug)
    stage = flag.extra.get("stage") if flag is not None else None
    return items.assign(value=items[stage]) if isinstance(stage, str) and stage in items else items


def _cycle_items(data: OrgData, team: TeamContext, flag: Insight | None) -> pd.DataFrame:
    wi = data.frames.get("work_items")
    tr = data.frames.get("transitions")
    if wi is None or tr is None or wi.empty:
        return pd.DataFrame(columns=["team", "at", "value", "excluded", "ref"])
    mine = wi[wi["project"].isin(team.projects) | (wi["team_slug"] == team.slug)]
    mine = mine.assign(team=team.slug, ownership="project")
    return included(flow.cycle_time_items(mine, tr), team.slug)


DIAGNOSABLE: dict[str, Diagnosable] = {
    # time to first review: not unclear requirements, whose PR signs (rounds, rework) come
    # after the first review and so cannot delay it
    "review-time": Diagnosable(
        _review_items,
        {k: v for k, v in PR_CHECKS.items() if k != "requirements"},
        on_tracker=False,
        stage_flag="pickup",
    ),
    "lead-time": Diagnosable(_lead_items, PR_CHECKS, on_tracker=False),
    "cycle-time": Diagnosable(_cycle_items, ITEM_CHECKS, on_tracker=True, judged_by_band=True),
}
