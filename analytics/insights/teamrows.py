"""Each team's rows of a whole-org frame, found once per frame rather than once per ask.

The detectors of every team read the same whole-org frames (`OrgData`'s memoised items) and
take the team's rows of each with `included`, many times per team. Comparing the `team`
column with the team's slug each time costs rows x asks, which in the whole-org run is
teams x rows per frame. Here a frame's `team` column is factorised on its first ask and each
team's row positions kept (in row order) while the frame lives and its column is the same
array; later asks take those rows directly: the same rows, order and index as the mask.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

_ROWS: dict[int, tuple[weakref.ref[pd.DataFrame], int, int, dict[object, np.ndarray]]] = {}
"""id(frame) -> (the frame, its length, its team column's data address, team -> rows)."""


def _address(column: pd.Series) -> int:
    """The address of an object column's values (-1 for any other dtype)."""
    if column.dtype != object:
        return -1
    return int(column.to_numpy(copy=False).__array_interface__["data"][0])


def team_rows(items: pd.DataFrame, team: str) -> np.ndarray | None:
    """Positions of `items`' rows whose `team` is `team`, in order; None when the column is
    not a plain object column (the caller compares instead)."""
    column = items["team"]
    address = _address(column)
    if address == -1:
        return None
    key, size = id(items), len(items)
    kept = _ROWS.get(key)
    if kept is None or kept[0]() is not items or kept[1] != size or kept[2] != address:
        codes, found = pd.factorize(column, use_na_sentinel=True)
        uniques = list(np.asarray(found))
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        rows = {u: order[bounds[i] : bounds[i + 1]] for i, u in enumerate(uniques)}
        kept = (weakref.ref(items), size, address, rows)
        if key not in _ROWS:
            weakref.finalize(items, _ROWS.pop, key, None)
        _ROWS[key] = kept
    return kept[3].get(team, np.empty(0, dtype=np.intp))
