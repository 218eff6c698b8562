"""Per-item rows of each metric, from frames already assigned to teams.

Each `MetricSpec` names its item builder here (`spec.items`); the engine calls it with one
typed `ItemInputs`, so there is no dispatch on metric ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.calendar import (
    DAY_NS,
    WorkCalendar,
    by_calendar,
    complete_weeks_end,
    local_ns,
    shift_weeks,
    to_ns,
)
from analytics.context import TeamContext, Thresholds
from analytics.frames import empty
from analytics.metrics import dora, flow, health, worktype
from analytics.persons import with_authors

MILESTONES = "pr_milestones"  # review milestones of `prs`, computed once in bulk runs
EVERY = {"deployments": "every_deployment", "incidents": "every_incident"}  # all owners'
DEPLOYED = "deployed_names"  # (kind, name): services/repos with production deployments
MERGED = "merged_prs"  # the merged rows of `prs` (same index)
ACTIVITY = "activity"  # commits and reviews with after-hours flags, shared by two metrics


@dataclass
class Prepared:
    """Items of one metric for a set of teams, ready to bucket."""

    items: pd.DataFrame
    notes: dict[str, list[str]] = field(default_factory=dict)
    model: dict[str, worktype.ModelReport] = field(default_factory=dict)
    issues: pd.DataFrame | None = None  # wip: issues in progress


@dataclass(frozen=True)
class ItemInputs:
    """What an item builder may read: assigned frames (see `engine._assign`), the teams,
    their calendars, the org's thresholds, the clock asked for, the bots' keys and `as_of`.
    `cross_validate=False` is the bulk mode (the work-type classifier is not scored)."""

    frames: Mapping[str, pd.DataFrame]
    teams: Sequence[TeamContext]
    thresholds: Thresholds
    clock: str
    bots: frozenset[str]
    cross_validate: bool = True
    as_of: datetime | None = None
    """When the answer is asked: the work-type classifier trains on the weeks before it."""

    @property
    def calendars(self) -> dict[str, WorkCalendar]:
        return {t.slug: t.calendar for t in self.teams}

    def frame(self, name: str) -> pd.DataFrame:
        return self.frames[name] if name in self.frames else empty(name)

    @property
    def milestones(self) -> pd.DataFrame | None:
        return self.frames.get(MILESTONES)

    @property
    def merged(self) -> pd.DataFrame:
        f = self.frames
        return f[MERGED] if MERGED in f else f.get("prs", empty("prs"))


ItemsFn = Callable[[ItemInputs], Prepared]


def bots_of(frames: Mapping[str, pd.DataFrame]) -> frozenset[str]:
    people = frames["people"] if "people" in frames else empty("people")
    return frozenset(people.loc[people["is_bot"], "key"])


def review_time(i: ItemInputs) -> Prepared:
    f = i.frames
    items = flow.review_time_items(
        f["prs"], f["reviews"], i.calendars, i.clock, i.bots, i.milestones
    )
    return Prepared(with_authors(items, f["prs"]))


def lead_time(i: ItemInputs) -> Prepared:
    prod_all = dora.production_deployments(i.frame("pr_deployments"), i.thresholds)
    links = dora.link_prs_to_deployments(i.merged, prod_all)
    items = dora.lead_time_items(
        i.merged, i.frames["reviews"], i.frame("commits"), links, i.bots, i.milestones
    )
    return Prepared(with_authors(items, i.merged))


def deploy_frequency(i: ItemInputs) -> Prepared:
    prod = dora.production_deployments(i.frames["deployments"], i.thresholds)
    items = dora.deploy_items(prod)
    day = np.zeros(len(items), dtype="int64")
    for cal, rows in by_calendar(items["team"].to_numpy(), i.calendars):
        day[rows] = local_ns(items["at"].iloc[rows], cal.tz) // DAY_NS
    items["day"] = day  # the local day of each deployment: days with a deploy
    return Prepared(items)


def change_failures(i: ItemInputs) -> Prepared:
    """Each owned production deployment, failed when an incident is attributed to it —
    attributed among every deployment and incident read, whoever owns them, so that a
    deployment's failure never depends on which teams were asked about."""
    f, th = i.frames, i.thresholds
    prod = dora.production_deployments(f["deployments"], th)
    every = dora.production_deployments(f.get(EVERY["deployments"], f["deployments"]), th)
    incidents = f.get(EVERY["incidents"], f["incidents"])
    deployed = deployed_names(f)
    attributed = dora.attribute_incidents(every, incidents, th.incident_window, deployed)
    return Prepared(dora.change_failure_items(prod, attributed))


