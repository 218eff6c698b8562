"""Column-wise reads from SQLite and PostgreSQL: one aggregate row per query instead of one
Python row each.

At large-org scale the row-by-row DBAPI fetch (~0.3 µs per value, plus a tuple per row and a
transposition) and per-value datetime parsing dominated `compute_all`. Here a query is
wrapped so that the database concatenates each column into one string (`group_concat` on
SQLite, `string_agg` on PostgreSQL, computed in one pass over the rows: the aggregates of
one query are fed the same rows in the same order, each row to all of them in turn); numpy
then splits and parses whole columns. On SQLite datetimes are SQLAlchemy's fixed-width
naive UTC text ("YYYY-MM-DD HH:MM:SS.ffffff") and are parsed by numpy as fixed-width bytes;
on PostgreSQL they are sent as integer microseconds since the epoch (computed exactly, and
independent of the session's DateStyle). Anything else falls back to a general parser, and
any surprise (a separator inside a value, a count mismatch, a database error such as
PostgreSQL's 1 GB limit on one value) falls back to the plain row fetch, so results never
depend on the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Integer,
    LargeBinary,
    Select,
    Text,
    Time,
    cast,
    func,
    literal_column,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement

SEP = "\x1f"  # ASCII unit separator between values of a text column
NULL = "\x1e"  # ASCII record separator stands for NULL in a text column
_TIME_WIDTH = 26  # "YYYY-MM-DD HH:MM:SS.ffffff"
_NULL_TIME = "0000-00-00 00:00:00.000000"


def _sql(text: str) -> ColumnElement[Any]:
    """A constant written into the SQL: bound parameters here cost ~2x in SQLite's loop."""
    return literal_column("'" + text.replace("'", "''") + "'")


def _aggregate(col: Any, kind: str) -> ColumnElement[Any]:
    if kind == "time":
        return _blob(func.group_concat(func.ifnull(col, _sql(_NULL_TIME)), _sql(",")))
    if kind in ("int", "bool"):
        return _blob(func.group_concat(func.ifnull(col, literal_column("0")), _sql(",")))
    if kind == "float":
        return _blob(func.group_concat(func.ifnull(col, _sql("nan")), _sql(",")))
    return _blob(func.group_concat(func.ifnull(col, _sql(NULL)), _sql(SEP)))


_NULL_US = str(np.iinfo(np.int64).min)  # NaT as datetime64[us]: a NULL datetime on PostgreSQL
_US_PER_DAY = 86_400_000_000


def _pg_aggregate(col: Any, kind: str) -> ColumnElement[Any]:
    """PostgreSQL's `string_agg` of a column as text (psycopg hands text over as str in C)."""
    if kind == "time":
        return _pg_join(func.coalesce(cast(_pg_micros(col), Text), _sql(_NULL_US)), ",")
    if kind in ("int", "bool"):
        as_int = cast(col, BigInteger if kind == "int" else Integer)
        return _pg_join(cast(func.coalesce(as_int, literal_column("0")), Text), ",")
    if kind == "float":
        return _pg_join(func.coalesce(cast(col, Text), _sql("nan")), ",")
    return _pg_join(func.coalesce(cast(col, Text), _sql(NULL)), SEP)


def _pg_join(text: ColumnElement[Any], sep: str) -> ColumnElement[Any]:
    return func.string_agg(text, _sql(sep))


def _pg_micros(col: Any) -> ColumnElement[Any]:
    """Microseconds since 1970 of a naive UTC timestamp, exactly: whole days (an integer) plus
    the time of day (at most 86,400 s: a double holds its microseconds exactly); neither
    depends on the session's time zone or DateStyle, unlike the timestamp's text."""
    days = cast(col, Date) - literal_column("DATE '1970-01-01'")
    of_day = func.round(func.date_part(_sql("epoch"), cast(col, Time)) * 1_000_000)
    return cast(days, BigInteger) * _US_PER_DAY + cast(of_day, BigInteger)


