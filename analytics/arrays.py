"""Array helpers the metric modules share: integer time, integer-key joins, row groups and
low-cardinality text, each one vectorised pass instead of a pandas groupby or a row loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min  # what NaT is as int64 nanoseconds


def lower_text(values: pd.Series, strip: bool = False) -> pd.Series:
    """Lower-cased text of a low-cardinality column ('' for missing), one string op per
    distinct value: status/environment/category columns repeat a handful of words over
    millions of rows, and `.str.lower()` per row was a visible share of the whole-org run."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    words = [str(u) for u in uniques]
    words = [w.strip().lower() if strip else w.lower() for w in words] + [""]
    table = np.array(words, dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def starts_with(values: pd.Series, prefix: str) -> pd.Series:
    """Whether each text starts with `prefix` (False for missing), without copying the column."""
    arr = values.to_numpy(dtype=object, na_value=None)
    flags = np.fromiter(
        (isinstance(t, str) and t.startswith(prefix) for t in arr), dtype=bool, count=len(arr)
    )
    return pd.Series(flags, index=values.index)


def time_ns(values: Any) -> np.ndarray:
    """UTC nanoseconds of a datetime column (NaT -> NAT), without a copy when possible."""
    return np.asarray(pd.DatetimeIndex(values).asi8, dtype=np.int64)


def utc_times(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 UTC nanoseconds (NAT = missing) as tz-aware UTC datetimes."""
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize(
        "UTC"
    )


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with lo[i] <= j < hi[i], as two arrays, i ascending then j ascending."""
    lengths = np.maximum(hi - lo, 0)
    i = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.cumsum(lengths) - lengths
    return i, lo[i] + (np.arange(len(i)) - offsets[i])


def rows_by_code(codes: np.ndarray, n: int) -> list[np.ndarray]:
    """Row positions of each code 0..n-1 (in row order; code -1 rows in none)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    return [order[bounds[k] : bounds[k + 1]] for k in range(n)]


def first_match(own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """For each of `theirs`, the position of the first equal key in `own` (-1: none)."""
    if len(own) == 0:
        return np.full(len(theirs), -1, dtype=np.int64)
    order = np.argsort(own, kind="stable")  # equal keys keep their order: the first wins
    ordered = own[order]
    at = np.minimum(np.searchsorted(ordered, theirs, side="left"), len(own) - 1)
    return np.where(ordered[at] == theirs, order[at], -1).astype(np.int64)


def all_matches(own: np.ndarray, theirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j) with theirs[i] == own[j] — an inner join on integer keys — in the
    order of `theirs`, several matches of one key in the order of `own`."""
    order = np.argsort(own, kind="stable")
    ordered = own[order]
    lo = np.searchsorted(ordered, theirs, side="left")
    hi = np.searchsorted(ordered, theirs, side="right")
    i, pos = expand_ranges(lo, hi)
    return i, order[pos]