def deployed_names(frames: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:
    """{"service": [...], "repo": [...]}: names with production deployments the loaded
    deployments do not show (`analytics.plan.deployed`); empty for frames built by hand."""
    out: dict[str, list[str]] = {"service": [], "repo": []}
    known = frames.get(DEPLOYED)
    if known is not None:
        for kind, name in zip(known["kind"], known["name"], strict=True):
            out.setdefault(str(kind), []).append(str(name))
    return out


def recovery_time(i: ItemInputs) -> Prepared:
    return Prepared(dora.recovery_items(i.frames["incidents"]))


def cycle_time(i: ItemInputs) -> Prepared:
    return Prepared(flow.cycle_time_items(i.frames["work_items"], i.frames["transitions"]))


def throughput(i: ItemInputs) -> Prepared:
    return Prepared(with_authors(flow.throughput_items(i.merged), i.merged))


def pr_size(i: ItemInputs) -> Prepared:
    items = flow.pr_size_items(i.merged, i.thresholds.pr_size_buckets)
    return Prepared(with_authors(items, i.merged))


def review_rounds(i: ItemInputs) -> Prepared:
    items = flow.review_rounds_items(
        i.merged, i.frames["reviews"], i.frame("commits"), i.bots, i.milestones
    )
    return Prepared(with_authors(items, i.merged))


def work_in_progress(i: ItemInputs) -> Prepared:
    issues = flow.in_progress_intervals(i.frames["work_items"], i.frames["transitions"])
    prs = i.frames["prs"]
    intervals = flow.pr_intervals(prs)  # one row per PR, in order: the authors as they stand
    intervals["person"] = prs["author_key"].to_numpy(dtype=object)
    return Prepared(intervals, issues=issues)


def activity(i: ItemInputs) -> pd.DataFrame:
    """Commits and reviews with after-hours flags (shared by after-hours and review load)."""
    shared = i.frames.get(ACTIVITY)
    if shared is not None:
        return shared
    f = i.frames
    return health.activity_items(
        f["commits_owned"], f["member_reviews"], f["people"], i.calendars, i.bots
    )


def after_hours(i: ItemInputs) -> Prepared:
    return Prepared(activity(i))


def review_load(i: ItemInputs) -> Prepared:
    return Prepared(health.review_load_items(i.frames["member_reviews"], activity(i), i.bots))


def pages(i: ItemInputs) -> Prepared:
    return Prepared(health.page_items(i.frames["pages"], i.frames["people"], i.calendars))


def work_mix(i: ItemInputs) -> Prepared:
    windows = None
    if i.as_of is not None:
        windows = {t.slug: _ns(train_window(t.tz, i.as_of)) for t in i.teams}
    items, reports = worktype.work_mix_items(
        i.merged, i.frames["work_items"], cross_validate=i.cross_validate, windows=windows
    )
    notes = {s: _model_note(r) for s, r in reports.items()}
    return Prepared(with_authors(items, i.merged), notes=notes, model=reports)


def train_window(tz: str, as_of: datetime) -> tuple[datetime, datetime]:
    """The weeks a team's work-type classifier trains on: the `worktype.TRAIN_WEEKS`
    complete weeks (in `tz`) before the week of `as_of`."""
    end = complete_weeks_end(as_of, tz)
    return shift_weeks(end, -worktype.TRAIN_WEEKS, tz), end


def _ns(window: tuple[datetime, datetime]) -> tuple[int, int]:
    lo, hi = to_ns(list(window))
    return int(lo), int(hi)


def _model_note(r: worktype.ModelReport) -> list[str]:
    if not r.used:
        return [f"text classifier not used: {r.reason}"]
    acc = f"{r.cv_accuracy:.0%}" if r.cv_accuracy is not None else "not scored in bulk runs"
    return [
        f"text classifier filled {r.filled} untyped items; trained on "
        f"{r.trained_on} of the {r.labelled} typed items of the {worktype.TRAIN_WEEKS} weeks "
        f"before the as-of week (those first by a stable key of each item), "
        f"cross-validated accuracy {acc}"
    ]
