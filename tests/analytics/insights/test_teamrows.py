"""`included` takes a team's rows of a whole-org frame through a per-frame index of teams
(analytics/insights/teamrows.py): the same rows, order, index and dtypes as the mask it
replaced, on messy frames, and never a stale answer after the team column changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.insights.data import included


def _mask(items: pd.DataFrame, team: str) -> pd.DataFrame:
    """The comparison `included` made before the index (kept here as the reference)."""
    return items[(items["team"] == team) & items["excluded"].isna()]


def _frame(seed: int, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    teams = np.array(["team-a", "team-b", "team-c", None, np.nan], dtype=object)
    return pd.DataFrame(
        {
            "team": teams[rng.integers(0, len(teams), n)],
            "at": pd.Timestamp("2026-11-01", tz="UTC") + pd.to_timedelta(rng.random(n), "D"),
            "value": rng.random(n),
            "excluded": np.where(rng.random(n) < 0.2, "bot", None),
        },
        index=rng.integers(0, n // 3, n),  # duplicated labels, out of order
    )


@pytest.mark.parametrize("seed", range(8))
def test_same_rows_as_the_mask(seed: int) -> None:
    items = _frame(seed)
    for _ in range(2):  # the second ask reads the kept index
        for team in ("team-a", "team-b", "team-c", "team-z"):
            pd.testing.assert_frame_equal(included(items, team), _mask(items, team))


def test_a_replaced_team_column_is_read_again() -> None:
    items = _frame(1)
    before = included(items, "team-a")
    items["team"] = items["team"].map({"team-a": "team-b", "team-b": "team-a"})
    pd.testing.assert_frame_equal(included(items, "team-a"), _mask(items, "team-a"))
    assert not included(items, "team-a").equals(before)


def test_other_column_types_are_compared() -> None:
    items = _frame(2)
    items["team"] = items["team"].astype("category")
    pd.testing.assert_frame_equal(included(items, "team-b"), _mask(items, "team-b"))
    assert included(items.iloc[0:0], "team-b").empty


@pytest.mark.parametrize("weeks_back", [None, 3, 12])
def test_active_people_counted_once_match_a_count_per_team(weeks_back: int | None) -> None:
    """`OrgData.active_people` from the run's one set of active people equals the count it
    made per team before (an `isin` of the team's members over each frame)."""
    from datetime import timedelta

    from tests.analytics.insights.synth import END, Knobs, org_data

    data = org_data(Knobs(stall_team="team-b", night_team="team-d"))
    since = None if weeks_back is None else END - timedelta(weeks=weeks_back)
    counts = []
    for team in data.org.teams:
        active: set[str] = set()
        for frame, key, when in (
            (data.frames["commits"], "author_key", "authored_at"),
            (data.frames["member_reviews"], "reviewer_key", "submitted_at"),
        ):
            sub = frame[frame[key].isin(team.member_keys)]
            if since is not None:
                sub = sub[sub[when] >= pd.Timestamp(since)]
            active.update(sub[key].unique())
        assert data.active_people(team.slug, since) == len(active), team.slug
        counts.append(len(active))
    assert max(counts) > 0
