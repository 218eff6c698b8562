"""A metric's answer as the bot shows it: the number, its trend arrow, baseline and method.

`MetricView.of` reads the engine's typed `MetricValue` and keeps its provenance (clock,
window, baseline window, exclusions, ownership rule), so every answer can say how it was
computed. Formatting is pure and unit-aware: hours read as "29 h" or "2.4 d", rates as "16.7%".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from analytics.noise import TEST_TEXT
from bot.slack.catalog import MetricInfo

if TYPE_CHECKING:
    from analytics.values import MetricValue, Trend


def as_number(value: object) -> float | None:
    """A finite float, or None for missing, NaN, infinite or non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


@dataclass(frozen=True)
class MetricView:
    """One computed metric, ready to render."""

    info: MetricInfo
    value: float | None
    unit: str
    n: int
    p75: float | None = None
    p90: float | None = None
    baseline: float | None = None
    change: float | None = None
    """Relative change against the baseline (+0.12 = 12% higher), if there is one."""
    definition: str = ""
    withheld_reason: str | None = None
    notes: tuple[str, ...] = ()
    """What the engine says about gaps or exclusions (e.g. why there is no value)."""
    direction: str | None = None
    """The engine's reading of the value against its usual range (`analytics.noise`): "up" /
    "down" beyond it, "flat" within it, None when there is no usual range."""
    usual: tuple[float, float, int] | None = None
    """(low, high, baseline weeks with a value) of the usual range, when there is one."""
    clock: str | None = None
    """ "working" (the team's working hours) or "wall"; None when the metric has no clock."""
    window: str = ""
    """What the period covers, in the engine's words."""
    baseline_window: str = ""
    exclusions: tuple[tuple[str, int], ...] = ()
    """(what, how many) left out of the figure (bots, drafts, ...), sorted."""
    ownership: str = ""
    """Which rule assigned work to the team."""
    start: datetime | None = None
    end: datetime | None = None
    as_of: datetime | None = None

    @classmethod
    def of(cls, info: MetricInfo, mv: MetricValue) -> MetricView:
        value = as_number(mv.value)
        baseline = as_number(mv.baseline)
        change, direction, up_is_good = _trend(mv.trend)
        if up_is_good is not None and up_is_good != info.higher_is_better:
            info = replace(info, higher_is_better=up_is_good)
        return cls(
            info=info,
            value=value,
            unit=mv.unit or info.unit,
            n=mv.n,
            p75=as_number(mv.p75),
            p90=as_number(mv.p90),
            baseline=baseline,
            change=change,
            definition=mv.definition or info.description,
            withheld_reason=mv.withheld_reason,
            direction=direction,
            usual=None if mv.trend is None else _usual(mv.trend),
            notes=tuple(mv.notes),
            clock=mv.clock,
            window=mv.window,
            baseline_window=mv.baseline_window,
            exclusions=tuple(sorted(mv.exclusions.items())),
            ownership=mv.ownership,
            start=mv.period_start,
            end=mv.period_end,
            as_of=mv.as_of,
        )

    @property
    def provenance(self) -> list[tuple[str, str]]:
        """How the figure was computed, in the CLI's words: window, clock, n, baseline,
        exclusions and ownership rule (only those the engine reported)."""
        out = [("window", self.window)] if self.window else []
        if self.clock:
            out.append(("clock", self.clock))
        if not self.withheld_reason:  # a withheld figure's n is part of it (throughput's is)
            out.append(("n", str(self.n)))
        if self.baseline_window and self.baseline is not None:
            out.append(("baseline", self.baseline_window))
        if self.usual is not None:
            out.append(("trend", f"{TEST_TEXT} ({self.usual[2]} baseline weeks with a value)"))
        if self.exclusions:
            out.append(("excluded", excluded_text(self.exclusions)))
        if self.ownership:
            out.append(("ownership", self.ownership))
        return out

    @property
    def shown(self) -> str:
        """The value with its unit, or why there is none."""
        if self.withheld_reason:
            return "withheld"
        if self.value is None:
            return "no data"
        return format_value(self.value, self.unit)

    @property
    def arrow(self) -> str:
        """↑ / ↓ only beyond the usual range (the engine's one test), else ""."""
        return _ARROWS.get(self.direction or "", "")

    @property
    def change_text(self) -> str:
        """ "↑12%" / "↓8%" beyond the usual range, "within the usual range" inside it, ""
        without one (too few baseline weeks)."""
        return change_words(self.direction, self.change)

    @property
    def verdict(self) -> str:
        """ "better" / "worse" beyond the usual range, for this metric's sense; "" within it
        (nothing to judge) or without one."""
        return verdict_word(self.direction, self.info.higher_is_better)

    @property
    def reading_text(self) -> str:
        """The trend with the test's range and n (`reading_words`), or ""."""
        if self.usual is None:
            return ""
        return reading_words(
            self.direction, self.change, self.usual, self.unit, self.info.higher_is_better
        )


