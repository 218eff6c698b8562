"""The one entry point for the shell: which metrics exist and how to compute them.

    from analytics.engine import METRICS, compute_metric, weekly_series, compute_all
    v = compute_metric(engine, org, "team-b", "review-time", start, end, as_of)
    v.value, v.n, v.baseline, v.trend, v.definition, v.to_json()

`evaluate()` and `evaluate_weekly()` are the same computations on frames already loaded
(pure: no SQL, no clock), used by tests and detectors. Every answer is a `MetricValue`
carrying its provenance; people-based figures are withheld for small groups.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from analytics import load
from analytics.aggregate import Agg, aggregate, snapshot
from analytics.calendar import (
    DAY_NS,
    by_calendar,
    complete_weeks_end,
    local_ns,
    require_aware,
    shift_weeks,
    to_ns,
    week_label,
    weekly_edges,
)
from analytics.context import OrgContext, TeamContext, WorkCalendar
from analytics.frames import METRIC_COLUMNS, SCHEMAS, empty
from analytics.metrics import dora, flow, health, worktype
from analytics.metrics.pulls import (
    add_pr_keys,
    is_revert,
    merged_only,
    pr_refs,
    review_milestones,
)
from analytics.ownership import RULES, by_member, by_service_or_repo, describe, work_items_owned
from analytics.persons import as_persons, enough_people, withheld_reason
from analytics.registry import METRICS, MetricSpec, resolve
from analytics.values import MetricValue, trend_of

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

LOOKBACK = timedelta(days=28)  # PRs merged (and deployments made) before a window starts
LOOKAHEAD = timedelta(days=14)  # incidents after a period still count against its deploys
MIN_BASELINE_WEEKS = 4
MILESTONES = "pr_milestones"  # review milestones of `prs`, computed once in bulk runs
MERGED = "merged_prs"  # the merged rows of `prs` (same index)
ACTIVITY = "activity"  # commits and reviews with after-hours flags, shared by two metrics


@dataclass
class Prepared:
    """Items of one metric for a set of teams, ready to bucket."""

    items: pd.DataFrame
    notes: dict[str, list[str]] = field(default_factory=dict)
    model: dict[str, worktype.ModelReport] = field(default_factory=dict)
    issues: pd.DataFrame | None = None  # wip: issues in progress


def _clock(org: OrgContext, clock: str | None) -> str:
    if clock is None:
        return "working" if org.thresholds.working_hours_clock else "wall"
    if clock not in ("working", "wall"):
        raise ValueError(f"clock must be 'working' or 'wall', not {clock!r}")
    return clock


def _frame(frames: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    return frames[name] if name in frames else empty(name)


def _complete(spec: MetricSpec, frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """`frames` plus empty frames for whatever `spec` needs and was not given."""
    out = {n: empty(n) for n in (*spec.needs, "people", "annotations")}
    out.update(frames)
    return out


def _assign(
    frames: Mapping[str, pd.DataFrame], org: OrgContext, teams: Sequence[TeamContext]
) -> dict[str, pd.DataFrame]:
    """Frames restricted to `teams`, each row tagged with `team` and its `ownership` rule."""
    frames = as_persons(frames, org)  # one key per person, whatever sources know them by
    frames = add_pr_keys(frames)  # reviews and commits find their PR by integer key
    out = dict(frames)
    if "prs" in frames:
        owned = by_member(frames["prs"], "author_key", teams)
        owned["ref"] = pr_refs(owned)  # built once, shared by every PR metric's evidence
        owned["revert"] = is_revert(owned)  # title checked once for every PR metric
        out["prs"] = owned
        out[MERGED] = merged_only(owned)  # filtered once for the five merged-PR metrics
    if "commits" in frames:
        out["commits_owned"] = by_member(frames["commits"], "author_key", teams)
    if "member_reviews" in frames:
        out["member_reviews"] = by_member(frames["member_reviews"], "reviewer_key", teams)
    for name in ("deployments", "incidents"):
        if name in frames:
            out[name] = by_service_or_repo(frames[name], teams, org.teams)
    if "pages" in frames:
        pages = frames["pages"].copy()
        pages["team_slug"] = pages["team_slug"].fillna(pages["incident_team_slug"])
        out["pages"] = by_service_or_repo(pages, teams, org.teams)
    if "work_items" in frames:
        out["work_items"] = work_items_owned(frames["work_items"], teams, org.teams)
    return out


def _bots(frames: Mapping[str, pd.DataFrame]) -> frozenset[str]:
    people = _frame(frames, "people")
    return frozenset(people.loc[people["is_bot"], "key"])


def _prepare(
    spec: MetricSpec,
    f: Mapping[str, pd.DataFrame],
    org: OrgContext,
    teams: Sequence[TeamContext],
    clock: str,
    cross_validate: bool = True,
) -> Prepared:
    """Per-item rows of `spec` for `teams` from assigned frames `f` (see `_assign`)."""
    cals: dict[str, WorkCalendar] = {t.slug: t.calendar for t in teams}
    bots = _bots(f)
    th = org.thresholds
    mid = spec.id
    ms = f.get(MILESTONES)
    if mid == "review-time":
        return Prepared(flow.review_time_items(f["prs"], f["reviews"], cals, clock, bots, ms))
    merged = f[MERGED] if MERGED in f else f.get("prs", empty("prs"))
    if mid == "lead-time":
        prod_all = dora.production_deployments(_frame(f, "pr_deployments"), th)
        links = dora.link_prs_to_deployments(merged, prod_all)
        items = dora.lead_time_items(merged, f["reviews"], _frame(f, "commits"), links, bots, ms)
        return Prepared(items)
    if mid == "deploy-frequency":
        prod = dora.production_deployments(f["deployments"], th)
        items = dora.deploy_items(prod)
        day = np.zeros(len(items), dtype="int64")
        teams_col = items["team"].to_numpy()
        for cal, rows in by_calendar(teams_col, cals):
            day[rows] = local_ns(items["at"].iloc[rows], cal.tz) // DAY_NS
        items["day"] = day
        return Prepared(items)
    if mid == "cfr":
        prod = dora.production_deployments(f["deployments"], th)
        attributed = dora.attribute_incidents(prod, f["incidents"], th.incident_window)
        return Prepared(dora.change_failure_items(prod, attributed))
    if mid == "recovery-time":
        return Prepared(dora.recovery_items(f["incidents"]))
    if mid == "cycle-time":
        return Prepared(flow.cycle_time_items(f["work_items"], f["transitions"]))
    if mid == "throughput":
        return Prepared(flow.throughput_items(merged))
    if mid == "pr-size":
        return Prepared(flow.pr_size_items(merged, th.pr_size_buckets))
    if mid == "review-rounds":
        return Prepared(
            flow.review_rounds_items(merged, f["reviews"], _frame(f, "commits"), bots, ms)
        )
    if mid == "wip":
        issues = flow.in_progress_intervals(f["work_items"], f["transitions"])
        return Prepared(flow.pr_intervals(f["prs"]), issues=issues)
    if mid in ("after-hours", "review-load"):
        activity = f.get(ACTIVITY)
        if activity is None:
            activity = _activity(f, teams, bots)
        if mid == "after-hours":
            return Prepared(activity)
        return Prepared(health.review_load_items(f["member_reviews"], activity, bots))
    if mid == "out-of-hours-pages":
        return Prepared(health.page_items(f["pages"], f["people"], cals))
    if mid == "work-mix":
        max_train = worktype.MAX_TRAIN if cross_validate else worktype.MAX_TRAIN_BULK
        items, reports = worktype.work_mix_items(
            merged, f["work_items"], cross_validate=cross_validate, max_train=max_train
        )
        notes: dict[str, list[str]] = {}
        for slug, r in reports.items():
            if r.used:
                acc = f"{r.cv_accuracy:.0%}" if r.cv_accuracy is not None else "n/a"
                notes[slug] = [
                    f"text classifier filled {r.filled} untyped items; trained on "
                    f"{r.trained_on} of {r.labelled} typed items (a fixed-seed sample), "
                    f"cross-validated accuracy {acc}"
                ]
            else:
                notes[slug] = [f"text classifier not used: {r.reason}"]
        return Prepared(items, notes=notes, model=reports)
    raise KeyError(mid)  # pragma: no cover - registry and dispatch are kept in step


def _activity(
    f: Mapping[str, pd.DataFrame], teams: Sequence[TeamContext], bots: frozenset[str]
) -> pd.DataFrame:
    cals = {t.slug: t.calendar for t in teams}
    return health.activity_items(f["commits_owned"], f["member_reviews"], f["people"], cals, bots)


def _aggregate(
    spec: MetricSpec,
    prep: Prepared,
    edges: Mapping[str, np.ndarray],
    as_of: datetime,
    org: OrgContext,
) -> dict[tuple[str, int], Agg]:
    if spec.kind == "snapshot":
        issues = prep.issues if prep.issues is not None else pd.DataFrame()
        return snapshot(prep.items, issues, edges, int(to_ns([as_of])[0]))
    buckets = org.thresholds.pr_size_buckets
    labels = flow.size_bucket_labels(buckets) if spec.id == "pr-size" else None
    return aggregate(spec, prep.items, edges, labels)


def _annotated(
    frames: Mapping[str, pd.DataFrame], team: str, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Which buckets overlap an annotated period kept out of baselines."""
    if "annotations" in frames and frames["annotations"].empty:
        return np.zeros(len(starts), dtype=bool)
    ann = _frame(frames, "annotations")
    ann = ann[ann["exclude_from_baseline"] & (ann["team_slug"].isna() | (ann["team_slug"] == team))]
    hit = np.zeros(len(starts), dtype=bool)
    for a_start, a_end in zip(
        pd.DatetimeIndex(ann["starts_at"]).asi8, pd.DatetimeIndex(ann["ends_at"]).asi8, strict=True
    ):
        hit |= (starts < a_end) & (ends > a_start)
    return hit