def _blob(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """Every column comes back as bytes (CAST AS BLOB): numpy parses and codes bytes
    without the GIL, and a str would be built from SQLite's UTF-8 only to be encoded again
    (~0.1 s per 50 MB)."""
    return cast(text, LargeBinary)


def read_columns(conn: Connection, stmt: Select[Any], kinds: Mapping[str, str]) -> pd.DataFrame:
    """The rows of `stmt` as a frame with numpy columns; `kinds` maps column names to frame
    kinds (str/int/float/bool/time/list); unknown columns are read as text."""
    # the aggregates replace the selected columns of the same statement, so its FROM, joins,
    # WHERE and hints (e.g. SQLite's NOT INDEXED) stay exactly as written
    columns = list(stmt.selected_columns)
    names = [str(c.key) for c in columns]
    pg = conn.dialect.name == "postgresql"
    aggregate = _pg_aggregate if pg else _aggregate
    aggs = [
        aggregate(getattr(c, "element", c), kinds.get(n, "str"))
        for c, n in zip(columns, names, strict=True)
    ]
    agg_stmt = stmt.with_only_columns(func.count(), *aggs, maintain_column_froms=True)
    got = _pg_one(conn, agg_stmt) if pg else list(conn.execute(agg_stmt).one())
    if got is None:
        return _rows(conn, stmt)
    texts: list[Any] = got
    n = int(texts.pop(0))
    if n == 0:
        return pd.DataFrame({name: [] for name in names})
    data: dict[str, Any] = {}
    for i, name in enumerate(names):
        kind = kinds.get(name, "str")
        col = parse_micros(texts[i], n) if pg and kind == "time" else _decode(texts[i], kind, n)
        texts[i] = None  # each column's text is dropped once decoded: a lower peak
        if col is None:  # a value held a separator: read this query row by row instead
            del data, texts
            return _rows(conn, stmt)
        data[name] = col
    return pd.DataFrame(data, copy=False)  # no consolidation: a copy of every column


def _rows(conn: Connection, stmt: Select[Any]) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _pg_one(conn: Connection, agg_stmt: Select[Any]) -> list[Any] | None:
    """The aggregate row, or None when PostgreSQL refuses it (a column's text over its 1 GB
    limit for one value, a timestamp it cannot turn into microseconds): run in a savepoint,
    so that the caller's transaction survives and the rows are read instead."""
    try:
        with conn.begin_nested():
            return list(conn.execute(agg_stmt).one())
    except DBAPIError:
        return None


def parse_micros(text: str | bytes, n: int) -> pd.Series | None:
    """`n` comma-separated integer microseconds since 1970 (int64 min: NULL) as tz-aware UTC
    datetimes; None when the count is off or a value is beyond datetime64[ns]'s range."""
    micros = np.fromstring(text, dtype=np.int64, sep=",")
    if len(micros) != n:
        return None
    null = micros == np.iinfo(np.int64).min
    limit = np.iinfo(np.int64).max // 1000
    if (np.abs(micros[~null]) >= limit).any():  # nanoseconds would overflow silently
        return None
    return pd.Series(micros.view("datetime64[us]").astype("datetime64[ns]"), dtype=_UTC)


def _decode(text: str | bytes, kind: str, n: int) -> Any:
    if kind == "time":
        return parse_times(text, n)
    if kind in ("int", "bool"):
        ints = np.fromstring(text, dtype=np.int64, sep=",")
        if len(ints) != n:
            return None
        return ints.astype(bool) if kind == "bool" else ints
    if kind == "float":
        floats = np.fromstring(text, dtype=np.float64, sep=",")
        return floats if len(floats) == n else None
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    repeated = _repeated(raw, n)
    if repeated is not None:
        return repeated
    text = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    parts = text.split(SEP)
    if len(parts) != n:
        return None
    arr = np.fromiter(parts, dtype=object, count=n)
    del parts
    if NULL in text:  # most text columns are NOT NULL: no per-value comparison then
        arr[arr == NULL] = None
    return _shared(arr)


_WORDS = 4  # values up to 32 bytes are coded from their bytes
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(31))


