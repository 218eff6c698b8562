"""A goal with a deadline says, once the deadline's week is over, whether it was reached:
judged on the last week with a figure up to that week, not on weeks after it."""

from __future__ import annotations

from datetime import date

from analytics.goals import Goal, WeekResult, deadline_outcome, week_end
from bot.goals.section import GoalProgress
from bot.goals.store import TeamGoalView

# "reduce review time by 20% by Sunday 2026-11-29" (2026-W48 ends that day)
GOAL = Goal(
    "review-time",
    "<=",
    28.8,
    change=-0.2,
    due=date(2026, 11, 29),
    reference=36.0,
    text="reduce review time by 20% by 2026-11-29",
)


def weeks(*rows: tuple[str, float | None]) -> tuple[WeekResult, ...]:
    return tuple(
        WeekResult(w, v, 9, "no data" if v is None else ("met" if v <= 28.8 else "missed"))
        for w, v in rows
    )


def test_week_labels_end_on_their_sunday() -> None:
    assert week_end("2026-W48") == date(2026, 11, 29)
    assert week_end("2027-W01") == date(2027, 1, 10)


def test_no_verdict_while_the_deadline_is_ahead() -> None:
    assert deadline_outcome(GOAL, weeks(("2026-W46", 40.0), ("2026-W47", 20.0))) is None


def test_the_deadline_week_decides_and_later_weeks_do_not() -> None:
    missed = weeks(("2026-W47", 20.0), ("2026-W48", 31.0), ("2026-W49", 12.0))
    assert deadline_outcome(GOAL, missed) == "missed"
    reached = weeks(("2026-W47", 40.0), ("2026-W48", 26.0), ("2026-W49", 50.0))
    assert deadline_outcome(GOAL, reached) == "met"
    # the deadline's week had no figure: the last week before it with one decides
    assert deadline_outcome(GOAL, weeks(("2026-W47", 27.0), ("2026-W48", None))) == "met"
    assert deadline_outcome(GOAL, weeks(("2026-W48", None), ("2026-W49", 10.0))) == "no data"
    assert deadline_outcome(Goal("review-time", "<=", 8.0), missed) is None  # no deadline


def test_the_digest_line_says_the_deadline_passed_unmet() -> None:
    view = TeamGoalView(id="slack:1", team="team-a", goal=GOAL, source="slack")
    line = GoalProgress(view, "h", weeks(("2026-W48", 31.0), ("2026-W49", 12.0))).line()
    assert "deadline 2026-11-29 passed: not reached" in line
    ahead = GoalProgress(view, "h", weeks(("2026-W46", 31.0), ("2026-W47", 12.0))).line()
    assert "deadline" not in ahead.split("by 2026-11-29", 1)[1]
