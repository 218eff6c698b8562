"""A goal as a team writes it -> a typed `analytics.goals.Goal`, or one sentence saying why not.

    review-time < 1 working day        the week's median, in working hours
    pr-size p75 < 400 lines            the week's 75th percentile
    deploy-frequency >= 5/week
    reduce lead time by 20% by 2027-03-31 [from 2026-10-01]

The same grammar reads `/metrics goal ...` and the config's `goals:` lists, so a goal means
the same wherever it was set. Pure: the metric names come from the registry handed in, the
length of a working day from the team's working hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from analytics.goals import Goal, Op, Stat

if TYPE_CHECKING:
    from analytics.registry import MetricSpec

EXAMPLES = (
    "`review-time < 1 working day`, `pr-size p75 < 400 lines`, `deploy-frequency >= 5/week` "
    "or `reduce lead-time by 20% by 2027-03-31`"
)
_OPS: tuple[tuple[str, Op], ...] = (
    ("<=", "<="),
    (">=", ">="),
    ("≤", "<="),
    ("≥", ">="),
    ("<", "<"),
    (">", ">"),
    (" at most ", "<="),
    (" at least ", ">="),
    (" under ", "<"),
    (" below ", "<"),
    (" over ", ">"),
    (" above ", ">"),
)
_STATS: dict[str, Stat] = {"median": "median", "p50": "median", "p75": "p75", "p90": "p90"}
_RELATIVE = re.compile(
    r"^(?P<verb>reduce|cut|lower|shorten|raise|increase|grow|improve)\s+(?P<what>.+?)\s+by\s+"
    r"(?P<pct>\d{1,3}(?:\.\d+)?)\s*%\s+by\s+(?P<due>\d{4}-\d{2}-\d{2})"
    r"(?:\s+from\s+(?P<start>\d{4}-\d{2}-\d{2}))?$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>.*)$")
_DOWN = ("reduce", "cut", "lower", "shorten")
MAX_GOAL_TEXT = 200


class GoalError(ValueError):
    """A goal that cannot be read as written; the message says how to write it."""


@dataclass(frozen=True)
class Team:
    """What reading a goal needs to know about its team."""

    day_hours: float = 8.0
    """Hours in one working day ("1 working day" of review time)."""
    working_days: int = 5
    """Working days a week ("1/day" of deployments is this many a week)."""


def _norm(word: str) -> str:
    return word.strip().lower().replace("_", "-").replace(" ", "-")


def resolve_metric(word: str, metrics: Mapping[str, MetricSpec]) -> MetricSpec:
    """The spec `word` names by id or alias; GoalError naming the known metrics otherwise."""
    key = _norm(word)
    for metric_id, spec in metrics.items():
        if key in {_norm(metric_id), *(_norm(a) for a in spec.aliases)}:
            return spec
    known = ", ".join(f"`{m}`" for m in sorted(metrics))
    raise GoalError(f"I don't know the metric `{word.strip()}` in a goal. Metrics: {known}.")


def _metric_and_stat(words: str, metrics: Mapping[str, MetricSpec]) -> tuple[MetricSpec, Stat]:
    parts = words.split()
    stat: Stat = "median"
    if len(parts) > 1 and parts[-1].lower() in _STATS:
        stat = _STATS[parts.pop().lower()]
    if not parts:
        raise GoalError(f"A goal names a metric first: {EXAMPLES}.")
    spec = resolve_metric(" ".join(parts), metrics)
    if stat != "median" and spec.kind != "distribution":
        raise GoalError(
            f"`{spec.id}` is one figure per week, it has no {stat}: write e.g. `{spec.id} >= 5`."
        )
    return spec, stat


def _hours(amount: float, unit: str, team: Team) -> float | None:
    if unit in ("", "h", "hr", "hrs", "hour", "hours", "working hour", "working hours"):
        return amount
    if unit in ("m", "min", "mins", "minute", "minutes"):
        return amount / 60
    if unit in ("working day", "working days", "workday", "workdays"):
        return amount * team.day_hours
    if unit in ("d", "day", "days"):
        return amount * 24
    if unit in ("w", "week", "weeks"):
        return amount * 24 * 7
    return None


def _rate(amount: float, unit: str, team: Team) -> float | None:
    unit = re.sub(r"^(deploys?|deployments?|prs?|pull requests?)\s*", "", unit)
    if unit in ("", "/week", "/wk", "per week", "a week", "/w", "weekly"):
        return amount
    if unit in ("/day", "per day", "a day", "daily"):
        return amount * team.working_days
    return None


def convert(amount: float, unit: str, spec: MetricSpec, team: Team) -> float:
    """`amount unit` in the metric's own unit (hours, deploys/week, lines, a share 0..1)."""
    unit = " ".join(unit.lower().split())
    value: float | None
    if spec.unit == "hours":
        value = _hours(amount, unit, team)
    elif "week" in spec.unit:
        value = _rate(amount, unit, team)
    elif spec.unit in ("share", "fraction"):
        value = amount / 100 if unit == "%" else (amount if unit == "" and amount <= 1 else None)
    elif spec.unit == "lines":
        value = amount if unit in ("", "line", "lines", "loc") else None
    else:
        value = amount if unit in ("", spec.unit.lower()) else None
    if value is None:
        raise GoalError(
            f"`{amount:g} {unit}` is not a {spec.unit} figure for `{spec.id}`: " + _unit_hint(spec)
        )
    return value


