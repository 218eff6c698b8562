"""A team's goal (working agreement) and how its weeks stand against it: pure, no clock.

A goal is a target on one of the team's own weekly figures, as the engine computes them:
"review-time < 8 h" (the week's median), "pr-size p75 < 400 lines", "deploy-frequency >= 5
per week", or a relative target ("reduce lead-time by 20% by 2027-03-31": at most 80% of its
reference, the median of the 12 weeks before the goal was set). Each week is met, missed, or
has no figure (no items, or withheld for privacy): a week without a figure is never counted
as missed. `breaking_items` picks the items of one week that broke a per-item agreement
(the PRs that waited longer than the target), for the evidence of a missed agreement.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from analytics.calendar import parse_week

Op = Literal["<", "<=", ">", ">="]
Stat = Literal["median", "p75", "p90"]
Outcome = Literal["met", "missed", "no data"]

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
REFERENCE_WEEKS = 12
"""A relative goal's reference: the median of this many weekly figures before it was set."""
PER_ITEM_KINDS = frozenset({"distribution"})
"""Metrics whose weekly figure summarises items that each have a value (a PR's wait): a
missed week of theirs has items that broke the target, named as evidence."""


@dataclass(frozen=True)
class Goal:
    """A target on one weekly figure of a team. `target` is in the metric's unit; for a
    relative goal it is None until `reference` is known (`with_reference`)."""

    metric: str
    op: Op
    target: float | None
    stat: Stat = "median"
    change: float | None = None
    """Relative goals: the change asked for, e.g. -0.2 for "reduce by 20%"."""
    due: date | None = None
    start: date | None = None
    """Relative goals: when the goal was set (its reference is the weeks before it)."""
    reference: float | None = None
    text: str = ""
    """The goal as the team wrote it (shown as written)."""

    @property
    def relative(self) -> bool:
        return self.change is not None

    def with_reference(self, reference: float | None) -> Goal:
        """This relative goal with its reference and the target it implies."""
        if self.change is None or reference is None or not math.isfinite(reference):
            return replace(self, reference=reference, target=None)
        return replace(self, reference=reference, target=reference * (1.0 + self.change))

    def holds(self, value: float) -> bool:
        """Does a figure of `value` keep the goal? (False when there is no target yet.)"""
        if self.target is None:
            return False
        return OPS[self.op](value, self.target)


@dataclass(frozen=True)
class WeekResult:
    """One week of a goal: its label, figure, n and outcome."""

    week: str
    value: float | None
    n: int
    outcome: Outcome


def figure_of(
    stat: Stat, value: float | None, p75: float | None, p90: float | None
) -> float | None:
    """The figure a goal's `stat` reads from a weekly answer (None when missing)."""
    picked = {"median": value, "p75": p75, "p90": p90}[stat]
    if picked is None or not math.isfinite(float(picked)):
        return None
    return float(picked)


def outcome(goal: Goal, figure: float | None) -> Outcome:
    """Met or missed; "no data" without a figure or a target."""
    if figure is None or goal.target is None:
        return "no data"
    return "met" if goal.holds(figure) else "missed"


def week_results(goal: Goal, weeks: Iterable[tuple[str, float | None, int]]) -> list[WeekResult]:
    """(label, figure, n) per week -> the goal's outcome per week, in the same order."""
    return [WeekResult(label, fig, n, outcome(goal, fig)) for label, fig, n in weeks]


def week_end(label: str) -> date:
    """The Sunday that ends an ISO week label ("2026-W47" -> 2026-11-22)."""
    year, week = parse_week(label)
    return date.fromisocalendar(year, week, 7)


def deadline_outcome(goal: Goal, results: Sequence[WeekResult]) -> Outcome | None:
    """Once the week holding a goal's deadline is over, whether the goal was reached: the
    outcome of the last week with a figure up to the deadline ("no data" without one).
    None while the deadline is ahead, or for a goal without one."""
    if goal.due is None or not results or week_end(results[-1].week) < goal.due:
        return None
    by_deadline = goal.due + timedelta(days=7)  # weeks up to the one holding the deadline
    judged = [r for r in results if r.outcome != "no data" and week_end(r.week) < by_deadline]
    return judged[-1].outcome if judged else "no data"


def missed_count(results: Sequence[WeekResult]) -> tuple[int, int]:
    """(weeks missed, weeks with a figure)."""
    judged = [r for r in results if r.outcome != "no data"]
    return sum(r.outcome == "missed" for r in judged), len(judged)


def reference_of(figures: Iterable[float | None]) -> float | None:
    """A relative goal's reference: the median of the weekly figures that exist."""
    vals = [float(v) for v in figures if v is not None and math.isfinite(float(v))]
    return float(np.median(vals)) if vals else None


def breaking_items(goal: Goal, items: pd.DataFrame, limit: int = 5) -> list[tuple[str, float]]:
    """(ref, value) of the included items whose own value breaks the goal's target (the
    PRs that waited longer than "review-time < 8 h"), worst first, ties by ref."""
    if goal.target is None or items.empty or "ref" not in items.columns:
        return []
    ok = items[items["excluded"].isna()] if "excluded" in items.columns else items
    values = ok["value"].to_numpy(dtype="float64")
    finite = np.isfinite(values)
    breaks = ~np.array([goal.holds(v) for v in values], dtype=bool) & finite
    found = ok.loc[breaks, ["ref", "value"]]
    worst_high = goal.op in ("<", "<=")
    found = found.assign(order=-found["value"] if worst_high else found["value"])
    found = found.sort_values(["order", "ref"], kind="stable")
    return [(str(r), float(v)) for r, v in zip(found["ref"], found["value"], strict=True)][:limit]
