"""A weekly answer as text and back, exactly: what `analytics.kept` stores per team-week.

`MetricValue.to_json` is for people (NaN becomes null, zones become offsets); a kept answer
must come back equal to the one a full recompute gives, so floats keep NaN and infinity and
the answer's `as_of` is the asking run's. A whole org's two years are hundreds of thousands
of answers, read back in seconds only when each is short: what the spec, the team, the
week and the thresholds fix (id, unit, definition, the period and its words, the baseline's
window in words) is not stored, unless it differs from what they give."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from analytics.answer import baseline_window, window_text
from analytics.context import TeamContext, Thresholds
from analytics.registry import MetricSpec
from analytics.values import MetricValue, Trend


def _plain(x: Any) -> Any:
    """numpy scalars as Python numbers (json writes NaN and Infinity as literals)."""
    item = getattr(x, "item", None)
    return item() if callable(item) else x


def _pairs(d: dict[str, Any]) -> list[list[Any]]:
    return [[k, _plain(v)] for k, v in d.items()]


def _unless(text: str, derived: str) -> str | None:
    return None if text == derived else text


def encode(mv: MetricValue, spec: MetricSpec, team: TeamContext, thresholds: Thresholds) -> str:
    """`mv` as JSON text: its week's start and end (the key it is found by), then every
    field the spec, team, week and thresholds do not give (see the module doc)."""
    t = mv.trend
    counts = dict(mv.ownership_counts)
    window = window_text(spec, mv.period_start, mv.period_end, team.tz, thresholds)
    return json.dumps(
        [
            mv.period_start.isoformat(),
            mv.period_end.isoformat(),
            _plain(mv.value),
            _plain(mv.n),
            _plain(mv.p75),
            _plain(mv.p90),
            _plain(mv.baseline),
            _plain(mv.baseline_n),
            _unless(mv.baseline_window, baseline_window(thresholds.baseline_weeks, mv.baseline_n)),
            None if t is None else [_plain(getattr(t, f)) for f in Trend.__slots__],
            _unless(mv.window, window),
            mv.clock,
            _pairs(mv.exclusions),
            mv.ownership,  # derivable, but wording each count costs more than reading it
            _pairs(counts),
            _pairs(mv.link_methods),
            _pairs(mv.breakdown),
            list(mv.notes),
            mv.withheld_reason,
            mv.tier,
            mv.tier_source,
        ],
        separators=(",", ":"),
    )


def parse(text: str) -> list[Any]:
    """The stored list; its first two items are the week's start and end (ISO text)."""
    raw: list[Any] = json.loads(text)
    return raw


def decode(
    r: list[Any],
    spec: MetricSpec,
    team: TeamContext,
    week: tuple[datetime, datetime],
    thresholds: Thresholds,
    as_of: datetime | None,
) -> MetricValue:
    """The answer `encode` wrote (`parse`d) for `spec`, `team` and `week`, as known at
    `as_of` (the run that reads it)."""
    start, end = week
    counts = dict(r[14])
    return MetricValue(
        spec.id,
        team.slug,
        start,
        end,
        r[2],
        spec.unit,
        r[3],
        spec.definition,
        r[4],
        r[5],
        r[6],
        r[7],
        baseline_window(thresholds.baseline_weeks, r[7]) if r[8] is None else r[8],
        None if r[9] is None else Trend(*r[9]),
        window_text(spec, start, end, team.tz, thresholds) if r[10] is None else r[10],
        r[11],
        dict(r[12]),
        r[13],
        counts,
        dict(r[15]),
        dict(r[16]),
        tuple(r[17]),
        r[18],
        r[19],
        r[20],
        as_of,
    )
