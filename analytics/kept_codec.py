"""A weekly answer as text and back, exactly: what `analytics.kept` stores per team-week.

`MetricValue.to_json` is for people (NaN becomes null, zones become offsets); a kept answer
must come back equal to the one a full recompute gives, so floats keep NaN and infinity,
instants keep their zone, and the answer's `as_of` is the asking run's, not the stored one.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.values import MetricValue, Trend

_INSTANTS = ("period_start", "period_end", "as_of")
_DICTS = ("exclusions", "ownership_counts", "link_methods", "breakdown")


def _instant(at: datetime | None) -> list[str] | None:
    if at is None:
        return None
    zone = at.tzinfo
    return [at.isoformat(), zone.key if isinstance(zone, ZoneInfo) else ""]


def _back(raw: list[str] | None) -> datetime | None:
    if raw is None:
        return None
    at = datetime.fromisoformat(raw[0])
    return at.astimezone(ZoneInfo(raw[1])) if raw[1] else at


def _plain(x: Any) -> Any:
    """numpy scalars as Python numbers (json writes NaN and Infinity as literals)."""
    item = getattr(x, "item", None)
    return item() if callable(item) else x


def encode(mv: MetricValue) -> str:
    """`mv` as JSON text, every field exact (see the module doc); `as_of` left out."""
    out: dict[str, Any] = {}
    for f in fields(MetricValue):
        v = getattr(mv, f.name)
        if f.name == "as_of":
            continue
        if f.name in _INSTANTS:
            out[f.name] = _instant(v)
        elif f.name == "trend":
            out[f.name] = None if v is None else [_plain(getattr(v, t.name)) for t in fields(Trend)]
        elif f.name in _DICTS:
            out[f.name] = [[k, _plain(x)] for k, x in v.items()]
        elif f.name == "notes":
            out[f.name] = list(v)
        else:
            out[f.name] = _plain(v)
    return json.dumps(out, separators=(",", ":"))


def decode(text: str, as_of: datetime | None) -> MetricValue:
    """The answer `encode` wrote, as known at `as_of` (the run that reads it)."""
    raw = json.loads(text)
    for name in _INSTANTS[:2]:
        raw[name] = _back(raw[name])
    if raw["trend"] is not None:
        raw["trend"] = Trend(*raw["trend"])
    for name in _DICTS:
        raw[name] = dict((k, v) for k, v in raw[name])
    raw["notes"] = tuple(raw["notes"])
    return MetricValue(**raw, as_of=as_of)
