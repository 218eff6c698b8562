"""An experiment's report: the estimate against controls, the placebo, the pre-trend, the
minimum detectable effect, and one plain verdict drawn from them.

The verdict is "no detectable change" whenever the interval holds zero: that is an answer,
not a failure. A detected change counts only when the placebo found nothing and the
pre-period gaps did not drift; otherwise the verdict says the estimate is not trusted, and
why. Too few weeks with a value (before or after) is "too early to tell".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from analytics.experiments.did import Estimate, Trend, did, placebo, pre_trend, split
from analytics.experiments.mde import Power, power_of
from analytics.experiments.panel import Panel, gaps, pre_level

Verdict = Literal["improved", "worsened", "changed", "no_change", "untrusted", "too_early"]


@dataclass(frozen=True)
class Report:
    """Everything the experiment's answer says (analysis-scale numbers; wording.py words them)."""

    panel: Panel
    weeks_planned: int
    pre_weeks: int
    estimate: Estimate | None
    placebo: Estimate | None
    placebo_start: str | None
    trend: Trend | None
    power: Power | None
    level: float | None
    up_is_good: bool | None

    @property
    def weeks_done(self) -> int:
        return self.panel.post_weeks

    @property
    def final(self) -> bool:
        return self.weeks_done >= self.weeks_planned

    @property
    def trusted(self) -> bool:
        """The placebo found nothing and the pre-period did not drift (an unknown check, for
        want of weeks, does not count against it; the report names it)."""
        placebo_ok = self.placebo is None or not self.placebo.detected
        trend_ok = self.trend is None or self.trend.parallel
        return placebo_ok and trend_ok

    @property
    def verdict(self) -> Verdict:
        est = self.estimate
        if est is None:
            return "too_early"
        if not est.detected:
            return "no_change"
        if not self.trusted:
            return "untrusted"
        if self.up_is_good is None:
            return "changed"
        better = (est.effect > 0) == self.up_is_good
        return "improved" if better else "worsened"


def analyse(
    panel: Panel,
    *,
    weeks_planned: int,
    pre_weeks: int,
    seed: int,
    up_is_good: bool | None,
) -> Report:
    """The report of `panel` (its start marks the change): see the module doc."""
    g = gaps(panel)
    pre, post = split(g, panel.start, pre_weeks)
    counts = np.asarray(panel.counts[max(0, panel.start - pre_weeks) : panel.start])
    level = pre_level(panel)
    fake, fake_estimate = placebo(
        g, panel.start, weeks=weeks_planned, pre_weeks=pre_weeks, seed=seed
    )
    return Report(
        panel=panel,
        weeks_planned=weeks_planned,
        pre_weeks=pre_weeks,
        estimate=did(pre, post, seed=seed) if post.size else None,
        placebo=fake_estimate,
        placebo_start=panel.weeks[fake] if 0 <= fake < len(panel.weeks) else None,
        trend=pre_trend(pre, seed=seed),
        power=power_of(pre, counts, weeks=weeks_planned, scale=panel.scale, level=level),
        level=level,
        up_is_good=up_is_good,
    )
