"""Goals in words: the target, a week's figure against it, the last weeks at a glance, a
relative goal's way travelled. Plain text (escaped where it goes into Slack mrkdwn)."""

from __future__ import annotations

from collections.abc import Sequence

from analytics.goals import Goal, WeekResult, missed_count
from bot.slack.values import format_value

MARK = {"met": "✓", "missed": "✗", "no data": "·"}
_OP_WORDS = {"<": "under", "<=": "at most", ">": "over", ">=": "at least"}
_STAT_WORDS = {"median": "median", "p75": "75th percentile", "p90": "90th percentile"}


def amount(value: float | None, unit: str) -> str:
    """A figure in its metric's unit, in words ("8 h", "400 lines", "5.0/wk", "12.5%")."""
    if value is None:
        return "no figure"
    return format_value(value, unit)


def target_text(goal: Goal, unit: str) -> str:
    """ "median under 8 h", or for a relative goal "at most 28.8 h (36 h - 20%) by 2027-03-31"."""
    stat = _STAT_WORDS[goal.stat]
    if goal.relative:
        assert goal.change is not None
        due = f" by {goal.due:%Y-%m-%d}" if goal.due else ""
        if goal.target is None or goal.reference is None:
            return f"{stat} {goal.change:+.0%} from its level before the goal{due} (no level yet)"
        ref = amount(goal.reference, unit)
        return (
            f"{stat} {_OP_WORDS[goal.op]} {amount(goal.target, unit)} "
            f"({ref} {goal.change:+.0%}){due}"
        )
    return f"{stat} {_OP_WORDS[goal.op]} {amount(goal.target, unit)}"


def marks(results: Sequence[WeekResult]) -> str:
    """ "✓✗✓·": the weeks oldest first (· no figure)."""
    return "".join(MARK[r.outcome] for r in results)


def tally(results: Sequence[WeekResult]) -> str:
    """ "missed 3 of 11 weeks with a figure (1 without)"."""
    missed, judged = missed_count(results)
    without = len(results) - judged
    text = f"missed {missed} of {judged} week{'s' if judged != 1 else ''} with a figure"
    return text + (f" ({without} without)" if without else "")


def week_text(result: WeekResult, unit: str) -> str:
    """ "6.1 h in 2026-W47 (n=12): met"."""
    if result.outcome == "no data":
        return f"no figure in {result.week} (n={result.n})"
    return f"{amount(result.value, unit)} in {result.week} (n={result.n}): {result.outcome}"


def way_travelled(goal: Goal, latest: float | None) -> str:
    """A relative goal's progress: "34% of the way" (can be negative or over 100%)."""
    if goal.reference is None or goal.target is None or latest is None:
        return ""
    span = goal.target - goal.reference
    if span == 0:
        return ""
    return f"{(latest - goal.reference) / span:.0%} of the way"
