"""The stated noise test (analytics.noise): a week's value against the usual range of its
baseline weeks, median ± 3 scaled MAD widened to the weeks' own values."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from analytics.noise import K_MAD, MAD_SCALE, MIN_WEEKS, TEST_TEXT, reading, usual_range

WEEKS = [26.1, 31.9, 23.2, 29.0, 34.8, 27.55, 30.45, 24.65, 33.35, 29.0, 26.1, 31.9]


def test_usual_range_is_median_plus_minus_three_scaled_mads() -> None:
    usual = usual_range(WEEKS)
    assert usual is not None and usual.weeks == 12
    med = statistics.median(WEEKS)
    mad = statistics.median(abs(w - med) for w in WEEKS)
    assert (med, round(mad, 6)) == (29.0, 2.9)
    assert usual.low == pytest.approx(29.0 - 3 * 2.9 * 1.4826)
    assert usual.high == pytest.approx(29.0 + 3 * 2.9 * 1.4826)
    assert (round(usual.low, 1), round(usual.high, 1)) == (16.1, 41.9)


@pytest.mark.parametrize(
    ("value", "move"),
    [(29.0, "within"), (40.0, "within"), (41.8, "within"), (45.0, "above"), (12.0, "below")],
)
def test_reading_says_where_the_value_lies(value: float, move: str) -> None:
    assert reading(value, WEEKS)[0] == move


def test_a_flat_baseline_is_widened_to_its_own_weeks() -> None:
    """Ten weeks of 0 % and two of 5 % and 10 %: MAD 0, so the range is the weeks' own
    spread, 0 to 10 %; one failure in 18 deployments (5.6 %) is within it."""
    cfr = [0.0] * 10 + [0.05, 0.10]
    usual = usual_range(cfr)
    assert usual is not None and usual.mad == 0 and (usual.low, usual.high) == (0.0, 0.10)
    assert reading(1 / 18, cfr)[0] == "within" and reading(2 / 9, cfr)[0] == "above"


def test_no_range_without_enough_weeks_and_no_move_without_a_value() -> None:
    few = [1.0, None, 2.0, None, 3.0, float("nan")]
    assert usual_range(few) is None and reading(9.0, few) == (None, None)
    move, usual = reading(None, WEEKS)
    assert move is None and usual is not None
    assert usual_range([1.0] * MIN_WEEKS) is not None


@pytest.mark.parametrize("skewed", [False, True])
def test_a_stable_series_rarely_shows_an_arrow(skewed: bool) -> None:
    """13 weeks from one distribution (nothing changed): the 13th falls outside the usual
    range of the 12 before it in about 3 % (normal) or 4-5 % (log-normal) of trials; the
    old rule, an arrow for any move over 10 % from the baseline median, fired in most."""
    rng = np.random.default_rng(7)
    hits = old = 0
    trials = 4000
    for _ in range(trials):
        weeks = rng.lognormal(2, 0.5, 13) if skewed else rng.normal(10, 2, 13)
        hits += reading(float(weeks[-1]), list(weeks[:-1]))[0] != "within"
        old += abs(weeks[-1] / np.median(weeks[:-1]) - 1) > 0.10
    assert hits / trials < 0.05 and old / trials > 0.5


def test_the_stated_test_names_its_numbers() -> None:
    assert f"± {K_MAD:g} × MAD" in TEST_TEXT and str(MAD_SCALE) in TEST_TEXT
    assert f"fewer than {MIN_WEEKS} baseline weeks" in TEST_TEXT
