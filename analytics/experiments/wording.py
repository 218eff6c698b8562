"""An experiment's numbers in plain words (pure): the change, its interval, the smallest
change the test can see, the checks, and the verdict.

On the log scale an effect d is the ratio exp(d): "−62%" means the metric's weekly value
became 0.38 times what it would have been, judging by the control teams. On the linear
scale it is a difference in the metric's own unit, with its share of the team's level.
"""

from __future__ import annotations

import math

from analytics.experiments.did import Estimate
from analytics.experiments.mde import PLAUSIBLE, Power
from analytics.experiments.panel import Scale, relative
from analytics.experiments.report import Report
from analytics.insights.wording import number


def _pct(x: float) -> str:
    return f"{x * 100:+.0f}%".replace("-", "−")


def change_text(effect: float, scale: Scale, unit: str, level: float | None) -> str:
    """ "−62%" (log scale), or "+0.8 deploys/week (+15%)" (linear)."""
    if scale == "log":
        return _pct(math.expm1(effect))
    sign = "+" if effect >= 0 else "−"
    share = relative(effect, scale, level)
    tail = f" ({_pct(share)})" if share is not None else ""
    return f"{sign}{number(abs(effect), unit)}{tail}"


def interval_text(est: Estimate, scale: Scale, unit: str) -> str:
    """ "−72% to −49%", or "−0.3 to +1.9 deploys/week"."""
    if scale == "log":
        return f"{_pct(math.expm1(est.low))} to {_pct(math.expm1(est.high))}"
    low, high = (f"{'+' if x >= 0 else '−'}{number(abs(x), unit)}" for x in (est.low, est.high))
    return f"{low} to {high}"


def mde_text(power: Power, scale: Scale, unit: str) -> str:
    """The smallest change the test can see: "a fall of 34% or a rise of 52%", "±0.9 h"."""
    if not math.isfinite(power.mde):
        return "none (too few weeks)"
    if scale == "log":
        fall, rise = -math.expm1(-power.mde), math.expm1(power.mde)
        return f"a fall of {fall:.0%} or a rise of {rise:.0%}"
    return f"±{number(power.mde, unit)}"


def power_note(power: Power, scale: Scale, unit: str, weeks: int) -> str:
    """What the plan can detect, from what (noise, weeks, volume), and a warning when the
    planned weeks cannot detect a plausible effect."""
    noise = f"±{math.expm1(power.noise):.0%}" if scale == "log" else f"±{number(power.noise, unit)}"
    text = (
        f"With {weeks} weeks it can detect {mde_text(power, scale, unit)} (80% power, 5% "
        f"level), from {power.pre_weeks} weeks before the start with a week-to-week noise of "
        f"{noise} against the controls and about {power.items_per_week:.0f} items a week"
        + (f", a value in {power.coverage:.0%} of the weeks" if power.coverage < 1 else "")
        + "."
    )
    if power.enough or power.plausible is None:
        return text
    fix = (
        f"about {power.weeks_for_plausible} weeks would"
        if power.weeks_for_plausible is not None
        else f"no length up to 26 weeks would, with {power.pre_weeks} weeks before the start "
        "this noisy to compare with"
    )
    return (
        f"{text} ⚠ {weeks} weeks cannot detect a plausible effect (a {PLAUSIBLE:.0%} "
        f"change): {fix}."
    )


def checks_text(report: Report, unit: str) -> list[str]:
    """The placebo and the pre-trend, each in one line."""
    scale = report.panel.scale
    lines = []
    if report.placebo is None:
        lines.append("Placebo: not run (too few weeks before the start).")
    else:
        p = report.placebo
        found = "found a change: " if p.detected else "found nothing, as it should: "
        lines.append(
            f"Placebo (a fake start at {report.placebo_start}, weeks before the change only) "
            f"{found}{change_text(p.effect, scale, unit, report.level)} "
            f"({interval_text(p, scale, unit)})."
        )
    t = report.trend
    if t is None:
        lines.append("Pre-trend: not checked (too few weeks before the start).")
    else:
        per_week = change_text(t.slope, scale, unit, report.level)
        state = (
            "parallel to the controls (no drift the data can show)"
            if t.parallel
            else "drifting away from the controls already"
        )
        lines.append(f"Pre-trend over {t.weeks} weeks: {per_week} a week, {state}.")
    return lines


def verdict_text(report: Report, metric_name: str, unit: str) -> str:
    """One plain sentence: what the data says about the change."""
    est, scale = report.estimate, report.panel.scale
    verdict = report.verdict
    if est is None:
        return (
            f"Too early to tell: {report.weeks_done} of {report.weeks_planned} weeks have "
            "passed, and the test needs at least 2 weeks with a value after the start and 4 "
            "before it."
        )
    change = change_text(est.effect, scale, unit, report.level)
    interval = interval_text(est, scale, unit)
    if verdict == "no_change":
        seen = (
            f" This test could see {mde_text(report.power, scale, unit)} or more."
            if report.power
            else ""
        )
        return (
            f"No detectable change in {metric_name.lower()}: {change}, but the interval "
            f"({interval}) includes no change at all.{seen}"
        )
    if verdict == "untrusted":
        return (
            f"{metric_name} moved by {change} ({interval}) against the controls, but the "
            "checks below failed, so this is not a trustworthy estimate of the change's effect."
        )
    word = {"improved": "Improved", "worsened": "Worse", "changed": "Changed"}[verdict]
    return f"{word}: {metric_name.lower()} {change} against the controls ({interval})."
