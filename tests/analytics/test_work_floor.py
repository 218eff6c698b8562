"""The work floor (issue 15, item 1): a figure built from people's work needs 3 persons
behind it, in the team and in the period, so no figure is one or two people's numbers
(docs/metrics.md, "Privacy guard"). Service figures stay whatever the team's size."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.context import TeamContext
from analytics.engine import evaluate, evaluate_weekly
from analytics.insights.peers import choose_peers
from analytics.persons import (
    WORK_PERIOD_REASON,
    WORK_TEAM_REASON,
    people_reason,
    team_withheld,
    with_authors,
    withheld_reason,
)
from tests.analytics.helpers import deploy, frames, org, pr, team, utc

SIX = ("alice", "bob", "carol", "dave", "erin", "frank")
AS_OF = utc(2026, 11, 30)  # a Monday: weeks end here
LAST = (utc(2026, 11, 23), AS_OF)
D = timedelta(days=1)


def _merged(number: int, author: str, week_start: Any, **kw: Any) -> dict[str, Any]:
    at = week_start + timedelta(days=1, hours=10 + number % 5)
    return pr(number, author_key=author, created_at=at - D, merged_at=at, **kw)


def _weeks(metric: str, f: dict, t: TeamContext, weeks: int) -> list:
    return evaluate_weekly(
        metric=metric, frames=f, org=org(t), teams=[t.slug], weeks=weeks, as_of=AS_OF
    )[t.slug]


@pytest.mark.parametrize(
    ("privacy", "persons", "people", "expected"),
    [
        ("service", 1, 1, None),
        ("service", 0, None, None),
        ("people", 4, 4, "fewer than 5 people: "),
        ("people", 5, 4, "fewer than 5 people: "),
        ("people", 5, 5, None),
        ("work", 2, 2, WORK_TEAM_REASON),
        ("work", 2, None, WORK_TEAM_REASON),  # an empty week of a team of 2: still its floor
        ("work", 3, 2, WORK_PERIOD_REASON),
        ("work", 3, 1, WORK_PERIOD_REASON),
        ("work", 3, 3, None),
        ("work", 3, 0, None),  # nobody behind it: describes no one
        ("work", 3, None, None),  # items naming no person (issues)
    ],
)
def test_the_one_rule(privacy: Any, persons: int, people: int | None, expected: str | None):
    got = withheld_reason(privacy, team(members=SIX[:persons]), people)
    if expected is None:
        assert got is None
    else:
        assert got is not None and got.startswith(expected)


def test_a_week_of_one_or_two_authors_is_withheld_an_empty_week_is_not():
    """Throughput too: 2 PRs merged by one person are that person's output."""
    t = team(members=SIX)
    w3, w2, w1 = (LAST[0] - 2 * 7 * D, LAST[0] - 7 * D, LAST[0])
    f = frames(
        prs=[
            _merged(1, "alice", w2),
            _merged(2, "alice", w2),
            _merged(3, "carol", w2),  # two people
            _merged(4, "alice", w1),
            _merged(5, "carol", w1),
            _merged(6, "dave", w1),  # three
        ]
    )
    assert w3 < w2
    for metric in ("throughput", "pr-size"):
        empty, two, three = _weeks(metric, f, t, 3)
        assert two.value is None and two.withheld_reason == WORK_PERIOD_REASON, metric
        assert three.withheld_reason is None and three.n == 3, metric
        assert empty.withheld_reason is None and empty.n == 0
    empty, two, three = _weeks("throughput", f, t, 3)
    assert (empty.value, three.value) == (0.0, 3.0)


def test_a_withheld_answer_carries_nothing_that_rebuilds_it():
    t = team(members=SIX)
    f = frames(prs=[_merged(1, "alice", LAST[0]), _merged(2, "carol", LAST[0], author_is_bot=True)])
    v = evaluate(
        metric="throughput",
        frames=f,
        org=org(t),
        team="team-a",
        start=LAST[0],
        end=AS_OF,
        as_of=AS_OF,
    )
    assert v.withheld_reason == WORK_PERIOD_REASON
    assert (v.value, v.n, v.p75, v.p90, v.trend, v.baseline) == (None, 0, None, None, None, None)
    assert v.breakdown == v.exclusions == v.ownership_counts == v.link_methods == {}
    assert v.notes == ()
    data = v.to_json()
    assert data["withheld_reason"] == WORK_PERIOD_REASON and data["n"] == 0


