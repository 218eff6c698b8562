"""What a digest chart compares: read from the engine's weekly answers, never recomputed.

Each `MetricValue` says its clock ("working" / "wall"), its baseline (the median of the
`baseline_weeks` weeks before it) and, through the insights, which teams are similar. The
chart draws the team's weeks, the spread of the same baseline weeks the engine took its
median of (p25-p75, shown as a band; drawn only when the engine found a baseline), and the
median of the similar teams' own weekly answers.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.slack.catalog import MetricInfo
from bot.slack.charts import ChartSeries
from bot.slack.values import as_number

if TYPE_CHECKING:
    from analytics.values import MetricValue

_PERCENT_UNITS = ("ratio", "share", "fraction", "rate")


def week_label(mv: MetricValue, tz: str) -> str:
    """ "W47" for a MetricValue: the ISO week it starts in, in the team's zone."""
    start: datetime = mv.period_start
    local = start.astimezone(ZoneInfo(tz)) if start.tzinfo else start
    return f"W{local.isocalendar()[1]:02d}"


def value_of(mv: MetricValue) -> float | None:
    """The week's value, None when withheld or missing."""
    return None if mv.withheld_reason else as_number(mv.value)


def axis_label(unit: str) -> tuple[str, float]:
    """(y-axis label, multiplier from the engine's unit to it): fractions are shown in %."""
    u = unit.strip().lower()
    return ("%", 100.0) if u in _PERCENT_UNITS else (unit or "value", 1.0)


def clock_label(clock: str | None, tz: str) -> str:
    """The clock a duration was measured on, as the x-axis says it ("" when none applies)."""
    if clock == "working":
        return f"working hours, {tz}"
    if clock == "wall":
        return "wall clock"
    return ""


def band_of(answers: Sequence[MetricValue], baseline_weeks: int) -> tuple[float, float] | None:
    """p25-p75 of the weeks the last answer's baseline was taken from; None when the engine
    reported no baseline (too few weeks with a value) for that week."""
    if len(answers) < 2 or as_number(answers[-1].baseline) is None:
        return None
    base = [v for v in (value_of(mv) for mv in answers[-1 - baseline_weeks : -1]) if v is not None]
    if len(base) < 2:
        return None
    q1, _, q3 = statistics.quantiles(base, n=4, method="inclusive")
    return q1, q3


def peer_median(
    peer_answers: Mapping[str, Sequence[MetricValue]], weeks: int
) -> tuple[float | None, ...]:
    """Per week (the last `weeks`), the median of the similar teams' values; () without peers."""
    if not peer_answers:
        return ()
    columns: list[float | None] = []
    for i in range(weeks):
        vals = []
        for answers in peer_answers.values():
            shown = answers[-weeks:]
            if i < len(shown) and (v := value_of(shown[i])) is not None:
                vals.append(v)
        columns.append(statistics.median(vals) if vals else None)
    return tuple(columns)


def chart_of(
    info: MetricInfo,
    answers: Sequence[MetricValue],
    *,
    weeks: int,
    baseline_weeks: int,
    tz: str,
    peer_answers: Mapping[str, Sequence[MetricValue]] | None = None,
) -> ChartSeries:
    """The chart of one metric from its weekly answers (oldest first, the digest's week
    last, with `baseline_weeks` more weeks before the `weeks` shown)."""
    shown = list(answers[-weeks:])
    last = shown[-1] if shown else None
    clock = last.clock if last is not None else None
    unit = str(last.unit or info.unit or "") if last is not None else info.unit
    axis, scale = axis_label(unit)
    peers = dict(peer_answers or {})
    return ChartSeries(
        title=info.label,
        axis=axis,
        weeks=tuple(week_label(mv, tz) for mv in shown),
        values=tuple(value_of(mv) for mv in shown),
        scale=scale,
        band=band_of(answers, baseline_weeks),
        band_weeks=baseline_weeks,
        peer_values=peer_median(peers, len(shown)),
        peers=tuple(peers),
        clock=clock_label(clock, tz),
    )
