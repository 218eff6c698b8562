"""PR -> deployment links (exact / fallback) and the working-hours clock (REFERENCE_CASES §4)."""

from __future__ import annotations

from datetime import time, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.calendar import hours_between, working_hours_between
from analytics.context import Thresholds, WorkCalendar
from analytics.engine import evaluate
from analytics.frames import frame
from analytics.metrics import dora
from tests.analytics.helpers import by_three, deploy, frames, org, pr, review, team, utc

H = timedelta(hours=1)


def _link(prs, deploys):
    prod = dora.production_deployments(frame("deployments", deploys), Thresholds())
    return dora.link_prs_to_deployments(frame("prs", prs), prod).set_index("number")


def test_exact_link_ships_every_pr_between_two_deployments():
    base = utc(2026, 11, 2, 9)
    prs = [pr(n, merged_at=base + n * H, merge_commit_sha=f"m{n}") for n in (1, 2, 3, 4)]
    deploys = [
        deploy("d1", base + 2.5 * H, sha="m2"),  # ships 1 and 2
        deploy("d2", base + 6 * H, sha="m4"),  # ships 3 and 4
    ]
    links = _link(prs, deploys)
    assert links.loc[[1, 2], "deployment_id"].tolist() == ["d1", "d1"]
    assert links.loc[[3, 4], "deployment_id"].tolist() == ["d2", "d2"]
    assert set(links["link_method"]) == {"exact"}


def test_fallback_when_the_deployed_sha_is_unknown_and_rollbacks_ship_nothing_new():
    base = utc(2026, 11, 2, 9)
    prs = [pr(1, merged_at=base, merge_commit_sha="m1"), pr(2, merged_at=base + H)]
    deploys = [
        deploy("d0", base - H, sha="old"),  # a deployment before the merge ships nothing
        deploy("d1", base + 2 * H, sha="unknown"),
        deploy("staging", base + 90 * timedelta(minutes=1), environment="staging", sha="m1"),
    ]
    links = _link(prs, deploys)
    assert links.loc[1, "deployment_id"] == "d1" and links.loc[1, "link_method"] == "fallback"
    assert links.loc[2, "deployment_id"] == "d1"


def test_deployment_of_the_merge_sha_finished_before_the_merge_is_not_an_exact_link():
    base = utc(2026, 11, 2, 9)
    prs = [pr(1, merged_at=base, merge_commit_sha="m1")]
    deploys = [deploy("early", base - H, sha="m1"), deploy("later", base + H, sha="x")]
    links = _link(prs, deploys)
    assert links.loc[1, "deployment_id"] == "later"
    assert links.loc[1, "link_method"] == "fallback"


def test_not_yet_deployed_prs_are_excluded_and_counted():
    base = utc(2026, 11, 2, 9)
    f = frames(prs=[pr(1, merged_at=base, merge_commit_sha="m1", first_commit_at=base - H)])
    v = evaluate(
        metric="lead-time",
        frames=f,
        org=org(),
        team="team-a",
        start=base - H,
        end=base + H,
        as_of=base + 2 * H,
    )
    assert v.value is None and v.exclusions == {"not yet deployed": 1}


BERLIN = WorkCalendar("Europe/Berlin", (1, 2, 3, 4, 5), time(9), time(17))


def _h(start, end, cal, clock):
    return float(hours_between(pd.Series([start]), pd.Series([end]), cal, clock)[0])


def test_friday_evening_to_monday_morning():
    ready, reviewed = utc(2026, 11, 20, 15), utc(2026, 11, 23, 9)
    assert _h(ready, reviewed, BERLIN, "wall") == pytest.approx(66)
    assert _h(ready, reviewed, BERLIN, "working") == pytest.approx(2)


def test_across_the_end_of_daylight_saving_time():
    ready, reviewed = utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)
    assert _h(ready, reviewed, BERLIN, "wall") == pytest.approx(24)
    assert _h(ready, reviewed, BERLIN, "working") == 0


def test_across_the_start_of_daylight_saving_time_in_working_hours():
    # Friday 2026-03-27 16:00 Berlin (CET) -> Monday 2026-03-30 10:00 Berlin (CEST)
    assert _h(utc(2026, 3, 27, 15), utc(2026, 3, 30, 8), BERLIN, "working") == pytest.approx(2)


@pytest.mark.parametrize(
    ("tz", "start", "end", "expected"),
    [
        # Tokyo (UTC+9): Mon 08:00 UTC = 17:00 local -> Tue 01:00 UTC = 10:00 local: 1 h
        ("Asia/Tokyo", utc(2026, 11, 23, 8), utc(2026, 11, 24, 1), 1.0),
        # Los Angeles (UTC-8): Fri 23:00 UTC = 15:00 local -> Mon 18:00 UTC = 10:00 local: 3 h
        ("America/Los_Angeles", utc(2026, 11, 20, 23), utc(2026, 11, 23, 18), 3.0),
    ],
)
def test_time_zones_on_both_sides_of_utc(tz, start, end, expected):
    cal = WorkCalendar(tz, (1, 2, 3, 4, 5), time(9), time(17))
    assert _h(start, end, cal, "working") == pytest.approx(expected)


def test_working_hours_vectorised_with_missing_ends():
    s = pd.Series(pd.to_datetime(["2026-11-23T09:00Z", None], utc=True))
    e = pd.Series(pd.to_datetime(["2026-11-23T12:30Z", "2026-11-23T12:30Z"], utc=True))
    out = working_hours_between(s, e, WorkCalendar("UTC"))
    assert out[0] == pytest.approx(3.5) and np.isnan(out[1])


def test_review_time_uses_working_hours_by_default_and_wall_on_request():
    ready = utc(2026, 11, 20, 15)
    t = team(tz="Europe/Berlin")
    f = frames(
        prs=[pr(1, created_at=ready, merged_at=utc(2026, 11, 23, 12))],
        reviews=[
            review(1, ready + 10 * timedelta(minutes=1), reviewer="lint[bot]", bot=True),
            review(1, ready + H, reviewer="alice"),  # the author
            review(1, utc(2026, 11, 23, 9), reviewer="bob"),
        ],
    )
    f = by_three(f)  # three authors, the same waits: the work floor shows the figure
    o = org(t)
    working = evaluate(
        metric="review-time",
        frames=f,
        org=o,
        team="team-a",
        start=utc(2026, 11, 16),
        end=utc(2026, 11, 23),
        as_of=ready + 5 * 24 * H,
    )
    wall = evaluate(
        metric="review-time",
        frames=f,
        org=o,
        team="team-a",
        start=utc(2026, 11, 16),
        end=utc(2026, 11, 23),
        as_of=ready + 5 * 24 * H,
        clock="wall",
    )
    assert (working.value, working.clock) == (pytest.approx(2), "working")
    assert (wall.value, wall.clock) == (pytest.approx(66), "wall")
