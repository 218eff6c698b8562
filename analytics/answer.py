"""One bucket's figures turned into the answer the bot shows: a `MetricValue` with its
baseline, trend, window, clock, exclusions and ownership, withheld (with the reason) when
too few people are behind it (`analytics.persons.withheld_reason`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from analytics.aggregate import Agg
from analytics.baselines import MIN_BASELINE_WEEKS
from analytics.calendar import week_label
from analytics.context import TeamContext, Thresholds
from analytics.metrics import dora
from analytics.ownership import describe
from analytics.persons import period_withheld_reason, withheld_reason
from analytics.registry import MetricSpec
from analytics.values import MetricValue, trend_of


@dataclass(slots=True)  # one per weekly value: not frozen, which costs a setattr per field
class AnswerInputs:
    """Everything one answer is made of: which metric, team and period, the bucket's
    figures, its baseline (median, weeks with a value) and the annotated weeks left out of
    it, when it was asked, on which clock, notes from computing the items, the thresholds."""

    spec: MetricSpec
    team: TeamContext
    start: datetime
    end: datetime
    agg: Agg
    baseline: tuple[float | None, int]
    skipped_annotated: int
    as_of: datetime
    clock: str
    notes: Sequence[str]
    thresholds: Thresholds
    weekly: Sequence[float | None] = ()
    """The baseline weeks' values as shown (None: withheld, annotated or empty), which the
    trend reads the value against (`values.trend_of`, `analytics.noise`)."""
    inside: Sequence[int | None] = ()
    """Persons behind each of the team's weeks the period overlaps, when it spans more
    than one bucket (`persons.period_withheld_reason`); empty for a weekly value."""


def withheld(
    spec: MetricSpec, team: TeamContext, agg: Agg, inside: Sequence[int | None] = ()
) -> str | None:
    """Why this bucket's figure of `team` may not be shown (None: it may be); `inside`, the
    persons behind each week of a longer period (any withheld one withholds it)."""
    if inside:
        return period_withheld_reason(spec.privacy, team, agg.people, inside)
    return withheld_reason(spec.privacy, team, agg.people)


def visible(spec: MetricSpec, team: TeamContext, agg: Agg) -> float | None:
    """A weekly value as it may be shown (None when privacy withholds it): baselines are
    built from these, so a withheld week never enters one."""
    return None if withheld(spec, team, agg) else agg.value


def metric_value(a: AnswerInputs) -> MetricValue:
    spec, team, agg = a.spec, a.team, a.agg
    reason = withheld(spec, team, agg, a.inside)
    if reason is not None:  # no figure, spread, n, tally or item note that could rebuild it
        agg = Agg()  # (a throughput's n is its value; ownership and link counts sum to n)
    notes = list(a.notes) if reason is None else []
    # the Agg is this answer's own (one per team and bucket): its dicts are taken, not copied
    value, p75, p90, breakdown = agg.value, agg.p75, agg.p90, agg.breakdown
    baseline, baseline_n = (None, 0) if reason else a.baseline
    if agg.n == 0 and reason is None and spec.empty_note is not None:
        notes.append(spec.empty_note)
    weeks = a.thresholds.baseline_weeks
    if baseline is None and not reason:
        notes.append(_no_baseline_note(weeks))
    exclusions = agg.exclusions
    if a.skipped_annotated and not reason:
        exclusions = {**exclusions, "annotated weeks left out of the baseline": a.skipped_annotated}
    rule_counts = agg.ownership
    ownership = ownership_text(spec, rule_counts)
    window = window_text(spec, a.start, a.end, team.tz, a.thresholds)
    return MetricValue(
        metric=spec.id,
        team=team.slug,
        period_start=a.start,
        period_end=a.end,
        value=value,
        unit=spec.unit,
        n=agg.n,
        definition=spec.definition,
        p75=p75,
        p90=p90,
        baseline=baseline,
        baseline_n=baseline_n,
        baseline_window=_baseline_window(weeks, baseline_n),
        trend=None if reason else trend_of(value, baseline, spec.up_is_good, a.weekly),
        window=window,
        clock=a.clock if spec.uses_clock else ("wall" if spec.unit == "hours" else None),
        exclusions=exclusions,
        ownership=ownership,
        ownership_counts=rule_counts,
        link_methods=agg.link_methods,
        breakdown=breakdown,
        notes=tuple(notes),
        withheld_reason=reason,
        tier=spec.tier(value) if spec.tier and value is not None else None,
        tier_source=dora.TIER_SOURCE if spec.tier else None,
        as_of=a.as_of,
    )


def ownership_text(spec: MetricSpec, counts: dict[str, int]) -> str:
    """Which rule gave the team its items, in words (the spec's default when none)."""
    return _describe(tuple(counts.items())) if counts else spec.default_rule


def window_text(
    spec: MetricSpec, start: datetime, end: datetime, tz: str, thresholds: Thresholds
) -> str:
    """The period in words, with the spec's note on its window."""
    window = _window_text(start, end, tz)
    if spec.window_note is not None:
        window += "; " + spec.window_note(thresholds)
    return window


def baseline_window(weeks: int, with_value: int) -> str:
    """The baseline's window in words."""
    return _baseline_window(weeks, with_value)


@lru_cache(maxsize=1 << 10)
def _baseline_window(weeks: int, with_value: int) -> str:
    return (
        f"median of the weekly values of the {weeks} weeks before the period "
        f"({with_value} with a value)"
    )


@lru_cache(maxsize=1 << 6)
def _no_baseline_note(weeks: int) -> str:
    return f"no baseline: fewer than {MIN_BASELINE_WEEKS} of the previous {weeks} weeks had a value"


@lru_cache(maxsize=1 << 16)
def _window_text(start: datetime, end: datetime, tz: str) -> str:
    """The period in words; cached because every metric of a team shares its weeks."""
    return (
        f"{start.isoformat()} to {end.isoformat()} ({week_label(start, tz)} week "
        f"start, team zone {tz})"
    )


@lru_cache(maxsize=1 << 12)
def _describe(counts: tuple[tuple[str, int], ...]) -> str:
    return describe(dict(counts))
