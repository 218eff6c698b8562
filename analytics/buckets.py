"""One metric's items bucketed into periods: the engine's weekly and period buckets, and the
weeks a longer period is made of (for the privacy rule that a period is withheld with any
of its weeks, `persons.period_withheld_reason`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np

from analytics.aggregate import Agg, GroupKey
from analytics.calendar import shift_weeks, to_ns, week_start, weekly_edges
from analytics.context import OrgContext, TeamContext
from analytics.items import Prepared
from analytics.metrics import flow
from analytics.registry import MetricSpec


def aggregate(
    spec: MetricSpec,
    prep: Prepared,
    edges: Mapping[str, np.ndarray],
    as_of: datetime,
    org: OrgContext,
) -> dict[GroupKey, Agg]:
    labels = flow.size_bucket_labels(org.thresholds.pr_size_buckets)
    as_of_ns = int(to_ns([as_of])[0])
    return spec.aggregation(spec, prep.items, prep.issues, edges, as_of_ns, labels)


def inside_weeks(
    spec: MetricSpec,
    prep: Prepared,
    t: TeamContext,
    start: datetime,
    end: datetime,
    as_of: datetime,
    org: OrgContext,
) -> tuple[int | None, ...]:
    """Persons behind each of `t`'s weeks that [start, end) overlaps, when that is more than
    the one week [start, end) itself is (else empty): a period figure is withheld with any of
    them (`persons.period_withheld_reason`), so no subtraction of shown weeks reveals it."""
    if spec.privacy == "service" or end <= start:
        return ()
    first, last = week_start(start, t.tz), week_start(end - _TICK, t.tz)
    count = 1
    while shift_weeks(first, count - 1, t.tz) < last:
        count += 1
    if count == 1 and first == start and shift_weeks(first, 1, t.tz) == end:
        return ()
    edges = to_ns(weekly_edges(shift_weeks(first, count, t.tz), count, t.tz))
    weekly = aggregate(spec, prep, {t.slug: edges}, as_of, org)
    return tuple(weekly[(t.slug, b)].people for b in range(count))


_TICK = timedelta(microseconds=1)