def _unit_hint(spec: MetricSpec) -> str:
    if spec.unit == "hours":
        return "use h, days or working days (e.g. `1 working day`)."
    if "week" in spec.unit:
        return "use a number per week (e.g. `5/week`)."
    if spec.unit in ("share", "fraction"):
        return "use a percentage (e.g. `15%`)."
    return f"use a number of {spec.unit}."


def _date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise GoalError(f"`{text}` is not a date for the goal's {what}: use YYYY-MM-DD.") from None


def _relative(match: re.Match[str], metrics: Mapping[str, MetricSpec], text: str) -> Goal:
    spec, stat = _metric_and_stat(match["what"], metrics)
    pct = float(match["pct"])
    if not 0 < pct < 100:
        raise GoalError(f"A change of {pct:g}% cannot be a goal: use between 1% and 99%.")
    verb = match["verb"].lower()
    down = verb in _DOWN or (verb == "improve" and spec.up_is_good is False)
    if verb == "improve" and spec.up_is_good is None:
        raise GoalError(f"`{spec.id}` has no better direction: say reduce or raise.")
    due, start = _date(match["due"], "deadline"), _date(match["start"], "start")
    if due is not None and start is not None and start >= due:
        raise GoalError("The goal's start must come before its deadline.")
    op: Op = "<=" if down else ">="
    change = -pct / 100 if down else pct / 100
    return Goal(spec.id, op, None, stat, change=change, due=due, start=start, text=text)


def _absolute(text: str, metrics: Mapping[str, MetricSpec], team: Team) -> Goal:
    padded = f" {text} "
    hit = next(((sym, op) for sym, op in _OPS if sym in padded), None)
    if hit is None:
        raise GoalError(f"I can't read `{text}` as a goal: write it like {EXAMPLES}.")
    symbol, op = hit
    left, _, right = padded.partition(symbol)
    spec, stat = _metric_and_stat(left, metrics)
    number = _NUMBER.match(right.strip())
    if number is None:
        raise GoalError(f"`{right.strip()}` is not a number with a unit: e.g. {EXAMPLES}.")
    target = convert(float(number["num"]), number["unit"], spec, team)
    return Goal(spec.id, op, target, stat, text=text)


def parse_goal(text: str, metrics: Mapping[str, MetricSpec], team: Team | None = None) -> Goal:
    """The goal `text` states; GoalError with an example when it cannot be read."""
    text = " ".join(text.split())
    if not text:
        raise GoalError(f"Which goal? e.g. {EXAMPLES}.")
    if len(text) > MAX_GOAL_TEXT:
        raise GoalError(f"A goal is a short sentence (at most {MAX_GOAL_TEXT} characters).")
    relative = _RELATIVE.match(text)
    if relative is not None:
        return _relative(relative, metrics, text)
    return _absolute(text, metrics, team or Team())