def _repeated(raw: bytes, n: int) -> np.ndarray | None:
    """A text column that repeats its values (see `_shared`), decoded without splitting it
    into one str per row: each value's bytes (up to 32) are read as four integers, hashed,
    and the hash factorized, all in numpy (which runs without the GIL, so another thread's
    work proceeds meanwhile); every row is then checked against its group's first row
    byte for byte, so a hash collision cannot merge two values. Only the distinct values
    become str objects, shared by their rows. None when the column does not qualify (or
    its separator count is off): the caller splits it then."""
    if n < 1024:
        return None
    flat = np.frombuffer(raw, dtype=np.uint8)
    seps = np.flatnonzero(flat == ord(SEP))
    if len(seps) != n - 1:
        return None
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = seps + 1
    lens = np.empty(n, dtype=np.int64)
    lens[:-1] = seps
    lens[-1] = len(flat)
    lens -= starts
    step = max(1, n // _SAMPLE)
    sample = zip(starts[::step].tolist(), lens[::step].tolist(), strict=True)
    distinct = {raw[a : a + k] for a, k in sample}
    if 2 * len(distinct) > -(-n // step) or int(lens.max()) > 8 * _WORDS:
        return None
    words = max(1, -(-int(lens.max()) // 8))
    padded = np.zeros(len(flat) + 8 * words + 8, dtype=np.uint8)
    padded[: len(flat)] = flat
    # the 8 bytes starting at every byte offset, as one little-endian integer each
    at = np.ndarray((len(flat) + 8 * words,), dtype="<u8", buffer=padded, strides=(1,))
    key = lens.astype(np.uint64)
    parts = []
    for w in range(words):
        part = at[starts + 8 * w]
        part &= _MASKS[np.minimum(np.maximum(lens - 8 * w, 0), 8)]  # np.clip: ~3x slower
        parts.append(part)
        key ^= part
        key *= _MIX[0]
        key ^= key >> _MIX[2]
        key *= _MIX[1]
    codes, _ = pd.factorize(key)
    # codes number values in order of first appearance: first rows are where codes rise
    rises = np.empty(n, dtype=bool)
    rises[0] = True
    np.greater(codes[1:], np.maximum.accumulate(codes)[:-1], out=rises[1:])
    first = np.flatnonzero(rises)
    same = first[codes]
    if not (lens[same] == lens).all() or not all((p[same] == p).all() for p in parts):
        return None  # two values share a hash: split the column instead
    table = np.empty(len(first), dtype=object)
    table[:] = [
        None if v == NULL else v
        for v in (
            raw[a : a + k].decode("utf-8", errors="replace")
            for a, k in zip(starts[first].tolist(), lens[first].tolist(), strict=True)
        )
    ]
    return table[codes]


def _shared(arr: np.ndarray) -> np.ndarray:
    """Equal strings as one object each when a column repeats its values (repos, people,
    states): ~8 bytes a row instead of ~60, which keeps the whole-org load within memory.
    Judged on an evenly spread sample: values repeat when at most half the sample is
    distinct (hundreds of repos or people over millions of rows qualify; titles, SHAs and
    branch names do not and are left alone)."""
    sample = arr[:: max(1, len(arr) // _SAMPLE)]
    if len(arr) < 1024 or 2 * len(pd.unique(sample)) > len(sample):
        return arr
    codes, uniques = pd.factorize(arr)
    table = np.empty(len(uniques) + 1, dtype=object)  # code -1 (None) picks the last: None
    table[:-1] = np.asarray(uniques, dtype=object)
    return table[codes]


_SAMPLE = 10_000
_UTC = pd.DatetimeTZDtype("ns", "UTC")


def parse_times(text: str | bytes, n: int) -> pd.Series | None:
    """`n` comma-separated naive UTC datetimes as tz-aware UTC; the null marker is NaT."""
    raw = text if isinstance(text, bytes) else text.encode("ascii", errors="replace")
    if len(raw) == n * (_TIME_WIDTH + 1) - 1:
        values = _fixed_width(raw, n)
        if values is not None:
            return pd.Series(values, dtype=_UTC)
    parts = raw.decode("ascii", errors="replace").split(",")
    if len(parts) != n:
        return None
    s = pd.Series(parts, dtype=object)
    s = s.where(s != _NULL_TIME, None)
    return pd.to_datetime(s, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")


_PUNCT = {4: "-", 7: "-", 10: " ", 13: ":", 16: ":", 19: "."}
# per byte of "YYYY-MM-DD HH:MM:SS.ffffff": the lowest allowed value and the allowed span
# above it (a digit: '0' + 0..9; punctuation: exactly that character)
_LOW = np.array([ord(_PUNCT.get(i, "0")) for i in range(_TIME_WIDTH)], dtype=np.uint8)
_SPAN = np.array([0 if i in _PUNCT else 9 for i in range(_TIME_WIDTH)], dtype=np.uint8)
_CHUNK = 1 << 15


def _fixed_width(raw: bytes, n: int) -> np.ndarray | None:
    """datetime64[ns] from `n` comma-separated "YYYY-MM-DD HH:MM:SS.ffffff" values (numpy
    parses fixed-width byte strings in C, ~3x faster than arithmetic on the digits); None
    when any value is not in exactly that shape or not a valid date. Null markers
    (month 00, see `_NULL_TIME`) become NaT."""
    flat = np.frombuffer(raw, dtype=np.uint8)
    if n > 1 and not (flat[_TIME_WIDTH :: _TIME_WIDTH + 1] == ord(",")).all():
        return None
    grid = np.lib.stride_tricks.as_strided(
        flat, shape=(n, _TIME_WIDTH), strides=(_TIME_WIDTH + 1, 1), writeable=False
    )
    cells = np.array(grid, copy=True)  # writable and contiguous, even for one row
    for lo in range(0, n, _CHUNK):  # in slices that stay in the CPU cache
        part = cells[lo : lo + _CHUNK]
        if not ((part - _LOW) <= _SPAN).all():  # uint8 wraps below the low bound: > span
            return None
    null = (cells[:, 5] == ord("0")) & (cells[:, 6] == ord("0"))
    values = cells.view(f"S{_TIME_WIDTH}").ravel()
    if null.any():
        values[null] = b"NaT"
    try:
        return values.astype("datetime64[ns]")
    except ValueError:  # out-of-range fields (month 13, Feb 30, 24:00)
        return None