def change_words(direction: str | None, change: float | None) -> str:
    """ "↑12%" / "↓8%" beyond the usual range ("↑" alone for a zero baseline), "within the
    usual range" inside it, "" without a reading."""
    if direction == "flat":
        return WITHIN
    arrow = _ARROWS.get(direction or "", "")
    if not arrow:
        return ""
    return f"{arrow}{abs(change) * 100:.0f}%" if change else arrow


def verdict_word(direction: str | None, higher_is_better: bool | None) -> str:
    """ "better" / "worse" for a move beyond the usual range, else ""."""
    if direction not in ("up", "down") or higher_is_better is None:
        return ""
    return "better" if (direction == "up") == higher_is_better else "worse"


def reading_words(
    direction: str | None,
    change: float | None,
    usual: tuple[float, float, int],
    unit: str,
    higher_is_better: bool | None,
) -> str:
    """ "↑12% (worse), above the usual range 20 h–26 h of 12 weeks" / "within the usual
    range (20 h–26 h, 12 weeks)": one reading of `analytics.noise`'s test, in the words of
    the CLI, `/metrics` and App Home alike."""
    low, high, weeks = usual
    band = f"{format_value(max(low, 0.0), unit)}–{format_value(high, unit)}"
    if direction == "flat":
        return f"{WITHIN} ({band}, {weeks} weeks)"
    verdict = verdict_word(direction, higher_is_better)
    judged = f" ({verdict})" if verdict else ""
    side = "above" if direction == "up" else "below"
    return (
        f"{change_words(direction, change)}{judged}, {side} the usual range {band} of {weeks} weeks"
    )


WITHIN = "within the usual range"
"""What every surface says of a change inside the week-to-week noise (no arrow)."""

_ARROWS = {"up": "↑", "down": "↓"}


def excluded_text(exclusions: Iterable[tuple[str, int]]) -> str:
    """ "bots 3, drafts 1": what was left out of a figure, sorted by what."""
    return ", ".join(f"{what} {count}" for what, count in sorted(exclusions))


def _usual(trend: Trend) -> tuple[float, float, int]:
    return trend.usual_low, trend.usual_high, trend.weeks


def _trend(trend: Trend | None) -> tuple[float | None, str | None, bool | None]:
    """(relative change, direction, up is good) from the engine's Trend."""
    if trend is None:
        return None, None, None
    return as_number(trend.relative_change), trend.direction, trend.up_is_good


def _hours(hours: float) -> str:
    if abs(hours) < 1:
        return f"{hours * 60:.0f} min"
    if abs(hours) < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{hours / 24:.1f} d"


def format_value(value: float, unit: str) -> str:
    """A human reading of `value` in `unit` (hours, seconds, ratio, %, per week, lines...)."""
    u = unit.strip().lower()
    if u in ("h", "hour", "hours"):
        return _hours(value)
    if u in ("s", "sec", "seconds"):
        return _hours(value / 3600)
    if u in ("min", "minutes"):
        return _hours(value / 60)
    if u in ("d", "day", "days"):
        return _hours(value * 24)
    if u in ("ratio", "share", "fraction", "rate"):
        return f"{value * 100:.1f}%"
    if u in ("%", "percent"):
        return f"{value:.1f}%"
    if u.startswith("per week") or u in ("/week", "per_week", "deploys/week", "/wk"):
        return f"{value:.1f}/wk"
    if u in ("count", "items", ""):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}"
    return f"{shown} {unit}"
