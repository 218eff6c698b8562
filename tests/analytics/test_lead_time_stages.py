"""Lead-time stages always add up to the lead time (issue 15), on any PR timeline.

The property tests draw PR timelines, adversarial ones included (first commits dated after
the merge or the deployment, ready moments after the merge, reviews before ready or after
the merge, self and bot reviews, deployments before the merge), run them through the real
milestones, links and lead-time items, and check every PR: no stage is negative, the stages
with a value add up to the lead time, and pickup equals the wall-clock time to first review.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.arrays import NAT
from analytics.calendar import WorkCalendar
from analytics.context import Thresholds
from analytics.metrics import dora, flow
from analytics.metrics.stages import STAGES, ordered, stage_hours
from tests.analytics.helpers import frames, pr, review, utc

T0 = utc(2026, 11, 10, 10)
MIN = timedelta(minutes=1)
HOUR_NS = 3_600 * 1_000_000_000
CHECK = settings(max_examples=200, deadline=None, derandomize=True)

# --- the rule itself, on raw moments ------------------------------------------------------

_moment = st.one_of(st.none(), st.integers(-(10**15), 10**15))


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(rows=st.lists(st.lists(_moment, min_size=6, max_size=6), min_size=1, max_size=20))
def test_stages_are_never_negative_and_add_up_to_the_total(rows: list[list[int | None]]) -> None:
    cols = [
        np.array([NAT if r[k] is None else r[k] for r in rows], dtype=np.int64) for k in range(6)
    ]
    stages, total = stage_hours(cols)
    fixed = ordered(cols)
    for i, row in enumerate(rows):
        got = [stages[s][i] for s in STAGES]
        assert all(not (g < 0) for g in got)  # NaN or >= 0
        present = [int(m[i]) for m in fixed if m[i] != NAT]
        assert present == sorted(present)  # the moments that happened are in order
        for k, m in enumerate(row):  # a moment only ever moves back, and never appears
            assert (fixed[k][i] == NAT) == (m is None)
            assert m is None or fixed[k][i] <= m
        for k in range(5):  # a stage has a value exactly when both ends are known
            assert math.isnan(got[k]) == (
                row[k + 1] is None or all(m is None for m in row[: k + 1])
            )
        if row[0] is not None and row[5] is not None:
            assert math.isclose(np.nansum(got), total[i], rel_tol=1e-12, abs_tol=1e-9)
            assert total[i] == (fixed[5][i] - fixed[0][i]) / HOUR_NS
        else:
            assert math.isnan(total[i])


def test_the_moments_that_stay_put_are_the_ones_already_in_order() -> None:
    """Only a moment later than a later one moves: the late first commit takes the ready
    moment; nothing else changes."""
    h = [5, 0, 1, 3, 4, 6]  # first commit dated an hour after the merge
    cols = [np.array([x * HOUR_NS], dtype=np.int64) for x in h]
    assert [int(c[0]) // HOUR_NS for c in ordered(cols)] == [0, 0, 1, 3, 4, 6]
    stages, total = stage_hours(cols)
    assert {s: float(v[0]) for s, v in stages.items()} == {
        "coding": 0.0,
        "pickup": 1.0,
        "review": 2.0,
        "merge": 1.0,
        "deploy": 2.0,
    }
    assert float(total[0]) == 6.0


# --- whole PR timelines through the real item builders -----------------------------------

_minutes = st.integers(-3000, 3000)


@st.composite
def _timeline(draw: Any, number: int) -> dict[str, Any]:
    created = draw(_minutes)
    merged = draw(st.one_of(st.none(), _minutes))
    draft = draw(st.booleans())
    at = T0 + created * MIN
    return {
        "pr": pr(
            number,
            created_at=at,
            is_draft=draft and draw(st.booleans()),
            ready_at=draw(st.one_of(st.none(), _minutes.map(lambda m: T0 + m * MIN))),
            first_commit_at=draw(st.one_of(st.none(), _minutes.map(lambda m: T0 + m * MIN))),
            merged_at=None if merged is None else T0 + merged * MIN,
            merge_commit_sha=f"m{number}",
            title=draw(st.sampled_from([f"change {number}", 'Revert "x"'])),
        ),
        "reviews": [
            review(
                number,
                T0 + m * MIN,
                reviewer=who,
                state=state,
                bot=who == "ci[bot]",
            )
            for m, who, state in draw(
                st.lists(
                    st.tuples(
                        _minutes,
                        st.sampled_from(["bob", "carol", "alice", "ci[bot]"]),
                        st.sampled_from(
                            ["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"]
                        ),
                    ),
                    max_size=5,
                )
            )
        ],
        "commits": [
            {
                "source": "github",
                "repo": "org/api",
                "pr_number": number,
                "author_key": "alice",
                "authored_at": T0 + m * MIN,
            }
            for m in draw(st.lists(_minutes, max_size=3))
        ],
    }


@st.composite
def _world(draw: Any) -> dict[str, pd.DataFrame]:
    timelines = [draw(_timeline(n)) for n in range(1, draw(st.integers(1, 4)) + 1)]
    deploys = [
        {
            "source": "github",
            "external_id": f"d{k}",
            "repo": "org/api",
            "service": "api",
            "environment": "production",
            "status": "success",
            "sha": draw(st.sampled_from([None, "other", *(f"m{n}" for n in range(1, 5))])),
            "finished_at": T0 + draw(_minutes) * MIN,
        }
        for k in range(draw(st.integers(0, 3)))
    ]
    f = frames(
        prs=[t["pr"] for t in timelines],
        reviews=[r for t in timelines for r in t["reviews"]],
        commits=[c for t in timelines for c in t["commits"]],
        pr_deployments=deploys,
    )
    f["prs"] = f["prs"].assign(team="team-a", ownership="pr-author")
    return f


def _lead_items(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    prod = dora.production_deployments(f["pr_deployments"], Thresholds())
    links = dora.link_prs_to_deployments(f["prs"], prod)
    return dora.lead_time_items(f["prs"], f["reviews"], f["commits"], links)


@CHECK
@given(f=_world())
def test_every_pr_has_stages_that_add_up_to_its_lead_time(f: dict[str, pd.DataFrame]) -> None:
    items = _lead_items(f)
    assert len(items) == int(f["prs"]["merged_at"].notna().sum())
    for _, row in items.iterrows():
        got = np.array([row[s] for s in STAGES], dtype="float64")
        assert not (got < 0).any()
        assert not math.isnan(row["coding"])  # first commit and ready are always known
        if pd.isna(row["link_method"]):  # not yet deployed (whatever else excludes it)
            assert math.isnan(row["value"]) and math.isnan(row["deploy"])
            continue
        assert row["value"] >= 0
        assert math.isclose(np.nansum(got), row["value"], rel_tol=1e-12, abs_tol=1e-9)
        assert not math.isnan(row["deploy"]) and not math.isnan(row["merge"])


@CHECK
@given(f=_world())
def test_pickup_is_the_wall_clock_time_to_first_review(f: dict[str, pd.DataFrame]) -> None:
    """The pickup stage and time to first review (wall clock) are one measurement."""
    items = _lead_items(f)
    cal = {"team-a": WorkCalendar("UTC")}
    rt = flow.review_time_items(f["prs"], f["reviews"], cal, clock="wall")
    merged = f["prs"]["merged_at"].notna().to_numpy()
    wall = rt["value"].to_numpy()[merged]
    pickup = items["pickup"].to_numpy()
    assert np.array_equal(np.isnan(pickup), np.isnan(wall))
    assert np.allclose(pickup[~np.isnan(pickup)], wall[~np.isnan(wall)], rtol=0, atol=1e-9)
