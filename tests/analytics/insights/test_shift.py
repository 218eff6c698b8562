"""The weekly shift test: a fresh step is found within a week or three, noise is not flagged
more often than the bar allows, a change is only said to have held once it has, and a
zero-inflated wait is summarised by its mean, zeros counted."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.insights.series import log_mean, share
from analytics.insights.shift import ALPHA, bar, noise, shift


def _weeks(rng: np.random.Generator, n: int = 20, sd: float = 0.1) -> np.ndarray:
    return 3.0 + rng.normal(0.0, sd, n)


def test_a_fresh_step_is_found_in_its_first_weeks() -> None:
    rng = np.random.default_rng(1)
    y = _weeks(rng)
    y[-2:] += np.log(2.0)  # twice as long, two weeks ago
    s = shift(y)
    assert s is not None and s.z > bar() and s.up
    assert s.window in (1, 2) and s.held
    assert s.level - s.reference == pytest.approx(np.log(2.0), abs=0.15)


def test_a_fall_is_found_only_when_asked_for() -> None:
    y = _weeks(np.random.default_rng(2))
    y[-3:] -= 0.8
    up = shift(y, direction="up")
    assert up is not None and up.z < 0
    both = shift(y, direction="both")
    assert both is not None and not both.up and both.z > bar(6)


def test_noise_rarely_clears_the_bar() -> None:
    """On stable weekly values the share over the bar stays near its alpha (here at most a
    few in 2,000 series, where alpha is about 0.2 %)."""
    rng = np.random.default_rng(3)
    hits = sum((s := shift(_weeks(rng))) is not None and s.z >= bar() for _ in range(2000))
    assert hits / 2000 <= 5 * ALPHA


def test_a_single_spike_has_not_held() -> None:
    y = _weeks(np.random.default_rng(4))
    y[-1] += 1.0
    s = shift(y)
    assert s is not None and s.window == 1 and not s.held


def test_the_spread_is_a_weeks_standard_deviation() -> None:
    """Week-to-week differences over sqrt 2, with their degrees of freedom for the bar."""
    spreads = [noise(_weeks(np.random.default_rng(k), sd=0.1)) for k in range(200)]
    assert np.mean([s for s, _ in spreads]) == pytest.approx(0.1, rel=0.1)
    assert {df for _, df in spreads} == {13}


def test_a_run_of_equal_weeks_needs_the_sampling_floor() -> None:
    y = np.full(20, 2.0)
    y[-1] = 2.01
    assert shift(y, floor=0.1).z < 1  # type: ignore[union-attr]


def test_too_few_reference_weeks_give_no_test() -> None:
    y = np.full(20, np.nan)
    y[-4:] = 1.0
    assert shift(y) is None


def test_zero_inflated_waits_are_averaged_with_their_zeros() -> None:
    """Half the PRs with no review stage: the median flips to 0, the mean of log(h + 1)
    moves with the share of zeros and with the waits."""
    waits = np.array([0.0] * 6 + [20.0] * 5)
    value, se = log_mean(1.0)(waits)
    assert np.median(waits) == 0.0
    assert value == pytest.approx(5 / 11 * np.log(21.0))
    assert se > 0


def test_shares_have_a_binomial_error_at_any_level() -> None:
    zero, se0 = share(np.zeros(25))
    some, se1 = share(np.r_[np.ones(10), np.zeros(15)])
    assert zero == 0.0 and some == pytest.approx(np.arcsin(np.sqrt(0.4)))
    assert se0 == se1 == pytest.approx(0.1)


def test_a_change_that_bounced_back_is_not_said_to_have_held() -> None:
    """process_change says "has held" only when its last two weeks are past halfway."""
    from analytics.insights.detectors.trends import _held_text
    from analytics.insights.stats import ChangePoint

    cp = ChangePoint(10, 20.0, 8.0, -0.6, 0.01)
    assert _held_text(np.array([20.0] * 10 + [8.0] * 8 + [9.0, 8.5]), cp) == " and has held there"
    assert "not all past halfway" in _held_text(np.array([20.0] * 10 + [8.0] * 8 + [19.0, 8.5]), cp)
