"""Health figures in each person's own time (§5) and the privacy guard (§6)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from analytics.calendar import author_local_ns, outside_hours
from analytics.context import TeamContext, WorkCalendar
from analytics.engine import evaluate
from analytics.metrics.stats import gini, top_share
from tests.analytics.helpers import frames, org, review, team, utc

PEOPLE5 = ("p1", "p2", "p3", "p4", "p5")


def test_commit_after_hours_in_its_own_offset_whatever_the_team_zone():
    at = datetime(2026, 11, 24, 22, 30, tzinfo=timezone(timedelta(hours=-8))).astimezone(UTC)
    cal = WorkCalendar("Asia/Tokyo", (1, 2, 3, 4, 5), time(9), time(18))
    local = author_local_ns(pd.Series([at]), pd.Series([-480.0]), pd.Series([None]), cal.tz)
    outside, weekend = outside_hours(local, cal)
    assert outside[0] and not weekend[0]
    # without the offset, 06:30 UTC would be 15:30 in Tokyo: inside hours
    local_team = author_local_ns(pd.Series([at]), pd.Series([np.nan]), pd.Series([None]), cal.tz)
    assert not outside_hours(local_team, cal)[0][0]
    # the person's configured zone comes before the team's
    local_person = author_local_ns(
        pd.Series([at]), pd.Series([np.nan]), pd.Series(["America/Los_Angeles"]), cal.tz
    )
    assert outside_hours(local_person, cal)[0][0]


MONDAY_10 = utc(2026, 11, 24, 10)


def _commits(people, per_person=2, offset=None, at=MONDAY_10):
    rows = []
    for p in people:
        for k in range(per_person):
            rows.append(
                {
                    "source": "github",
                    "repo": "org/api",
                    "pr_number": 1,
                    "sha": f"{p}{k}",
                    "author_key": p,
                    "authored_at": at + timedelta(hours=10 * k),  # 10:00 and 20:00 UTC
                    "author_utc_offset_min": offset,
                }
            )
    return rows


def test_after_hours_share_for_five_people_and_withheld_for_four():
    start, end, as_of = utc(2026, 11, 23), utc(2026, 11, 30), utc(2026, 11, 30)
    five = org(team(members=PEOPLE5))
    v = evaluate(
        metric="after-hours",
        frames=frames(commits=_commits(PEOPLE5)),
        org=five,
        team="team-a",
        start=start,
        end=end,
        as_of=as_of,
    )
    assert v.value == pytest.approx(0.5) and v.n == 10 and v.withheld_reason is None
    assert v.breakdown["commits_after_hours"] == pytest.approx(0.5)
    four = org(team(members=PEOPLE5[:4]))
    w = evaluate(
        metric="after-hours",
        frames=frames(commits=_commits(PEOPLE5[:4])),
        org=four,
        team="team-a",
        start=start,
        end=end,
        as_of=as_of,
    )
    assert w.value is None and w.withheld_reason.startswith("fewer than 5 people: ")
    assert w.breakdown == {} and w.baseline is None and w.trend is None
    assert w.to_json()["withheld_reason"].startswith("fewer than 5 people: ")


def test_min_group_size_cannot_go_below_five():
    with pytest.raises(ValueError, match="never set below 5"):
        TeamContext(slug="x", min_group_size=4)
    raised = org(team(members=PEOPLE5, min_group_size=6))
    v = evaluate(
        metric="after-hours",
        frames=frames(commits=_commits(PEOPLE5)),
        org=raised,
        team="team-a",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=utc(2026, 11, 30),
    )
    assert v.withheld_reason.startswith("fewer than 6 people: ")


def test_review_load_concentration_and_gini():
    at = utc(2026, 11, 24, 11)
    reviews = (
        [review(1, at, reviewer="p1", author="p5")] * 6
        + [review(2, at, reviewer="p2", author="p5")] * 2
        + [review(3, at, reviewer="p3", author="p5")] * 2
        + [review(4, at, reviewer="p4", author="p4")] * 5  # self-reviews do not count
    )
    f = frames(member_reviews=reviews, commits=_commits(PEOPLE5, per_person=1))
    v = evaluate(
        metric="review-load",
        frames=f,
        org=org(team(members=PEOPLE5)),
        team="team-a",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=utc(2026, 11, 30),
    )
    assert v.n == 10
    assert v.value == pytest.approx(0.8)
    assert v.breakdown["gini"] == pytest.approx(gini([6, 2, 2, 0, 0]))
    assert v.breakdown["reviewers_active"] == 5


def test_gini_and_top_share():
    assert gini([1, 1, 1, 1]) == pytest.approx(0)
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert gini([]) is None and top_share([0, 0]) is None
    assert top_share([5, 3, 2]) == pytest.approx(0.8)


def test_out_of_hours_pages_in_the_responders_zone():
    pages = [
        {
            "source": "pd",
            "external_id": f"pg{i}",
            "incident_external_id": "i1",
            "responder_key": p,
            "team_slug": "team-a",
            "at": utc(2026, 11, 24, 3),
        }
        for i, p in enumerate(PEOPLE5)
    ]
    people = [{"key": "p1", "tz": "Asia/Tokyo"}]  # 12:00 in Tokyo: inside hours
    v = evaluate(
        metric="out-of-hours-pages",
        frames=frames(pages=pages, people=people),
        org=org(team(members=PEOPLE5)),
        team="team-a",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=utc(2026, 11, 30),
    )
    assert v.value == pytest.approx(0.8) and v.n == 5
    small = evaluate(
        metric="out-of-hours-pages",
        frames=frames(pages=pages[:2]),
        org=org(team(members=PEOPLE5)),
        team="team-a",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=utc(2026, 11, 30),
    )
    assert small.withheld_reason.startswith("fewer than 5 people: ")


def test_no_public_function_returns_per_person_values():
    f = frames(commits=_commits(PEOPLE5))
    v = evaluate(
        metric="after-hours",
        frames=f,
        org=org(team(members=PEOPLE5)),
        team="team-a",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=utc(2026, 11, 30),
    )
    text = repr(v.to_json())
    assert not any(p in text for p in PEOPLE5)