def test_a_baseline_of_weeks_that_were_each_withheld_is_withheld_too():
    """Twelve weeks of one person's five merged PRs would make a baseline of 5.0; each is
    withheld, so the baseline is: the week shown is compared with nothing."""
    t = team(members=SIX)
    rows = [
        _merged(100 * k + i, "alice", LAST[0] - k * 7 * D) for k in range(1, 13) for i in range(5)
    ]
    rows += [_merged(i, a, LAST[0]) for i, a in enumerate(("alice", "carol", "dave"))]
    f = frames(prs=rows)
    v = evaluate(
        metric="throughput",
        frames=f,
        org=org(t),
        team="team-a",
        start=LAST[0],
        end=AS_OF,
        as_of=AS_OF,
    )
    assert (v.value, v.withheld_reason) == (3.0, None)
    assert (v.baseline, v.baseline_n, v.trend) == (None, 0, None)
    assert any(n.startswith("no baseline") for n in v.notes)
    (week,) = _weeks("throughput", f, t, 1)
    assert (week.value, week.baseline, week.baseline_n) == (3.0, None, 0)
    before = _weeks("throughput", f, t, 2)[0]
    assert before.value is None and before.baseline is None  # nor does a withheld week get one


def test_authors_are_counted_as_persons_not_identities():
    persons = (frozenset({"gh:p0", "gl:p0"}), frozenset({"gh:p1"}), frozenset({"gh:p2"}))
    keys = frozenset().union(*persons)
    t = team(members=keys, persons=persons)
    f = frames(
        prs=[
            _merged(1, "gh:p0", LAST[0]),
            _merged(2, "gl:p0", LAST[0], source="gitlab"),
            _merged(3, "gh:p1", LAST[0]),
        ]
    )
    v = evaluate(
        metric="throughput",
        frames=f,
        org=org(t),
        team="team-a",
        start=LAST[0],
        end=AS_OF,
        as_of=AS_OF,
    )
    assert v.withheld_reason == WORK_PERIOD_REASON  # three accounts, two people


def test_work_in_progress_counts_the_authors_of_the_open_ready_prs():
    t = team(members=SIX)
    end = AS_OF

    def open_pr(n: int, author: str, **kw: Any) -> dict[str, Any]:
        return pr(n, author_key=author, created_at=end - 3 * D, **kw)

    two = frames(prs=[open_pr(1, "alice"), open_pr(2, "carol"), open_pr(3, "dave", is_draft=True)])
    three = frames(prs=[open_pr(1, "alice"), open_pr(2, "carol"), open_pr(3, "dave")])
    none = frames(prs=[_merged(1, "alice", LAST[0])])

    def wip(f: dict) -> Any:
        return evaluate(
            metric="wip", frames=f, org=org(t), team="team-a", start=LAST[0], end=end, as_of=end
        )

    assert wip(two).withheld_reason == WORK_PERIOD_REASON
    assert (wip(three).value, wip(three).withheld_reason) == (3.0, None)
    assert (wip(none).value, wip(none).withheld_reason) == (0.0, None)


