"""Stall model: a reviewer's queue holds the PRs awaiting a first review they were asked on,
as the evaluation simulator's stall odds count it; a second reviewer asked after the first
review does not wait on anything."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.arrays import NAT, time_ns
from analytics.insights.data import OrgData, in_order
from analytics.insights.stall import FEATURES
from analytics.insights.stall.features import DAY, STALE, Times, source
from analytics.insights.stall.matrix import matrix
from analytics.insights.stall.outcomes import waits
from tests.analytics.insights.synth import org_data
from tests.analytics.insights.test_stall import KNOBS, with_requests


def _asking(data: OrgData, who: str, extra: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """`who`'s queue at every hour of the history, before and after adding `extra` requests."""
    t = np.arange(
        int(time_ns(pd.Series([pd.Timestamp(data.start)]))[0]),
        int(time_ns(pd.Series([pd.Timestamp(data.end)]))[0]),
        3600 * 10**9,
    )

    def queue(d: OrgData) -> np.ndarray:
        made, done = source(d, waits(d)).queues
        return made.count(who, t) - done.count(who, t)

    f = {k: v.copy() for k, v in data.frames.items()}
    f["review_requests"] = pd.concat([f["review_requests"], extra], ignore_index=True)
    more = OrgData(data.org, data.teams, data.start, data.end, data.end, in_order(f))
    more.synced.update(data.synced)
    return queue(data), queue(more)


def _first_reviewed(data: OrgData) -> tuple[pd.Series, str, pd.Timestamp]:
    """A PR reviewed by someone, a person who neither wrote nor reviewed it, and the PR's
    first review."""
    prs = data.frames["prs"]
    reviews = data.frames["reviews"]
    done = prs["merged_at"].fillna(prs["closed_at"])
    ref = prs["repo"] + "#" + prs["number"].astype(str)
    seen = set(reviews["repo"] + "#" + reviews["pr_number"].astype(str))
    pr = prs[ref.isin(seen) & (done.isna() | (done > prs["created_at"] + pd.Timedelta(days=3)))]
    pr = pr.iloc[0]
    on = reviews[(reviews["repo"] == pr["repo"]) & (reviews["pr_number"] == pr["number"])]
    busy = set(on["reviewer_key"]) | {pr["author_key"]}
    other = next(str(k) for k in reviews["reviewer_key"].unique() if k not in busy)
    return pr, other, on["submitted_at"].min()


def _request(pr: pd.Series, who: str, at: pd.Timestamp) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["github"],
            "repo": [pr["repo"]],
            "pr_number": [pr["number"]],
            "reviewer_key": [who],
            "requested_at": [at],
        }
    )


def test_a_request_after_the_first_review_is_not_queued() -> None:
    data = with_requests(org_data(KNOBS))
    pr, other, first = _first_reviewed(data)
    before, after = _asking(data, other, _request(pr, other, first + pd.Timedelta(hours=1)))
    np.testing.assert_array_equal(before, after)


def test_a_request_before_the_first_review_waits_until_it() -> None:
    data = with_requests(org_data(KNOBS))
    pr, other, first = _first_reviewed(data)
    asked = first - pd.Timedelta(hours=5)
    before, after = _asking(data, other, _request(pr, other, asked))
    # one more PR in their queue from the request to the PR's first review (by someone else)
    assert set(np.unique(after - before)) == {0, 1}
    assert (after - before).sum() in (4, 5)


def test_a_team_queue_does_not_grow_with_the_history_of_prs_left_open() -> None:
    """team-a leaves 40 % of its PRs open without a review: each counts in the team's queue
    for STALE days after it became ready, not for ever (which made the feature a clock)."""
    data = org_data(KNOBS)
    w = waits(data)
    team_a = np.flatnonzero(w.prs["team"].astype(str).to_numpy() == "team-a")
    start = int(time_ns(pd.Series([pd.Timestamp(data.start)]))[0])
    t = start + np.arange(6, 20) * 7 * DAY  # weekly, from week 6 on
    pr = np.full(len(t), team_a[0])
    queue = matrix(data, pr, t, np.ones(len(t)))[:, list(FEATURES).index("team_queue")]
    ready = np.sort(w.ready_ns[team_a])
    recent = np.searchsorted(ready, t, "right") - np.searchsorted(ready, t - STALE, "right")
    assert (queue > 0).all()
    assert (queue <= recent).all(), (queue, recent)
    assert queue[-1] < 2 * queue[0]


def test_times_per_key_are_each_keys_sorted_events_and_running_totals() -> None:
    """`Times.of` groups by key in one pass over the sorted events: each key's instants in
    order and its running sums, as a mask per key gives them; unknown instants dropped."""
    rng = np.random.default_rng(3)
    keys = rng.choice(np.array(["ann", "bo", "cy", "dee"], dtype=object), 400)
    at = rng.integers(0, 50, 400).astype(np.int64)
    at[::37] = NAT
    value = rng.random(400)
    got = Times.of(keys, at, value)
    assert list(got.at) == ["ann", "bo", "cy", "dee"]
    for k in got.at:
        sel = (keys == k) & (at != NAT)
        order = np.argsort(at[sel], kind="stable")
        np.testing.assert_array_equal(got.at[k], at[sel][order])
        totals = np.concatenate([[0.0], np.cumsum(value[sel][order])])
        np.testing.assert_allclose(got.value[k], totals)
        np.testing.assert_array_equal(got.count(k, np.array([10])), [(at[sel] <= 10).sum()])
    assert Times.of(keys[:0], at[:0]).at == {}