def _baseline(values: Iterable[float | None]) -> tuple[float | None, int]:
    vals = [v for v in values if v is not None]
    if len(vals) < MIN_BASELINE_WEEKS:
        return None, len(vals)
    return float(statistics.median(vals)), len(vals)


def _rolling_baselines(
    visible: Sequence[float | None], weeks: int
) -> list[tuple[float | None, int]]:
    """`_baseline` of every run of `weeks` consecutive values (the i-th covers
    visible[i : i + weeks]), computed for all runs at once."""
    arr = np.array([np.nan if v is None else v for v in visible], dtype="float64")
    if len(arr) <= weeks:
        return []
    windows = np.lib.stride_tricks.sliding_window_view(arr, weeks)[: len(arr) - weeks]
    counts = (~np.isnan(windows)).sum(axis=1)
    ordered = np.sort(windows, axis=1)  # NaN sorts last: each row's values come first
    rows = np.arange(len(windows))
    lo = np.maximum((counts - 1) // 2, 0)  # the middle one (odd) or the middle two (even)
    hi = np.minimum(counts // 2, weeks - 1)
    medians = (ordered[rows, lo] + ordered[rows, hi]) / 2
    out: list[tuple[float | None, int]] = []
    enough = counts >= MIN_BASELINE_WEEKS
    for m, c, ok in zip(medians.tolist(), counts.tolist(), enough.tolist(), strict=True):
        out.append((m, c) if ok else (None, c))
    return out


def _metric_value(
    spec: MetricSpec,
    team: TeamContext,
    start: datetime,
    end: datetime,
    agg: Agg,
    baseline_of_visible: tuple[float | None, int],
    skipped_annotated: int,
    as_of: datetime,
    clock: str,
    extra_notes: Sequence[str],
    org: OrgContext,
) -> MetricValue:
    notes = list(extra_notes)
    withheld = None
    # the Agg is this answer's own (one per team and bucket): its dicts are taken, not copied
    value, p75, p90, breakdown = agg.value, agg.p75, agg.p90, agg.breakdown
    if spec.people_based and not enough_people(team, agg.people):
        withheld = withheld_reason(team)
        value = p75 = p90 = None
        breakdown = {}
    baseline, baseline_n = (None, 0) if withheld else baseline_of_visible
    if agg.n == 0 and withheld is None and spec.kind != "rate":
        if spec.id == "recovery-time":
            notes.append("no resolved incidents in the window: no recovery time (not 0)")
        else:
            notes.append("no data in the period")
    if baseline is None and not withheld:
        notes.append(_no_baseline_note(org.thresholds.baseline_weeks))
    exclusions = agg.exclusions
    if skipped_annotated:
        exclusions = {**exclusions, "annotated weeks left out of the baseline": skipped_annotated}
    rule_counts = agg.ownership
    ownership = _describe(tuple(rule_counts.items())) if rule_counts else _default_rule(spec)
    window = _window_text(start, end, team.tz)
    if spec.id == "cfr":
        w = org.thresholds.incident_window
        window += "; incident attribution window " + (
            "until the next deployment" if w is None else f"{w.total_seconds() / 3600:g} h"
        )
    return MetricValue(
        metric=spec.id,
        team=team.slug,
        period_start=start,
        period_end=end,
        value=value,
        unit=spec.unit,
        n=agg.n,
        definition=spec.definition,
        p75=p75,
        p90=p90,
        baseline=baseline,
        baseline_n=baseline_n,
        baseline_window=_baseline_window(org.thresholds.baseline_weeks, baseline_n),
        trend=trend_of(value, baseline, spec.up_is_good),
        window=window,
        clock=clock if spec.uses_clock else ("wall" if spec.unit == "hours" else None),
        exclusions=exclusions,
        ownership=ownership,
        ownership_counts=rule_counts,
        link_methods=agg.link_methods,
        breakdown=breakdown,
        notes=tuple(notes),
        withheld_reason=withheld,
        tier=spec.tier(value) if spec.tier and value is not None else None,
        tier_source=dora.TIER_SOURCE if spec.tier else None,
        as_of=as_of,
    )


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


def _default_rule(spec: MetricSpec) -> str:
    if spec.needs & {"deployments", "incidents", "pages"}:
        return RULES["service"] + " / " + RULES["repository"]
    if spec.id == "cycle-time":
        return RULES["project"]
    return RULES["pr-author"]


def _edges_ns(moments: list[datetime]) -> np.ndarray:
    return to_ns(moments)


@lru_cache(maxsize=1 << 12)
def _weekly_edges(end: datetime, weeks: int, tz: str) -> list[datetime]:
    """`periods.weekly_edges`, cached: every metric of a team shares its weeks (read only)."""
    return weekly_edges(end, weeks, tz)


@lru_cache(maxsize=1 << 12)
def _weekly_edges_ns(end: datetime, weeks: int, tz: str) -> np.ndarray:
    edges = _edges_ns(_weekly_edges(end, weeks, tz))
    edges.flags.writeable = False
    return edges


# --- pure entry points (frames in) ----------------------------------------------------------


def evaluate(
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
    frames = _complete(spec, frames)
    assigned = _assign(frames, org, [t])
    prep = _prepare(spec, assigned, org, [t], ck)
    period = _aggregate(spec, prep, {t.slug: _edges_ns([start, max(start, end_eff)])}, as_of, org)
    bw = org.thresholds.baseline_weeks
    base_edges = _edges_ns(weekly_edges(start, bw, t.tz))
    weekly = _aggregate(spec, prep, {t.slug: base_edges}, as_of, org)
    skip = _annotated(frames, t.slug, base_edges[:-1], base_edges[1:])
    base_vals = [None if skip[b] else _visible(spec, t, weekly[(t.slug, b)]) for b in range(bw)]
    return _metric_value(
        spec,
        t,
        start,
        end,
        period[(t.slug, 0)],
        _baseline(base_vals),
        int(skip.sum()),
        as_of,
        ck,
        prep.notes.get(t.slug, []),
        org,
    )


def _visible(spec: MetricSpec, team: TeamContext, agg: Agg) -> float | None:
    """A weekly value as it may be shown (None when privacy withholds it)."""
    if spec.people_based and not enough_people(team, agg.people):
        return None
    return agg.value


def evaluate_weekly(
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
    of `compute_all`: the work-type classifier skips cross-validation and trains on a smaller
    fixed-seed sample per team (`worktype.MAX_TRAIN_BULK`), both stated in the notes."""
    require_aware(as_of)
    spec = resolve(metric)
    chosen = org.teams if teams is None else tuple(org.team(s) for s in teams)
    ck = _clock(org, clock)
    bw = org.thresholds.baseline_weeks
    edges_dt: dict[str, list[datetime]] = {}
    edges: dict[str, np.ndarray] = {}
    for t in chosen:
        last = complete_weeks_end(as_of, t.tz)
        if include_current:
            last = shift_weeks(last, 1, t.tz)
        edges_dt[t.slug] = _weekly_edges(last, weeks + bw, t.tz)
        edges[t.slug] = _weekly_edges_ns(last, weeks + bw, t.tz)
    frames = _complete(spec, frames)
    if assigned is None:
        assigned = _assign(frames, org, chosen)
    prep = _prepare(spec, assigned, org, chosen, ck, cross_validate)
    aggs = _aggregate(spec, prep, edges, as_of, org)
    out: dict[str, list[MetricValue]] = {}
    for t in chosen:
        e = edges[t.slug]
        skip = _annotated(frames, t.slug, e[:-1], e[1:])
        visible = [
            None if skip[b] else _visible(spec, t, aggs[(t.slug, b)]) for b in range(len(e) - 1)
        ]
        baselines = _rolling_baselines(visible, bw)
        series = []
        for b in range(bw, len(e) - 1):
            series.append(
                _metric_value(
                    spec,
                    t,
                    edges_dt[t.slug][b],
                    edges_dt[t.slug][b + 1],
                    aggs[(t.slug, b)],
                    baselines[b - bw],
                    int(skip[b - bw : b].sum()),
                    as_of,
                    ck,
                    prep.notes.get(t.slug, []),
                    org,
                )
            )
        out[t.slug] = series
    return out


# --- store entry points -------------------------------------------------------------------


def _needs(specs: Iterable[MetricSpec]) -> set[str]:
    needs: set[str] = {"annotations"}
    for s in specs:
        needs |= set(s.needs)
    return needs


def compute_metric(
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
    load_start = base_start - LOOKBACK
    load_end = min(as_of, max(end, start) + LOOKAHEAD)
    frames = load.load_frames(engine, load_start, load_end, [t], _needs([spec]))
    return evaluate(spec.id, frames, org, team, start, end, as_of, clock)


def weekly_series(
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
    frames = load.load_frames(engine, start - LOOKBACK, as_of, [t], _needs([spec]))
    return evaluate_weekly(spec.id, frames, org, [team], weeks, as_of, clock, include_current)[team]


def compute_all(
    engine: Engine | Connection,
    org: OrgContext,
    as_of: datetime,
    weeks: int,
    metrics: Sequence[str] | None = None,
    clock: str | None = None,
) -> dict[str, dict[str, list[MetricValue]]]:
    """Weekly series of every metric (or `metrics`) for every team: {team: {metric: [...]}}.

    Loads the whole org once and computes each metric for all teams in one pass; used by the
    digest and the benchmark. The text classifier skips cross-validation here (reported).
    """
    require_aware(as_of)
    specs = [resolve(m) for m in (metrics or list(METRICS))]
    earliest = min(
        shift_weeks(complete_weeks_end(as_of, t.tz), -(weeks + org.thresholds.baseline_weeks), t.tz)
        for t in org.teams
    )
    frames = load.load_frames(
        engine, earliest - LOOKBACK, as_of, None, _needs(specs), columns=METRIC_COLUMNS
    )  # only the columns metrics read: commit SHAs, subjects and URLs are millions of strings
    out: dict[str, dict[str, list[MetricValue]]] = {t.slug: {} for t in org.teams}
    for spec in specs:
        frames = _complete(spec, frames)
    assigned = _assign(frames, org, org.teams)  # ownership decided once for every metric
    if "prs" in assigned and "reviews" in assigned:  # shared by three PR metrics
        assigned[MILESTONES] = review_milestones(
            assigned["prs"], assigned["reviews"], _bots(assigned)
        )
    if {"after-hours", "review-load"} <= {s.id for s in specs}:  # shared by both
        assigned[ACTIVITY] = _activity(assigned, org.teams, _bots(assigned))
    for spec in specs:
        per_team = evaluate_weekly(
            spec.id, frames, org, None, weeks, as_of, clock, False, False, assigned
        )
        for slug, series in per_team.items():
            out[slug][spec.id] = series
    return out


def frame_names() -> tuple[str, ...]:
    """Every frame `analytics.load` can provide."""
    return tuple(SCHEMAS)