def _issue(n: int, done: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    item = {
        "source": "jira",
        "external_id": str(n),
        "key": f"A-{n}",
        "project": "A",
        "item_type": "Bug",
        "status_category": "done",
        "created_at": done - 3 * D,
        "updated_at": done,
        "resolved_at": done,
    }
    moves = [
        {
            "source": "jira",
            "item_external_id": str(n),
            "at": done - 2 * D,
            "to_category": "indeterminate",
        },
        {"source": "jira", "item_external_id": str(n), "at": done, "to_category": "done"},
    ]
    return item, moves


def _issues(k: int) -> dict:
    made = [_issue(n, LAST[0] + 2 * D) for n in range(k)]
    return {"work_items": [i for i, _ in made], "transitions": [m for _, ms in made for m in ms]}


def test_issues_name_no_assignee_so_only_the_team_floor_holds():
    big, small = (
        team(members=SIX[:3], jira_projects=("A",)),
        team(members=SIX[:2], jira_projects=("A",)),
    )
    f = frames(**_issues(3))
    for metric in ("cycle-time", "work-mix"):
        shown = evaluate(
            metric=metric,
            frames=f,
            org=org(big),
            team="team-a",
            start=LAST[0],
            end=AS_OF,
            as_of=AS_OF,
        )
        assert shown.withheld_reason is None and shown.n == 3, metric
        held = evaluate(
            metric=metric,
            frames=f,
            org=org(small),
            team="team-a",
            start=LAST[0],
            end=AS_OF,
            as_of=AS_OF,
        )
        assert held.withheld_reason == WORK_TEAM_REASON, metric
    one_author = frames(**_issues(3), prs=[_merged(1, "alice", LAST[0])])
    mix = evaluate(
        metric="work-mix",
        frames=one_author,
        org=org(big),
        team="team-a",
        start=LAST[0],
        end=AS_OF,
        as_of=AS_OF,
    )
    assert mix.withheld_reason == WORK_PERIOD_REASON  # the PR is one person's


def test_service_figures_stay_for_a_team_of_one():
    t = team(members=("alice",))
    f = frames(deployments=[deploy("d1", LAST[0] + D), deploy("d2", LAST[0] + 2 * D)])
    v = evaluate(
        metric="deploy-frequency",
        frames=f,
        org=org(t),
        team="team-a",
        start=LAST[0],
        end=AS_OF,
        as_of=AS_OF,
    )
    assert (v.value, v.withheld_reason) == (2.0, None)
    assert team_withheld("service", t) is None
    assert team_withheld("work", t) == WORK_TEAM_REASON


def test_a_team_of_two_is_no_ones_peer():
    a, b, c = team("a"), team("b"), team("c", members=("x", "y"))
    sizes = {"a": 5, "b": 5, "c": 5}  # as alike as can be, but c is two people
    peers = choose_peers(a, (a, b, c), {}, sizes)
    assert peers.peers == ("b",)


def test_items_find_their_authors_by_team_and_pull_request_in_any_order():
    prs = frames(prs=[pr(1, author_key="alice"), pr(2, author_key="carol")])["prs"]
    prs = pd.concat([prs.assign(team="a"), prs.assign(team="b")], ignore_index=True)
    prs["ref"] = ["org/api#1", "org/api#2", "org/api#1", "org/api#2"]
    same = pd.DataFrame({"team": prs["team"], "ref": prs["ref"]})
    assert with_authors(same, prs)["person"].tolist() == ["alice", "carol", "alice", "carol"]
    other = pd.DataFrame({"team": ["b", "a", "a"], "ref": ["org/api#2", "A-7", "org/api#1"]})
    assert with_authors(other, prs)["person"].tolist() == ["carol", None, "alice"]


def test_the_privacy_guard_worked_case_quotes_the_reasons_the_answers_give():
    page = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text("utf-8")
    case = " ".join(page.split("**Privacy guard.**", 1)[1].split())
    assert people_reason(team()) in case and WORK_TEAM_REASON in case
    assert WORK_PERIOD_REASON.split(":")[0] in case


def _four_weeks(second: tuple[str, ...]) -> dict:
    """Four weeks of merged PRs before AS_OF: three authors each, the second `second`'s."""
    weeks = [LAST[0] - k * 7 * D for k in (3, 2, 1, 0)]
    crews = [("alice", "carol", "dave"), second, ("bob", "erin", "frank"), ("alice", "bob", "erin")]
    rows = [
        _merged(10 * k + i, author, start)
        for k, (start, crew) in enumerate(zip(weeks, crews, strict=True))
        for i, author in enumerate(crew)
    ]
    return frames(prs=rows)


@pytest.mark.parametrize("metric", ["throughput", "pr-size", "work-mix"])
def test_a_period_holding_a_withheld_week_is_withheld_so_subtraction_reveals_nothing(
    metric: str,
) -> None:
    """4 weeks of 3 authors each but one week of 2 (alice twice, carol once): the 4-week
    figure has 8 authors behind it, yet it less the three shown weeks would be the two
    people's week (their count is the period's n less the shown weeks' n)."""
    t = team(members=SIX)
    start = LAST[0] - 3 * 7 * D

    def period(f: dict) -> Any:
        return evaluate(
            metric=metric, frames=f, org=org(t), team="team-a", start=start, end=AS_OF, as_of=AS_OF
        )

    leaky = _four_weeks(("alice", "alice", "carol"))
    weeks = _weeks(metric, leaky, t, 4)
    assert [w.withheld_reason is None for w in weeks] == [True, False, True, True]
    v = period(leaky)
    assert v.withheld_reason is not None
    assert v.withheld_reason.startswith("a week inside this period is withheld (fewer than 3")
    assert (v.value, v.n, v.p75, v.baseline, v.trend) == (None, 0, None, None, None)

    fine = _four_weeks(("alice", "bob", "carol"))
    shown = period(fine)
    assert shown.withheld_reason is None
    assert shown.n == sum(w.n for w in _weeks(metric, fine, t, 4))

    empty = _four_weeks(())  # a week with no work describes nobody: the period stays
    assert period(empty).withheld_reason is None
    assert [w.withheld_reason for w in _weeks(metric, empty, t, 4)] == [None] * 4


def test_a_period_not_on_week_edges_counts_every_week_it_overlaps() -> None:
    """Ten days from the Friday before the two-person week to its Monday-after: it overlaps
    that week, so it is withheld; the same ten days in the three-person weeks are not."""
    t = team(members=SIX)
    f = _four_weeks(("alice", "alice", "carol"))
    w2 = LAST[0] - 2 * 7 * D  # the two-person week's Monday

    def span(start: Any) -> Any:
        return evaluate(
            metric="throughput", frames=f, org=org(t), team="team-a",
            start=start, end=start + 10 * D, as_of=AS_OF,
        )  # fmt: skip

    assert span(w2 - 3 * D).withheld_reason is not None
    later = span(LAST[0] - 7 * D + 2 * D)  # Wednesday of the week after, into the last one
    assert later.withheld_reason is None and later.n > 0
