"""`analytics.columnar`'s decoders on their own: the fixed-width datetime path and its
fallbacks, and text columns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from analytics import columnar


def _expected(values: list[str | None]) -> pd.Series:
    return pd.Series(pd.to_datetime(values, utc=True, format="ISO8601"))


def test_one_row_and_null_rows_take_the_fixed_width_path(monkeypatch) -> None:
    calls: list[int] = []
    real = columnar._fixed_width

    def spy(raw: bytes, n: int) -> np.ndarray | None:
        calls.append(n)
        return real(raw, n)

    monkeypatch.setattr(columnar, "_fixed_width", spy)
    got = columnar.parse_times("2024-02-29 23:59:59.999999", 1)
    assert got is not None and got.tolist() == _expected(["2024-02-29 23:59:59.999999"]).tolist()
    nulls = columnar.parse_times(",".join([columnar._NULL_TIME] * 3), 3)
    assert nulls is not None and nulls.isna().all() and str(nulls.dtype) == "datetime64[ns, UTC]"
    assert calls == [1, 3]


@pytest.mark.parametrize(
    "value, want",
    [
        ("2024-01-01 10:00:00.00000Z", "2024-01-01 10:00:00"),  # a zone suffix: general parser
        ("2024-01-01T10:00:00.000001", "2024-01-01 10:00:00.000001"),  # 'T': general parser
    ],
)
def test_other_shapes_of_the_same_width_fall_back_to_the_general_parser(
    value: str, want: str
) -> None:
    text = ",".join(["2024-05-05 05:05:05.000005", value])
    got = columnar.parse_times(text, 2)
    assert got is not None
    assert got.tolist() == _expected(["2024-05-05 05:05:05.000005", want]).tolist()
    assert columnar._fixed_width(text.encode(), 2) is None


@pytest.mark.parametrize(
    "bad", ["2024-13-01 10:00:00.000000", "2024-02-30 10:00:00.000000", "2024-01-01 24:00:00.0"]
)
def test_out_of_range_fields_are_not_decoded_silently(bad: str) -> None:
    text = f"2024-05-05 05:05:05.000005,{bad}"
    assert columnar._fixed_width(text.encode(), 2) is None
    with pytest.raises((ValueError, OverflowError)):
        columnar.parse_times(text, 2)


def test_wrong_separator_or_count_is_refused() -> None:
    assert (
        columnar._fixed_width(b"2024-01-01 10:00:00.000000;2024-01-01 10:00:00.000000", 2) is None
    )
    assert columnar.parse_times("2024-01-01 10:00:00.000000", 2) is None


def test_text_columns_keep_values_and_nulls_and_share_repeated_strings() -> None:
    values = [f"org/repo-{i % 7}" if i % 11 else None for i in range(5000)]
    text = columnar.SEP.join(columnar.NULL if v is None else v for v in values)
    got = columnar._decode(text, "str", len(values))
    assert got.tolist() == values
    assert len({id(v) for v in got if v is not None}) == 7
    assert columnar._decode(text, "str", len(values) + 1) is None
    ints = columnar._decode("1,0,-3", "int", 3)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 0, -3]


def test_hundreds_of_repeated_values_are_shared_unique_ones_are_not() -> None:
    people = [f"p{i % 1600:05d}" for i in range(40_000)]
    got = columnar._decode(columnar.SEP.join(people), "str", len(people))
    assert got.tolist() == people
    assert len({id(v) for v in got}) == 1600  # one object per person, not per row
    titles = [f"change {i}" for i in range(40_000)]
    assert columnar._decode(columnar.SEP.join(titles), "str", len(titles)).tolist() == titles


def _column(values: Sequence[str | None]) -> bytes:
    return columnar.SEP.join(columnar.NULL if v is None else v for v in values).encode()


def _awkward_values(n: int) -> list[str | None]:
    """Repeated values of every length 0..32 (word boundaries), non-ASCII, NULLs."""
    words = ["x" * k for k in range(33)] + ["ünïcødé", "org/repo-7", "p0001", "a" * 8 + "b"]
    return [None if i % 13 == 0 else words[(i * 7) % len(words)] for i in range(n)]


def test_repeated_values_are_coded_from_their_bytes_exactly() -> None:
    values = _awkward_values(20_000)
    raw = _column(values)
    coded = columnar._repeated(raw, len(values))
    assert coded is not None
    assert coded.tolist() == values
    assert columnar._decode(raw, "str", len(values)).tolist() == values
    assert len({id(v) for v in coded if v is not None}) == 37  # one object per value


def test_a_hash_collision_falls_back_to_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    values = _awkward_values(5_000)
    raw = _column(values)
    zero = np.uint64(0)
    monkeypatch.setattr(columnar, "_MIX", (zero, zero, np.uint64(31)))  # every key collides
    assert columnar._repeated(raw, len(values)) is None
    assert columnar._decode(raw, "str", len(values)).tolist() == values


def test_long_or_distinct_values_are_split_instead() -> None:
    long = [f"{'y' * 40}-{i % 9}" for i in range(5_000)]
    assert columnar._repeated(_column(long), len(long)) is None
    assert columnar._decode(_column(long), "str", len(long)).tolist() == long
    distinct = [f"title {i}" for i in range(5_000)]
    assert columnar._repeated(_column(distinct), len(distinct)) is None
    assert columnar._repeated(_column(long), len(long) + 1) is None
