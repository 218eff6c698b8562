"""The one entry point for the shell: which metrics exist and how to compute them.

    from analytics.engine import METRICS, compute_metric, weekly_series, compute_all
    v = compute_metric(engine=engine, org=org, team="team-b", metric="review-time",
                       start=start, end=end, as_of=as_of)
    v.value, v.n, v.baseline, v.trend, v.definition, v.to_json()

`evaluate()` and `evaluate_weekly()` are the same computations on frames already loaded
(pure: no SQL, no clock), used by tests and detectors. Every answer is a `MetricValue`
carrying its provenance; people-based figures are withheld for small groups. Entry points
take keywords only. What a metric is made of lives on its spec (`analytics.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine

from analytics import kept, plan
from analytics.answer import AnswerInputs, metric_value, visible
from analytics.assign import assign, complete, needs_of
from analytics.baselines import annotated, baseline, rolling_baselines
from analytics.buckets import aggregate, inside_weeks
from analytics.calendar import (
    complete_weeks_end,
    require_aware,
    shift_weeks,
    to_ns,
    weekly_edges,
)
from analytics.context import OrgContext, TeamContext
from analytics.frames import METRIC_COLUMNS, SCHEMAS
from analytics.items import ACTIVITY, MILESTONES, ItemInputs, Prepared, activity, bots_of
from analytics.metrics.pulls import review_milestones
from analytics.registry import METRICS, MetricSpec, resolve
from analytics.teamweeks import team_weeks
from analytics.values import MetricValue

__all__ = [
    "METRICS",
    "MetricSpec",
    "MetricValue",
    "compute_all",
    "compute_metric",
    "evaluate",
    "evaluate_weekly",
    "resolve",
    "weekly_series",
]


def _clock(org: OrgContext, clock: str | None) -> str:
    if clock is None:
        return "working" if org.thresholds.working_hours_clock else "wall"
    if clock not in ("working", "wall"):
        raise ValueError(f"clock must be 'working' or 'wall', not {clock!r}")
    return clock


def _prepare(
    spec: MetricSpec,
    assigned: Mapping[str, pd.DataFrame],
    org: OrgContext,
    teams: Sequence[TeamContext],
    clock: str,
    as_of: datetime,
    cross_validate: bool = True,
) -> Prepared:
    """The metric's items for `teams` as known at `as_of`, built by its spec from assigned
    frames."""
    inputs = ItemInputs(
        assigned, teams, org.thresholds, clock, bots_of(assigned), cross_validate, as_of
    )
    return spec.items(inputs)


def read_start(
    specs: Sequence[MetricSpec], teams: Sequence[TeamContext], start: datetime, as_of: datetime
) -> datetime:
    """Where reading for `specs` starts: `start`, or earlier where a spec reads weeks before
    the as-of week whatever the period (`MetricSpec.history_weeks`, the work-type
    classifier's training weeks), so its answer does not depend on how far back was read."""
    weeks = max((s.history_weeks for s in specs), default=0)
    if weeks == 0:
        return start
    return min(
        [start] + [shift_weeks(complete_weeks_end(as_of, t.tz), -weeks, t.tz) for t in teams]
    )


# --- pure entry points (frames in) ----------------------------------------------------------


def evaluate(
    *,
    metric: str,
    frames: Mapping[str, pd.DataFrame],
    org: OrgContext,
    team: str,
    start: datetime,
    end: datetime,
    as_of: datetime,
    clock: str | None = None,
) -> MetricValue:
    """`metric` for `team` over [start, end) from already-loaded `frames` (no SQL, no clock).

    The baseline is the median of the weekly values of the `baseline_weeks` weeks (on the
    team's wall clock) before `start`, skipping weeks overlapping annotated periods kept out
    of baselines. Events after `as_of` are not counted.
    """
    require_aware(start, end, as_of)
    spec = resolve(metric)
    t = org.team(team)
    ck = _clock(org, clock)
    end_eff = min(end, as_of)
    frames = complete(spec, frames)
    prep = _prepare(spec, assign(frames, org, [t]), org, [t], ck, as_of)
    period = aggregate(spec, prep, {t.slug: to_ns([start, max(start, end_eff)])}, as_of, org)
    inside = inside_weeks(spec, prep, t, start, end_eff, as_of, org)
    bw = org.thresholds.baseline_weeks
    base_edges = to_ns(weekly_edges(start, bw, t.tz))
    weekly = aggregate(spec, prep, {t.slug: base_edges}, as_of, org)
    skip = annotated(frames, t.slug, base_edges[:-1], base_edges[1:])
    base_vals = [None if skip[b] else visible(spec, t, weekly[(t.slug, b)]) for b in range(bw)]
    return metric_value(
        AnswerInputs(
            spec=spec,
            team=t,
            start=start,
            end=end,
            agg=period[(t.slug, 0)],
            baseline=baseline(base_vals),
            skipped_annotated=int(skip.sum()),
            as_of=as_of,
            clock=ck,
            notes=prep.notes.get(t.slug, []),
            thresholds=org.thresholds,
            weekly=base_vals,
            inside=inside,
        )
    )


def evaluate_weekly(
    *,
    metric: str,
    frames: Mapping[str, pd.DataFrame],
    org: OrgContext,
    teams: Sequence[str] | None,
    weeks: int,
    as_of: datetime,
    clock: str | None = None,
    include_current: bool = False,
    cross_validate: bool = True,
    assigned: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, list[MetricValue]]:
    """Per ISO week (each team's own zone) values of `metric` for the `weeks` most recent
    complete weeks before `as_of` (plus the current partial week when asked), oldest first,
    each with its baseline from the weeks before it. `cross_validate=False` is the bulk mode
    of `compute_all`: the work-type classifier's accuracy is not scored (the notes say so);
    its model is the same (`worktype.TRAIN_WEEKS`, `worktype.MAX_TRAIN`)."""
    require_aware(as_of)
    spec = resolve(metric)
    chosen = org.teams if teams is None else tuple(org.team(s) for s in teams)
    ck = _clock(org, clock)
    bw = org.thresholds.baseline_weeks
    edges_dt, edges = team_weeks(chosen, as_of, weeks + bw, include_current)
    frames = complete(spec, frames)
    if assigned is None:
        assigned = assign(frames, org, chosen)
    prep = _prepare(spec, assigned, org, chosen, ck, as_of, cross_validate)
    aggs = aggregate(spec, prep, edges, as_of, org)
    out: dict[str, list[MetricValue]] = {}
    for t in chosen:
        e = edges[t.slug]
        skip = annotated(frames, t.slug, e[:-1], e[1:])
        shown = [
            None if skip[b] else visible(spec, t, aggs[(t.slug, b)]) for b in range(len(e) - 1)
        ]
        baselines = rolling_baselines(shown, bw)
        notes = prep.notes.get(t.slug, [])
        out[t.slug] = [
            metric_value(
                AnswerInputs(
                    spec=spec,
                    team=t,
                    start=edges_dt[t.slug][b],
                    end=edges_dt[t.slug][b + 1],
                    agg=aggs[(t.slug, b)],
                    baseline=baselines[b - bw],
                    skipped_annotated=int(skip[b - bw : b].sum()),
                    as_of=as_of,
                    clock=ck,
                    notes=notes,
                    thresholds=org.thresholds,
                    weekly=shown[b - bw : b],
                )
            )
            for b in range(bw, len(e) - 1)
        ]
    return out


# --- store entry points -------------------------------------------------------------------


def compute_metric(
    *,
    engine: Engine | Connection,
    org: OrgContext,
    team: str,
    metric: str,
    start: datetime,
    end: datetime,
    as_of: datetime,
    clock: str | None = None,
) -> MetricValue:
    """`metric` (id or alias) for `team` over [start, end), as known at `as_of`.

    `clock` ("working" / "wall") applies to time to first review; default from the org's
    thresholds (working hours). Raises KeyError (with a suggestion) for unknown names.
    """
    require_aware(start, end, as_of)
    spec = resolve(metric)
    t = org.team(team)
    base_start = shift_weeks(start, -org.thresholds.baseline_weeks, t.tz)
    frames = plan.read(
        engine,
        needs=needs_of([spec]),
        teams=[t],
        start=read_start([spec], [t], base_start, as_of),
        end=max(end, start),
        as_of=as_of,
        thresholds=org.thresholds,
    )
    return evaluate(
        metric=spec.id,
        frames=frames,
        org=org,
        team=team,
        start=start,
        end=end,
        as_of=as_of,
        clock=clock,
    )


def weekly_series(
    *,
    engine: Engine | Connection,
    org: OrgContext,
    team: str,
    metric: str,
    weeks: int,
    as_of: datetime,
    clock: str | None = None,
    include_current: bool = False,
) -> list[MetricValue]:
    """The `weeks` most recent complete ISO weeks of `metric` for `team`, oldest first."""
    require_aware(as_of)
    spec = resolve(metric)
    t = org.team(team)
    start = shift_weeks(
        complete_weeks_end(as_of, t.tz), -(weeks + org.thresholds.baseline_weeks), t.tz
    )
    frames = plan.read(
        engine,
        needs=needs_of([spec]),
        teams=[t],
        start=read_start([spec], [t], start, as_of),
        end=as_of,
        as_of=as_of,
        thresholds=org.thresholds,
    )
    return evaluate_weekly(
        metric=spec.id,
        frames=frames,
        org=org,
        teams=[team],
        weeks=weeks,
        as_of=as_of,
        clock=clock,
        include_current=include_current,
    )[team]


def compute_all(
    *,
    engine: Engine | Connection,
    org: OrgContext,
    as_of: datetime,
    weeks: int,
    metrics: Sequence[str] | None = None,
    clock: str | None = None,
    teams: Sequence[str] | None = None,
    use_kept: bool = True,
) -> dict[str, dict[str, list[MetricValue]]]:
    """Weekly series of every metric (or `metrics`) for every team (or `teams`):
    {team: {metric: [...]}}, each team's the same answers as its `weekly_series`.

    Reads the answers `refresh` kept for weeks no write has touched since, and computes
    the rest (`analytics.kept`; `use_kept=False`: everything). Loads the org (or those
    teams) once and computes each metric for all of them in one pass; used by the scheduled
    digests (`analytics.bulk.team_answers`) and the benchmark. The text classifier skips
    cross-validation here (reported).
    """
    require_aware(as_of)
    specs = [resolve(m) for m in (metrics or list(METRICS))]
    chosen = org.teams if teams is None else tuple(org.team(s) for s in dict.fromkeys(teams))
    if use_kept:
        return _with_kept(engine, org, as_of, weeks, specs, chosen, _clock(org, clock), teams)
    earliest = min(
        shift_weeks(complete_weeks_end(as_of, t.tz), -(weeks + org.thresholds.baseline_weeks), t.tz)
        for t in chosen
    )
    frames = plan.read(
        engine,
        needs=needs_of(specs),
        teams=None if teams is None else chosen,
        start=read_start(specs, chosen, earliest, as_of),
        end=as_of,
        as_of=as_of,
        thresholds=org.thresholds,
        columns=METRIC_COLUMNS,
    )  # only the columns metrics read: commit SHAs, subjects and URLs are millions of strings
    out: dict[str, dict[str, list[MetricValue]]] = {t.slug: {} for t in chosen}
    for spec in specs:
        frames = complete(spec, frames)
    assigned = _shared(assign(frames, org, chosen), org, chosen, specs)  # ownership once
    for spec in specs:
        per_team = evaluate_weekly(
            metric=spec.id,
            frames=frames,
            org=org,
            teams=None if teams is None else [t.slug for t in chosen],
            weeks=weeks,
            as_of=as_of,
            clock=clock,
            cross_validate=False,
            assigned=assigned,
        )
        for slug, series in per_team.items():
            out[slug][spec.id] = series
    return out


def _with_kept(
    engine: Engine | Connection,
    org: OrgContext,
    as_of: datetime,
    weeks: int,
    specs: Sequence[MetricSpec],
    chosen: Sequence[TeamContext],
    clock: str,
    teams: Sequence[str] | None,
) -> dict[str, dict[str, list[MetricValue]]]:
    """`compute_all` through the answers kept for clean weeks (`analytics.kept`)."""
    return kept.answers(
        engine=engine,
        org=org,
        as_of=as_of,
        weeks=weeks,
        specs=specs,
        teams=chosen,
        clock=clock,
        whole_org=teams is None,
        compute=lambda **kw: compute_all(engine=engine, org=org, use_kept=False, **kw),
    )


def _shared(
    assigned: dict[str, pd.DataFrame],
    org: OrgContext,
    teams: Sequence[TeamContext],
    specs: Sequence[MetricSpec],
) -> dict[str, pd.DataFrame]:
    """`assigned` plus the intermediate tables several of `specs` read, computed once."""
    bots = bots_of(assigned)
    if "prs" in assigned and "reviews" in assigned:  # shared by three PR metrics
        assigned[MILESTONES] = review_milestones(assigned["prs"], assigned["reviews"], bots)
    if sum(ACTIVITY in s.shares for s in specs) >= 2:  # after-hours and review load
        inputs = ItemInputs(assigned, teams, org.thresholds, _clock(org, None), bots)
        assigned[ACTIVITY] = activity(inputs)
    return assigned


def frame_names() -> tuple[str, ...]:
    """Every frame `analytics.load` can provide."""
    return tuple(SCHEMAS)
