"""Every figure of an insight formatted once, so its title, summary and figures line say the
same number, and its effect is the ratio of the numbers as they are shown.

Figures are shown to three significant digits in their display unit (shares as percent,
long wall-clock durations in days). `effect_between` computes an effect from the two
numbers *as shown*, so a reader who divides the figures beside it gets the effect printed
(to its whole percent). Costs are waiting, counted in PR-days (one PR waiting one day), on
the insight's own clock: never hours of people's time.
"""

from __future__ import annotations

import math

from analytics.insights.model import Cost, Effect
from analytics.insights.stats import Interval

SHARE_UNITS = ("share", "fraction", "ratio", "rate")
DAY_AFTER_HOURS = 48.0  # wall-clock durations from 48 h on are shown in days


def _sig(x: float) -> float:
    """`x` to three significant digits (whole numbers from 1000 on)."""
    if not math.isfinite(x) or x == 0:
        return x
    return float(round(x)) if abs(x) >= 1000 else float(f"{x:.3g}")


def _digits(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _display(x: float, unit: str) -> tuple[float, float, str]:
    """(number shown, factor from it back to `unit`, how it is written with {} for it)."""
    u = unit.strip().lower()
    if u in SHARE_UNITS:
        return _sig(x * 100), 0.01, "{}%"
    if u == "hours" and abs(x) >= DAY_AFTER_HOURS:
        return _sig(x / 24), 24.0, "{} days"
    if u == "hours":
        return _sig(x), 1.0, "{} h"
    if u == "minutes":
        return _sig(x), 1.0, "{} min"
    return _sig(x), 1.0, "{} " + unit if unit else "{}"


def number(x: float | None, unit: str) -> str:
    """ "3.61 working hours", "28.6%", "2.08 days", "145 lines": a figure as shown."""
    if x is None or not math.isfinite(x):
        return "n/a"
    shown, _, form = _display(x, unit)
    return form.format(_digits(shown))


def as_shown(x: float, unit: str) -> float:
    """`x` as its shown number says it, back in `unit` (what a reader can compute with)."""
    shown, factor, _ = _display(x, unit)
    return shown * factor


def effect_between(
    value: float, reference: float | None, unit: str, ratio: Interval | None = None
) -> Effect | None:
    """The effect of `value` against `reference`: their ratio as shown, as a percent change,
    with the interval of the same ratio (a bootstrap `ratio`) when there is one. None when
    there is nothing to divide by."""
    if reference is None or not math.isfinite(value) or not math.isfinite(reference):
        return None
    base = as_shown(reference, unit)
    if base == 0:
        return None
    point = round((as_shown(value, unit) / base - 1) * 100, 1)
    if ratio is None:
        return Effect(point)
    return Effect(point, round((ratio.low - 1) * 100, 1), round((ratio.high - 1) * 100, 1))


def scaled_interval(interval: Interval, reference: float) -> Interval | None:
    """A share's interval as a ratio to a fixed `reference` (e.g. the peers' share)."""
    if reference <= 0:
        return None
    return Interval(interval.value / reference, interval.low / reference, interval.high / reference)


def waiting_cost(
    hours: float, *, day_hours: float, clock: str, what: str, weeks: int, who: str = "PRs"
) -> Cost:
    """`hours` of waiting summed over items, as PR-days on `clock`: working days of the team
    (`day_hours` long) on the working clock, 24-hour days on the wall clock."""
    working = clock == "working"
    days = hours / (day_hours if working else 24.0)
    unit = "working PR-days" if working else "PR-days"
    text = f"{who} waited {days:.0f} {unit} {what} over the last {weeks} weeks"
    return Cost(round(days, 1), unit, text)
