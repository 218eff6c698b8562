"""Goals as teams write them: the grammar (the same for `/metrics goal` and the config), the
config's clear errors, and how a week stands against a goal (analytics.goals)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.goals import Goal, breaking_items, missed_count, reference_of, week_results
from analytics.registry import METRICS
from bot.config import ConfigError, parse_config
from bot.goals.grammar import GoalError, Team, parse_goal


@pytest.mark.parametrize(
    ("text", "metric", "stat", "op", "target"),
    [
        ("review-time < 1 working day", "review-time", "median", "<", 8.0),
        ("review time under 4h", "review-time", "median", "<", 4.0),
        ("pr-size p75 < 400 lines", "pr-size", "p75", "<", 400.0),
        ("deploy-frequency >= 5/week", "deploy-frequency", "median", ">=", 5.0),
        ("deploys at least 1/day", "deploy-frequency", "median", ">=", 4.0),
        ("lead time p90 <= 3 days", "lead-time", "p90", "<=", 72.0),
        ("change failure rate < 15%", "cfr", "median", "<", 0.15),
        ("MTTR < 90 min", "recovery-time", "median", "<", 1.5),
    ],
)
def test_goals_read_as_written(text: str, metric: str, stat: str, op: str, target: float) -> None:
    goal = parse_goal(text, METRICS, Team(day_hours=8.0, working_days=4))
    assert (goal.metric, goal.stat, goal.op, goal.target, goal.text) == (
        metric,
        stat,
        op,
        pytest.approx(target),
        text,
    )


def test_a_relative_goal_has_a_change_a_deadline_and_a_start() -> None:
    goal = parse_goal("reduce lead time by 20% by 2027-03-31 from 2026-10-01", METRICS)
    assert goal.relative and goal.change == pytest.approx(-0.2) and goal.op == "<="
    assert (goal.due, goal.start, goal.target) == (date(2027, 3, 31), date(2026, 10, 1), None)
    placed = goal.with_reference(40.0)
    assert placed.target == pytest.approx(32.0) and placed.holds(31.0) and not placed.holds(33.0)
    raised = parse_goal("raise deploys by 25% by 2027-01-31", METRICS).with_reference(8.0)
    assert raised.op == ">=" and raised.target == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("review-time < 1 fortnight", "not a hours figure"),
        ("deploy-frequency p75 >= 5", "has no p75"),
        ("velocity points > 40", "I don't know the metric `velocity points`"),
        ("faster reviews please", "I can't read"),
        ("pr-size < lots", "is not a number"),
        ("reduce lead time by 120% by 2027-03-31", "between 1% and 99%"),
        ("reduce lead time by 10% by 2027-02-30", "not a date"),
    ],
)
def test_a_goal_that_cannot_be_read_says_why(text: str, says: str) -> None:
    with pytest.raises(GoalError) as err:
        parse_goal(text, METRICS)
    assert says in str(err.value)


def _config(goals: str) -> str:
    return (
        "teams:\n  - slug: team-a\n    name: A\n    slack_channel: C0TEAMA001\n"
        f"    working_hours: '09:00-15:00'\n    goals: {goals}\n"
    )


def test_config_goals_are_checked_with_the_line_and_a_hint() -> None:
    config = parse_config(_config('["review-time < 1 working day"]'))
    assert config.teams[0].day_hours == 6.0  # a working day is the team's own hours
    with pytest.raises(ConfigError) as err:
        parse_config(_config('["reduce lead time by 20% by 2027-03-31"]'), "x.yaml")
    assert "needs its start" in str(err.value) and "x.yaml" in str(err.value)
    with pytest.raises(ConfigError) as err:
        parse_config(_config('["review-tiem < 4h"]'), "x.yaml")
    assert "I don't know the metric review-tiem" in str(err.value)


def test_weeks_without_a_figure_never_count_as_missed() -> None:
    goal = Goal("review-time", "<", 8.0)
    results = week_results(goal, [("W1", 6.0, 10), ("W2", 9.0, 8), ("W3", None, 0), ("W4", 8.0, 3)])
    assert [r.outcome for r in results] == ["met", "missed", "no data", "missed"]
    assert missed_count(results) == (2, 3)
    assert reference_of([10.0, None, 30.0, 20.0]) == 20.0


def test_breaking_items_are_the_included_items_over_the_target_worst_first() -> None:
    items = pd.DataFrame(
        {
            "ref": ["a#1", "a#2", "a#3", "a#4", "a#5"],
            "value": [2.0, 12.0, 30.0, 12.0, 50.0],
            "excluded": [None, None, None, None, "bot author"],
        }
    )
    assert breaking_items(Goal("review-time", "<", 8.0), items) == [
        ("a#3", 30.0),
        ("a#2", 12.0),
        ("a#4", 12.0),
    ]
    assert breaking_items(Goal("throughput", ">=", 5.0), items, 1) == [("a#1", 2.0)]
