"""A weekly answer as text and back, exactly: what `analytics.kept` stores per team-week.

`MetricValue.to_json` is for people (NaN becomes null, zones become offsets); a kept answer
must come back equal to the one a full recompute gives, so floats keep NaN and infinity,
instants keep their zone, and the answer's `as_of` is the asking run's. What the metric's
spec and the team fix (id, unit, definition) is not stored: a whole org's two years are
hundreds of thousands of answers, read back in a few seconds only when each is short and
positional."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from analytics.registry import MetricSpec
from analytics.values import MetricValue, Trend


def _plain(x: Any) -> Any:
    """numpy scalars as Python numbers (json writes NaN and Infinity as literals)."""
    item = getattr(x, "item", None)
    return item() if callable(item) else x


def _pairs(d: dict[str, Any]) -> list[list[Any]]:
    return [[k, _plain(v)] for k, v in d.items()]


def encode(mv: MetricValue) -> str:
    """`mv` as JSON text, every field exact (see the module doc), save metric, team, unit,
    definition and as-of."""
    zone = mv.period_start.tzinfo
    t = mv.trend
    return json.dumps(
        [
            mv.period_start.isoformat(),
            mv.period_end.isoformat(),
            zone.key if isinstance(zone, ZoneInfo) else "",
            _plain(mv.value),
            _plain(mv.n),
            _plain(mv.p75),
            _plain(mv.p90),
            _plain(mv.baseline),
            _plain(mv.baseline_n),
            mv.baseline_window,
            None
            if t is None
            else [
                _plain(t.relative_change),
                t.direction,
                t.up_is_good,
                _plain(t.usual_low),
                _plain(t.usual_high),
                _plain(t.weeks),
            ],
            mv.window,
            mv.clock,
            _pairs(mv.exclusions),
            mv.ownership,
            _pairs(mv.ownership_counts),
            _pairs(mv.link_methods),
            _pairs(mv.breakdown),
            list(mv.notes),
            mv.withheld_reason,
            mv.tier,
            mv.tier_source,
        ],
        separators=(",", ":"),
    )


@lru_cache(maxsize=1 << 12)
def _zone(key: str) -> ZoneInfo | None:
    return ZoneInfo(key) if key else None


def _instant(iso: str, zone: ZoneInfo | None) -> datetime:
    at = datetime.fromisoformat(iso)
    return at.astimezone(zone) if zone is not None else at


def decode(text: str, spec: MetricSpec, team: str, as_of: datetime | None) -> MetricValue:
    """The answer `encode` wrote for `spec` and `team`, as known at `as_of` (the run that
    reads it)."""
    r = json.loads(text)
    zone = _zone(r[2])
    trend = None if r[10] is None else Trend(*r[10])
    return MetricValue(
        spec.id,
        team,
        _instant(r[0], zone),
        _instant(r[1], zone),
        r[3],
        spec.unit,
        r[4],
        spec.definition,
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        trend,
        r[11],
        r[12],
        dict(r[13]),
        r[14],
        dict(r[15]),
        dict(r[16]),
        dict(r[17]),
        tuple(r[18]),
        r[19],
        r[20],
        r[21],
        as_of,
    )
