"""Text helpers used on million-row columns must match pandas' per-row string ops."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.arrays import lower_text, starts_with


def test_lower_text_matches_per_row_lowering_and_blanks_missing() -> None:
    s = pd.Series(
        [" Production", "STAGING", None, np.nan, "production", 7], index=[5, 3, 9, 1, 2, 0]
    )
    got = lower_text(s, strip=True)
    want = s.fillna("").astype(str).str.strip().str.lower()
    assert got.tolist() == want.tolist()
    assert got.index.tolist() == s.index.tolist()
    assert lower_text(s).iloc[0] == " production"


def test_lower_text_of_an_empty_column_is_empty() -> None:
    assert lower_text(pd.Series([], dtype=object)).empty


def test_starts_with_is_false_for_missing_and_keeps_the_index() -> None:
    s = pd.Series(['Revert "x"', "revert y", None, 'Revert "'], index=[4, 3, 2, 1])
    got = starts_with(s, 'Revert "')
    assert got.tolist() == [True, False, False, True]
    assert got.index.tolist() == [4, 3, 2, 1]
