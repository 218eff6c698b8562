"""The experiment's statistics on hand-made panels whose truth is known (pure, no store)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.experiments.did import did, placebo, pre_trend, split
from analytics.experiments.mde import mde, power_of, weeks_needed
from analytics.experiments.panel import Panel, gaps, transform
from analytics.experiments.report import analyse
from analytics.experiments.wording import change_text, power_note, verdict_text
from tests.analytics.experiments.power import simulated_mde

PRE, POST = 12, 6


def panel(
    *,
    effect: float = 0.0,
    drift: float = 0.0,
    noise: float = 0.25,
    seed: int = 1,
    start: int = 18,
    weeks: int = 24,
    shock: float = 0.4,
) -> Panel:
    """A team and three controls on a log-normal metric: a shock common to every team each
    week (which must cancel), each team's own noise, the team's `effect` (a log ratio) from
    week `start` on and a `drift` per week (log) before it."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0, shock, weeks)
    t = np.arange(weeks)
    team = 2.0 + common + rng.normal(0, noise, weeks) + np.where(t >= start, effect, 0.0)
    team = team + drift * np.minimum(t, start)
    controls = [1.5 + k * 0.3 + common + rng.normal(0, noise, weeks) for k in range(3)]
    return Panel(
        team="team-x",
        metric="review-time",
        scale="log",
        weeks=tuple(f"2026-W{10 + i:02d}" for i in range(weeks)),
        treated=tuple(float(math.exp(v)) for v in team),
        controls=("c1", "c2", "c3"),
        control_values=tuple(tuple(float(math.exp(v)) for v in c) for c in controls),
        counts=tuple(15 for _ in range(weeks)),
        start=start,
    )


def test_the_estimate_finds_a_planted_ratio_and_cancels_shocks_every_team_shares() -> None:
    p = panel(effect=math.log(0.6), shock=1.0)  # shocks far bigger than the effect
    report = analyse(p, weeks_planned=POST, pre_weeks=PRE, seed=3, up_is_good=False)
    est = report.estimate
    assert est is not None and est.detected
    assert est.low < math.log(0.6) < est.high
    assert report.verdict == "improved"
    text = verdict_text(report, "Time to first review", "hours")
    assert text.startswith("Improved: time to first review −") and "against the controls" in text


def test_no_effect_is_no_detectable_change_and_says_what_it_could_have_seen() -> None:
    report = analyse(panel(seed=4), weeks_planned=POST, pre_weeks=PRE, seed=3, up_is_good=False)
    assert report.verdict == "no_change"
    text = verdict_text(report, "Time to first review", "hours")
    assert text.startswith("No detectable change in time to first review")
    assert "includes no change at all" in text and "could see a fall of" in text


def test_a_drift_before_the_start_fails_the_pre_trend_and_the_verdict_is_not_trusted() -> None:
    p = panel(effect=0.0, drift=-0.08, noise=0.05, seed=2)  # sliding all along, no change
    report = analyse(p, weeks_planned=POST, pre_weeks=PRE, seed=3, up_is_good=False)
    assert report.trend is not None and not report.trend.parallel and report.trend.high < 0
    assert report.estimate is not None and report.estimate.detected  # the drift looks like one
    assert report.placebo is not None and report.placebo.detected  # and the placebo says so
    assert report.verdict == "untrusted"
    text = verdict_text(report, "Time to first review", "hours")
    assert "not a trustworthy estimate" in text


def test_the_placebo_runs_on_weeks_before_the_change_only() -> None:
    g = gaps(panel(effect=math.log(0.3), seed=5))  # a huge change from week 18 on
    fake, est = placebo(g, 18, weeks=POST, pre_weeks=PRE, seed=1)
    assert fake == 12 and est is not None and est.post_weeks == POST
    assert not est.detected  # the real change lies after its window
    _, none = placebo(g, 8, weeks=POST, pre_weeks=PRE, seed=1)
    assert none is None  # too few weeks before a fake start two weeks in


def test_weeks_without_a_value_drop_out_and_too_few_give_no_estimate() -> None:
    p = panel()
    holes = tuple(None if i % 2 else v for i, v in enumerate(p.treated))
    thin = Panel(**{**p.__dict__, "treated": holes})
    g = gaps(thin)
    assert np.isnan(g[1::2]).all() and np.isfinite(g[::2]).all()
    pre, post = split(g, thin.start, PRE)
    est = did(pre, post, seed=1)
    assert est is not None and (est.pre_weeks, est.post_weeks) == (6, 3)
    assert did(pre[:3], post, seed=1) is None
    assert pre_trend(pre[:3], seed=1) is None


def test_logs_floor_zero_weeks_and_linear_metrics_stay_differences() -> None:
    assert transform([0.0, None, 1.0], "log")[0] == pytest.approx(math.log(0.05))
    assert math.isnan(transform([None], "log")[0])
    assert change_text(math.log(0.5), "log", "hours", None) == "−50%"
    assert change_text(0.8, "linear", "deploys/week", 4.0) == "+0.8 deploys/week (+20%)"


def test_the_mde_shrinks_with_weeks_and_warns_when_a_plausible_effect_is_out_of_reach() -> None:
    assert mde(0.3, 12, 12) < mde(0.3, 12, 6) < mde(0.3, 12, 3)
    factor = mde(0.3, 12, 6) / (0.3 * math.sqrt(1 / 12 + 1 / 6))
    assert 2.80 < factor < 3.3  # z(0.975) + z(0.8) = 2.80, widened by t on few weeks
    assert mde(0.3, 400, 400) / (0.3 * math.sqrt(2 / 400)) == pytest.approx(2.80, abs=0.01)
    calm = np.full(12, 0.0) + np.linspace(-0.05, 0.05, 12)
    power = power_of(calm, np.full(12, 20), weeks=6, scale="log", level=10.0)
    assert power is not None and power.enough and "⚠" not in power_note(power, "log", "h", 6)
    noisy = np.linspace(-0.8, 0.8, 12)
    loud = power_of(noisy, np.full(12, 20), weeks=6, scale="log", level=10.0)
    assert loud is not None and not loud.enough
    note = power_note(loud, "log", "hours", 6)
    assert "⚠ 6 weeks cannot detect a plausible effect (a 20% change)" in note
    target = math.log(1 / 0.8)
    n = weeks_needed(0.2, 12, target, 1.0)
    assert n is not None and mde(0.2, 12, n) <= target < mde(0.2, 12, n - 1)
    assert weeks_needed(0.5, 12, target, 1.0) is None  # the pre-period alone is too noisy


def test_on_noise_alone_the_test_calls_a_change_about_5_percent_of_the_time() -> None:
    rng = np.random.default_rng(3)
    found = 0
    for r in range(600):
        est = did(rng.normal(0, 1, PRE), rng.normal(0, 1, POST), seed=r, draws=800)
        found += bool(est is not None and est.detected)
    assert 0.02 <= found / 600 <= 0.08, found  # the bootstrap's percentiles gave 8.5%


@pytest.mark.parametrize("noise", [0.15, 0.4])
def test_the_mde_matches_a_simulation_of_the_tests_power_within_20_percent(noise: float) -> None:
    rng = np.random.default_rng(11)
    pre_gaps = rng.normal(0, noise, PRE)
    power = power_of(pre_gaps, np.full(PRE, 15), weeks=POST, scale="log", level=5.0)
    assert power is not None
    simulated, curve = simulated_mde(pre_gaps, power.mde, pre=PRE, post=POST)
    assert abs(simulated / power.mde - 1) <= 0.20, curve
