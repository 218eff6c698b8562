"""The item-level oracle (bench/insight_oracle_items.py) catches planted shifts in items and
keeps its alpha on nulls: synthetic items with known answers."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

WEEK = 7 * 86_400
T0 = 1_700_000_000.0 - (1_700_000_000 % WEEK)  # any week start


def _val_series(rng: np.random.Generator, onset: int, shift: float, per_week: int = 10):
    from insight_items import Series

    s = Series("val")
    for w in range(onset + 3):
        for _ in range(per_week):
            t = T0 + w * WEEK + rng.uniform(0, WEEK)
            s.add(t, value=rng.normal(math.log(2) * shift * (w >= onset), 1.0))
    return s


def test_a_doubling_of_item_values_is_caught_and_a_null_keeps_its_alpha() -> None:
    from insight_oracle_items import series_p

    rng = np.random.default_rng(3)
    # 20 pre-onset weeks x 10 items: a 2x change (log 2 = 0.69 sd) in 20 items is caught
    planted = _val_series(rng, 20, shift=1.0)
    assert series_p(planted, T0, 20, 2, up=True) < 0.001
    assert series_p(planted, T0, 20, 2, up=False) > 0.9  # the known direction only
    ps = [series_p(_val_series(rng, 20, 0.0, 4), T0, 20, 1, up=True) for _ in range(150)]
    rate = float(np.mean(np.asarray(ps) <= 0.05))
    assert 0.01 <= rate <= 0.1


def _wait_series(rng: np.random.Generator, onset: int, factor: float, n_weeks: int):
    """Waits of 4 h (log-normal) begun through the weeks, x factor from the onset."""
    from insight_items import Series

    s = Series("dur")
    for w in range(n_weeks):
        for _ in range(15):
            start = T0 + w * WEEK + rng.uniform(0, WEEK)
            hours = 4 * math.exp(rng.normal(0, 1)) * (factor if w >= onset else 1.0)
            s.add(start, start + hours * 3600)
    return s


def test_log_rank_sees_slower_waits_still_open_at_the_cut_and_keeps_alpha() -> None:
    from insight_oracle_items import series_p

    rng = np.random.default_rng(11)
    slow = _wait_series(rng, 20, 20.0, 21)  # 80 h waits: most begun in week 20 still open
    p = series_p(slow, T0, 20, 1, up=True)
    assert p < 1e-4
    # a t on the finished waits alone cannot see them as well: those are the quick ones
    assert series_p(slow, T0, 20, 1, up=True, welch=True) > p
    ps = [series_p(_wait_series(rng, 20, 1.0, 21), T0, 20, 1, up=True) for _ in range(150)]
    rate = float(np.mean(np.asarray(ps) <= 0.05))
    assert 0.01 <= rate <= 0.1


def test_logrank_z_sign_and_censoring() -> None:
    from insight_oracle_items import logrank_z

    t = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    e = np.ones(8, dtype=bool)
    g = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert logrank_z(t, e, g) > 1.5  # group 1 waits longer
    assert logrank_z(t, e, 1 - g) < -1.5
    # group 1 censored before any event carries no evidence: no test
    e2 = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    assert math.isnan(logrank_z(np.array([1.0, 2, 3, 4, 0.5, 0.5, 0.5, 0.5]), e2, g))
    # censored at 2.5: at risk for the first two events only
    t3 = np.array([1.0, 2, 3, 4, 2.5, 2.5, 2.5, 2.5])
    assert 0 < logrank_z(t3, e2, g) < logrank_z(t, e, g)


def test_rates_and_shares() -> None:
    from insight_items import Series
    from insight_oracle_items import series_p

    pages = Series("count")
    for w in range(23):
        for i in range(2 if w < 20 else 6):  # 2 a week, then 6
            pages.add(T0 + w * WEEK + 1000 * (i + 1))
    assert series_p(pages, T0, 20, 3, up=True) < 1e-3  # 18 where 7.8 were expected
    assert series_p(pages, T0, 20, 3, up=False) > 0.99
    assert math.isnan(series_p(pages, T0, 3, 1, up=True))  # fewer than 6 weeks before
    share = Series("bin")
    for w in range(21):
        for i in range(50):
            share.add(T0 + w * WEEK + 60 * i, value=float(i < (5 if w < 20 else 25)))
    assert series_p(share, T0, 20, 1, up=True) < 1e-9  # 10 % -> 50 %


def test_episodes_scored_by_week_with_bonferroni_over_series_and_healthy_rate() -> None:
    from insight_items import Series, WorldItems
    from insight_oracle_items import caught, needed_mult, score_items

    from analytics.insights.shift import ALPHA

    rng = np.random.default_rng(5)
    series: dict[tuple[str, str], Series] = {("a", "size"): _val_series(rng, 26, 1.0, 25)}
    for i in range(25):
        series[(f"h{i}", "size")] = _val_series(rng, 26, 0.0)
    items = WorldItems(T0, series)
    truth = []
    for w in range(14, 34):
        eff = w >= 26
        truth.append(
            {"team": "a", "kind": "oversized_prs", "week": w, "status": "effect" if eff else
             "healthy", "effect": 2.0 if eff else 1.0, "onset": 26 if eff else None,
             "since": w - 25 if eff else None, "level": 2.0, "reference": 1.0}
        )  # fmt: skip
        for i in range(25):
            truth.append({"team": f"h{i}", "kind": "oversized_prs", "week": w, "status": "healthy"})
    sc = score_items(1, items, truth, range(14, 34))
    (ep,) = sc.episodes
    assert ep.kind == "oversized_prs" and ep.onset == 26 and ep.up
    assert caught(ep, ALPHA) and needed_mult([ep]) < 1.0
    assert ep.adj[0] is not None and ep.adj[2] is not None and ep.adj[2] <= ep.adj[0]
    healthy = np.asarray(sc.healthy["oversized_prs"])
    # weeks 14-29 have items after the pretended onset (the series end at week 28); team a's
    # 12 weeks before its onset count too
    assert healthy.size == 25 * 16 + 12
    assert float(np.mean(healthy <= 0.05)) < 0.1


def test_calibrated_bar_and_needed_multiple() -> None:
    from insight_oracle_items import ItemEpisode, calibrated_bar, needed_mult

    from analytics.insights.shift import ALPHA

    healthy = [0.001 * i for i in range(1, 1001)]
    assert calibrated_bar(healthy, 0.01) == 0.01  # 10 of 1,000 at or below
    eps = [ItemEpisode(1, "a", "k", 20, 1.5, True, [None, None, ALPHA * m]) for m in range(1, 11)]
    assert math.isclose(needed_mult(eps), 9.0)  # 9 of 10 caught at 9 x alpha
    eps[-1].adj[-1] = None
    assert needed_mult(eps, 1.0) == math.inf


def test_pull_stages_and_after_hours() -> None:
    from insight_items import Series, _pull_stages, after_hours

    out: dict[str, Series] = {}

    def s(team: str, name: str) -> Series:
        return out.setdefault(name, Series("dur"))

    pr = {
        "reviews": [
            {"author": "bot[bot]", "state": "COMMENTED", "submitted_at": "2026-01-05T09:00:00Z"},
            {"author": "x", "state": "CHANGES_REQUESTED", "submitted_at": "2026-01-05T10:00:00Z"},
            {"author": "x", "state": "APPROVED", "submitted_at": "2026-01-05T14:00:00Z"},
        ],
        "merged_at": "2026-01-05T16:00:00Z",
        "closed_at": "2026-01-05T16:00:00Z",
    }
    deploys = np.array([datetime(2026, 1, d, 12, tzinfo=UTC).timestamp() for d in (5, 6)])
    _pull_stages(pr, "a", s, deploys)
    assert (out["rounds"].end[0] - out["rounds"].start[0]) / 3600 == 4.0
    assert (out["merge"].end[0] - out["merge"].start[0]) / 3600 == 2.0
    assert (out["deploy"].end[0] - out["deploy"].start[0]) / 3600 == 20.0  # next day's
    assert after_hours(datetime(2026, 1, 5, 20), (9, 17))
    assert after_hours(datetime(2026, 1, 10, 11), (9, 17))  # a Saturday
    assert not after_hours(datetime(2026, 1, 5, 11), (9, 17))


def test_known_change_bound_power_and_the_effect_it_needs() -> None:
    from insight_oracle_np import common_ratio, power, true_ratio
    from scipy.stats import norm

    # a shift of one standard error of the post mean exactly at the bar: power one half
    assert math.isclose(power(("val", (4.0, 0.0, 2.0), 1.0, False), math.e), 0.5)
    assert power(("dur", (4.0, 0.0, 2.0), 1.0, False), 1.0) == 0.0  # no change, no power
    # a rate of 20 a week halved over 3 weeks: 60 -> 30, a z of 30/sqrt(60) - 3 over sqrt(30)
    down = power(("count", (3.0, 20.0, 0.0), 3.0, True), 2.0)
    assert math.isclose(down, norm.cdf((30 - 3 * math.sqrt(60)) / math.sqrt(30)))
    assert power(("count", (3.0, 20.0, 0.0), 3.0, False), 2.0) > down  # doubling: clearer
    assert power(("bin", (100.0, 0.1, 0.0), 3.0, False), 3.0) > 0.99  # 10 % -> 30 %
    # the common effect for 0.9 from one value series of 1 item, sd 1: log r = z + z_0.9
    z = 2.0
    r = common_ratio([[("val", (1.0, 0.0, 1.0), z, False)]])
    assert math.isclose(math.log(r), z + norm.isf(0.1), rel_tol=1e-6)
    assert common_ratio([[("val", (1.0, 0.0, 100.0), z, False)]]) == math.inf
    rows = {
        w: {"effect": 1.0 + 0.1 * (w >= 20), "level": 2.0 if w >= 20 else 1.0} for w in range(30)
    }
    assert math.isclose(true_ratio(rows, "oversized_prs", 20, 3), 1.1)  # own: its effect
    assert math.isclose(true_ratio(rows, "review_bottleneck", 20, 3), 2.0)  # peer: own level


def test_the_team_working_clock_skips_nights_and_weekends() -> None:
    from insight_items import Series, team_clock

    monday = datetime(2026, 3, 2, tzinfo=UTC).timestamp()  # a Monday, no holiday
    clock = team_clock(monday, 2, "UTC", (9, 17))
    s = Series("dur", clock=clock)
    at = np.array([monday + h * 3600.0 for h in (10, 12.5, 24 + 9, 4 * 24 + 16, 7 * 24 + 10)])
    hours = s.hours(at)
    assert hours[1] - hours[0] == 2.5  # Monday 10:00 -> 12:30
    assert hours[2] - hours[0] == 7.0  # to Tuesday 09:00: the night does not count
    assert hours[4] - hours[3] == 2.0  # Friday 16:00 -> Monday 10:00: one hour each side
    assert Series("dur").hours(np.array([7200.0]))[0] == 2.0  # no clock: wall-clock hours
