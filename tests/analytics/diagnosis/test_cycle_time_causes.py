"""Cycle time's causes from the tracker on a real store, the shares recomputed by hand from
the inserted rows: items whose description changed after work began (unclear requirements)
and items another item blocks (dependencies) take longer, and both became commoner in the
last 4 weeks, at different rates."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import insert

from analytics.context import OrgContext, Thresholds
from analytics.why import why_all
from store.db import make_engine, upgrade
from store.models import WorkItem, WorkItemChange, WorkItemLink, WorkItemTransition
from tests.analytics.diagnosis.world import END, WEEK, WEEKS
from tests.analytics.helpers import team

RECENT, BASELINE = 4, 12


def rows(seed: int = 9) -> list[tuple[int, bool, bool, float]]:
    """(week, churned, blocked, cycle hours) per item: ten done a week."""
    rng = np.random.default_rng(seed)
    out = []
    for week in range(WEEKS):
        recent = week >= WEEKS - RECENT
        for _ in range(10):
            churned = bool(rng.random() < (0.5 if recent else 0.1))
            blocked = bool(rng.random() < (0.3 if recent else 0.1))
            hours = 30 * (2.5 if churned else 1.0) * (1.6 if blocked else 1.0)
            out.append((week, churned, blocked, float(hours * rng.lognormal(0, 0.2))))
    return out


def share_by_hand(made: list[tuple[int, bool, bool, float]], column: int) -> tuple[float, float]:
    """(log excess, the share of it the item flag in `column` explains)."""
    recent = [r for r in made if r[0] >= WEEKS - RECENT]
    base = [r for r in made if WEEKS - RECENT - BASELINE <= r[0] < WEEKS - RECENT]

    def y(r: tuple[int, bool, bool, float]) -> float:
        return math.log(r[3] + 0.25)

    mean_recent = sum(map(y, recent)) / len(recent)
    excess = mean_recent - sum(map(y, base)) / len(base)
    counterfactual = 0.0
    for flag in (False, True):
        weight = sum(1 for r in base if r[column] == flag) / len(base)
        mine = [y(r) for r in recent if r[column] == flag]
        counterfactual += weight * sum(mine) / len(mine)
    return excess, (mean_recent - counterfactual) / excess


def test_requirements_and_dependencies_with_shares_by_hand(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    made = rows()
    start = END - timedelta(weeks=WEEKS)
    items, moves, changes, links = [], [], [], []
    for i, (week, churned, blocked, hours) in enumerate(made):
        began = start + timedelta(weeks=week, hours=9)  # Monday 09:00 UTC
        done = began + timedelta(hours=hours)
        if done >= END:
            continue
        key, ext = f"PAY-{i}", f"id-{i}"
        items.append(
            {
                "source": "jira",
                "external_id": ext,
                "key": key,
                "project": "PAY",
                "status": "Done",
                "status_category": "done",
                "created_at": began - timedelta(days=1),
                "updated_at": done,
                "resolved_at": done,
            }
        )
        for at, src, dst in ((began, "new", "indeterminate"), (done, "indeterminate", "done")):
            moves.append(
                {
                    "source": "jira",
                    "item_external_id": ext,
                    "at": at,
                    "from_status": src,
                    "to_status": dst,
                    "from_category": src,
                    "to_category": dst,
                }
            )
        if churned:
            changes.append(
                {
                    "source": "jira",
                    "item_external_id": ext,
                    "at": began + timedelta(hours=2),
                    "field": "description",
                    "value": "",
                }
            )
        if blocked:
            links.append(
                {"source": "jira", "item_key": f"OPS-{i}", "other_key": key, "kind": "blocks"}
            )
    with engine.begin() as conn:
        conn.execute(insert(WorkItem), items)
        conn.execute(insert(WorkItemTransition), moves)
        conn.execute(insert(WorkItemChange), changes)
        conn.execute(insert(WorkItemLink), links)
    org = OrgContext(teams=(team(jira_projects=("PAY",)),), thresholds=Thresholds())
    [d] = why_all(
        engine, org, team="team-a", metrics=["cycle-time"], week=WEEK, as_of=END, asked=True
    )
    engine.dispose()
    # an item counts in the week it was done (cycle time's `at`), which may follow the week
    # it began in
    kept = [
        (r[0] + int((9 + r[3]) // 168), r[1], r[2], r[3])
        for r in made
        if start + timedelta(weeks=r[0], hours=9 + r[3]) < END
    ]
    excess, churn_share = share_by_hand(kept, 1)
    _, blocked_share = share_by_hand(kept, 2)
    assert d.status == "diagnosed", d.message
    assert d.excess is not None and d.excess.log_excess == pytest.approx(excess, abs=1e-6)
    shares = {c.key: c.share for c in d.causes}
    assert shares["requirements"] == pytest.approx(min(churn_share, 1.0), abs=1e-6)
    assert shares["dependencies"] == pytest.approx(min(blocked_share, 1.0), abs=1e-6)
    assert d.likely is not None and d.likely.key == "requirements"  # the larger share
    assert "refinement step" in d.likely.next_step
    assert d.runner_up is not None and "Escalate" in d.runner_up.next_step
    assert churn_share > 0.3 and 0.1 < blocked_share < churn_share
