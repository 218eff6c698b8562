"""The integer join helpers in analytics.frames agree with pandas merges on the same keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.arrays import NAT, all_matches, expand_ranges, first_match, rows_by_code, utc_times


@pytest.mark.parametrize("seed", range(10))
def test_all_matches_is_an_inner_merge(seed: int) -> None:
    rng = np.random.default_rng(seed)
    own = rng.integers(0, 8, rng.integers(0, 12))  # repeated keys: matched several times
    theirs = rng.integers(0, 10, rng.integers(0, 15))  # and keys own lacks
    i, j = all_matches(own, theirs)
    merged = pd.DataFrame({"k": theirs, "i": np.arange(len(theirs))}).merge(
        pd.DataFrame({"k": own, "j": np.arange(len(own))}), on="k", how="inner"
    )
    pairs = list(zip(i.tolist(), j.tolist(), strict=True))
    assert sorted(pairs) == sorted(zip(merged["i"], merged["j"], strict=True))
    assert pairs == sorted(pairs)  # in the order of `theirs`, then of `own`
    first = first_match(own, theirs)
    for t, row in enumerate(first.tolist()):
        hits = np.flatnonzero(own == theirs[t])
        assert row == (hits[0] if len(hits) else -1)


def test_expand_ranges_and_rows_by_code() -> None:
    i, j = expand_ranges(np.array([2, 5, 0]), np.array([4, 5, 1]))
    assert i.tolist() == [0, 0, 2] and j.tolist() == [2, 3, 0]
    rows = rows_by_code(np.array([1, -1, 0, 1]), 3)
    assert [r.tolist() for r in rows] == [[2], [0, 3], []]


def test_utc_times_keeps_missing_as_nat() -> None:
    got = utc_times(np.array([0, NAT]))
    assert str(got.tz) == "UTC" and got[0] == pd.Timestamp(0, tz="UTC") and pd.isna(got[1])
