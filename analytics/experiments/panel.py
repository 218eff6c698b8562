"""A team's weekly values beside its control teams', on the scale the experiment uses.

Durations and sizes (distribution metrics) are compared on a log scale: their weekly medians
are skewed and a process change moves them by a factor ("reviews start 30% sooner"), so a
difference of logs is a ratio. Rates, shares and counts stay on their own scale, and an
effect on them is a difference ("0.8 more deploys a week"). The weekly gap between the team
and the mean of its controls is what every test here works on: a shock that hits every
team in one week (a holiday, an outage) cancels out of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Scale = Literal["log", "linear"]
LOG_FLOOR = 0.05
"""Values below this (e.g. 3 minutes in hours) count as this on the log scale: a week whose
median is 0 would otherwise be minus infinity."""
LOG_KINDS = frozenset({"distribution"})


def scale_for(kind: str) -> Scale:
    """The analysis scale of a metric kind (see the module doc)."""
    return "log" if kind in LOG_KINDS else "linear"


@dataclass(frozen=True)
class Panel:
    """Weekly values, oldest first: the team's, each control's, and the team's item counts.

    `start` is the index of the first week under the change; weeks before it are the
    pre-period. A value is None when the week had no items, was withheld, or overlapped an
    annotation the team keeps out of baselines.
    """

    team: str
    metric: str
    scale: Scale
    weeks: tuple[str, ...]
    treated: tuple[float | None, ...]
    controls: tuple[str, ...]
    control_values: tuple[tuple[float | None, ...], ...]
    counts: tuple[int, ...]
    start: int
    left_out: tuple[str, ...] = ()
    """Weeks of the team left out because they overlap an annotation kept out of baselines."""

    def __post_init__(self) -> None:
        n = len(self.weeks)
        if len(self.treated) != n or len(self.counts) != n:
            raise ValueError("every weekly column must have one value per week")
        if any(len(c) != n for c in self.control_values):
            raise ValueError("every control needs one value per week")
        if len(self.control_values) != len(self.controls):
            raise ValueError("one column of values per control team")
        if not 0 <= self.start <= n:
            raise ValueError("the start must be a week of the panel (or its end)")

    @property
    def post_weeks(self) -> int:
        return len(self.weeks) - self.start


def transform(values: Sequence[float | None], scale: Scale) -> np.ndarray:
    """Values on the analysis scale, NaN where missing."""
    out = np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    if scale == "log":
        out = np.log(np.maximum(out, LOG_FLOOR))
    return out


def gaps(panel: Panel) -> np.ndarray:
    """Per week: the team's value minus the mean of its controls that have one (NaN when the
    team has none, or no control has one)."""
    treated = transform(panel.treated, panel.scale)
    if not panel.controls:
        return np.full(len(panel.weeks), np.nan)
    ctrl = np.vstack([transform(c, panel.scale) for c in panel.control_values])
    have = np.isfinite(ctrl)
    counts = have.sum(axis=0)
    sums = np.where(have, ctrl, 0.0).sum(axis=0)
    mean = np.divide(sums, counts, out=np.full(len(panel.weeks), np.nan), where=counts > 0)
    return treated - mean


def relative(effect: float, scale: Scale, reference: float | None) -> float | None:
    """An effect as a relative change: exp(d) - 1 on the log scale, d / reference on the
    linear one (None without a usable reference)."""
    if scale == "log":
        return math.expm1(effect)
    if reference is None or reference == 0 or not math.isfinite(reference):
        return None
    return effect / abs(reference)


def pre_level(panel: Panel) -> float | None:
    """The team's typical value before the change: the median of its pre-period weeks."""
    pre = [v for v in panel.treated[: panel.start] if v is not None]
    return float(np.median(pre)) if pre else None
