"""The frames analytics works on: their columns and dtypes, in one place.

`load` fills them from the store; tests and detectors build them by hand with `frame()`.
Every datetime column is tz-aware UTC (`datetime64[ns, UTC]`); UTC offsets are minutes as
floats (NaN when unknown); `labels` holds lists of strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

Kind = Literal["str", "int", "float", "bool", "time", "list"]

_PR: dict[str, Kind] = {
    "source": "str",
    "repo": "str",
    "number": "int",
    "url": "str",
    "title": "str",
    "author_key": "str",
    "author_is_bot": "bool",
    "state": "str",
    "is_draft": "bool",
    "head_ref": "str",
    "base_ref": "str",
    "created_at": "time",
    "ready_at": "time",
    "first_commit_at": "time",
    "merged_at": "time",
    "closed_at": "time",
    "merge_commit_sha": "str",
    "additions": "int",
    "deletions": "int",
    "changed_files": "int",
    "commit_count": "int",
    "labels": "list",
    "reverts_number": "float",
}
_REVIEW: dict[str, Kind] = {
    "source": "str",
    "repo": "str",
    "pr_number": "int",
    "reviewer_key": "str",
    "reviewer_is_bot": "bool",
    "state": "str",
    "submitted_at": "time",
    "submitted_utc_offset_min": "float",
    "pr_author_key": "str",
}

_DEPLOYMENT: dict[str, Kind] = {
    "source": "str",
    "external_id": "str",
    "repo": "str",
    "service": "str",
    "team_slug": "str",
    "environment": "str",
    "sha": "str",
    "status": "str",
    "created_at": "time",
    "finished_at": "time",
    "url": "str",
}

# the PR whose merge commit a deployment deploys (`analytics.metrics.links`), read with the
# deployments a PR may be linked to; NaT/NaN/None when the SHA is no known merge commit
_DEPLOYED_PR: dict[str, Kind] = {
    "sha_merged_at": "time",
    "sha_number": "float",
    "sha_source": "str",
}

SCHEMAS: dict[str, dict[str, Kind]] = {
    # pull requests of the team's members that were open at some point of the window
    "prs": _PR,
    # reviews of those pull requests (any reviewer), with the PR's author for self-review checks
    "reviews": _REVIEW,
    # reviews submitted by the team's members in the window, on anyone's pull requests
    "member_reviews": _REVIEW,
    "review_requests": {
        "source": "str",
        "repo": "str",
        "pr_number": "int",
        "reviewer_key": "str",
        "requested_at": "time",
    },
    # commits authored by the team's members in the window
    "commits": {
        "source": "str",
        "repo": "str",
        "pr_number": "int",
        "sha": "str",
        "author_key": "str",
        "author_is_bot": "bool",
        "authored_at": "time",
        "author_utc_offset_min": "float",
        "additions": "int",
        "deletions": "int",
        "subject": "str",
    },
    # deployments of the services and repositories the teams own
    "deployments": _DEPLOYMENT,
    # deployments of every repository the teams' pull requests were merged into (for linking),
    # each with the PR it deploys, read from the whole store
    "pr_deployments": {**_DEPLOYMENT, **_DEPLOYED_PR},
    "incidents": {
        "source": "str",
        "external_id": "str",
        "service": "str",
        "repo": "str",
        "team_slug": "str",
        "title": "str",
        "severity": "str",
        "started_at": "time",
        "acknowledged_at": "time",
        "resolved_at": "time",
        "url": "str",
    },
    # pages, with the service/repo/team of the incident they belong to
    "pages": {
        "source": "str",
        "external_id": "str",
        "incident_external_id": "str",
        "responder_key": "str",
        "team_slug": "str",
        "at": "time",
        "service": "str",
        "repo": "str",
        "incident_team_slug": "str",
    },
    "work_items": {
        "source": "str",
        "external_id": "str",
        "key": "str",
        "project": "str",
        "team_slug": "str",
        "title": "str",
        "item_type": "str",
        "labels": "list",
        "status": "str",
        "status_category": "str",
        "created_at": "time",
        "updated_at": "time",
        "resolved_at": "time",
    },
    "transitions": {
        "source": "str",
        "item_external_id": "str",
        "at": "time",
        "from_status": "str",
        "to_status": "str",
        "from_category": "str",
        "to_category": "str",
    },
    "ci_runs": {
        "source": "str",
        "repo": "str",
        "external_id": "str",
        "name": "str",
        "head_sha": "str",
        "branch": "str",
        "event": "str",
        "status": "str",
        "conclusion": "str",
        "started_at": "time",
        "finished_at": "time",
        "attempt": "int",
    },
    "people": {"key": "str", "is_bot": "bool", "tz": "str", "tz_source": "str"},
    "annotations": {
        "team_slug": "str",
        "starts_at": "time",
        "ends_at": "time",
        "note": "str",
        "exclude_from_baseline": "bool",
    },
}

_DEPLOY_USED = (
    "external_id",
    "repo",
    "service",
    "team_slug",
    "environment",
    "sha",
    "status",
    "finished_at",
)

# The columns the metric engine (`analytics.engine`, `analytics.metrics`, `ownership`) reads
# of each frame: `load.load_frames(..., columns=METRIC_COLUMNS)` reads only these, which at
# large-org scale leaves out millions of unique strings nobody looks at (commit SHAs and
# subjects, PR URLs). Other readers (insights) load every column (the default); frames not
# named here (ci_runs: no metric reads it) are read whole.
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "prs": (
        "source",
        "repo",
        "number",
        "title",
        "author_key",
        "author_is_bot",
        "state",
        "is_draft",
        "head_ref",
        "created_at",
        "ready_at",
        "first_commit_at",
        "merged_at",
        "closed_at",
        "merge_commit_sha",
        "additions",
        "deletions",
        "labels",
        "reverts_number",
    ),
    "reviews": tuple(_REVIEW),
    "member_reviews": tuple(_REVIEW),
    "review_requests": ("source", "repo", "pr_number", "reviewer_key", "requested_at"),
    "commits": (
        "source",
        "repo",
        "pr_number",
        "author_key",
        "author_is_bot",
        "authored_at",
        "author_utc_offset_min",
    ),
    "deployments": _DEPLOY_USED,
    "pr_deployments": (*_DEPLOY_USED, *_DEPLOYED_PR),
    "incidents": ("external_id", "service", "repo", "team_slug", "started_at", "resolved_at"),
    "pages": (
        "incident_external_id",
        "responder_key",
        "team_slug",
        "at",
        "service",
        "repo",
        "incident_team_slug",
    ),
    "work_items": (
        "source",
        "external_id",
        "key",
        "project",
        "team_slug",
        "title",
        "item_type",
        "labels",
        "status_category",
        "updated_at",
        "resolved_at",
    ),
    "transitions": ("source", "item_external_id", "at", "to_category"),
    "people": ("key", "is_bot", "tz", "tz_source"),
    "annotations": ("team_slug", "starts_at", "ends_at", "exclude_from_baseline"),
}

_DEFAULTS: dict[Kind, Any] = {
    "str": None,
    "int": 0,
    "float": np.nan,
    "bool": False,
    "time": pd.NaT,
    "list": None,
}


def to_utc(values: Any) -> pd.Series:
    """Timezone-aware UTC datetimes from store values: ISO strings (SQLite), naive UTC or
    aware datetimes (PostgreSQL), or datetimes already in pandas."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
    if len(s) == 0:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=s.index)
    non_null = s.dropna()
    if len(non_null) and isinstance(non_null.iloc[0], str):
        out = pd.to_datetime(s, utc=True, format="ISO8601")
    else:
        out = pd.to_datetime(s, utc=True)
    return out.astype("datetime64[ns, UTC]")


def _parse_labels(values: pd.Series) -> pd.Series:
    """Lists of label strings; JSON text from the store is decoded once per distinct value
    (rows with equal text share one list object)."""
    try:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    except TypeError:  # lists (frames built by hand): converted one by one
        return values.map(_one_label_list).astype(object)
    decoded = [_one_label_list(u) for u in uniques] + [[]]  # code -1 (missing) picks []
    table = np.empty(len(decoded), dtype=object)
    table[:] = decoded
    return pd.Series(table[codes], index=values.index, dtype=object)


def _one_label_list(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    if isinstance(v, str):
        decoded = json.loads(v)
        return [str(x) for x in decoded] if isinstance(decoded, list) else []
    return [str(x) for x in v]


def _to_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.fillna(0).astype(bool)
    return s.astype(object).map(lambda v: bool(v) if pd.notna(v) else False).astype(bool)


_UTC_NS = pd.DatetimeTZDtype("ns", "UTC")
_READY: dict[Kind, Any] = {
    "int": np.dtype("int64"),
    "float": np.dtype("float64"),
    "bool": np.dtype("bool"),
    "time": _UTC_NS,
}


def _convert(s: pd.Series, kind: Kind, clean_text: bool) -> Any:
    """The values of `s` as an array of frame kind `kind`; a column already of that dtype
    is passed through without a copy."""
    ready = _READY.get(kind)
    if ready is not None and s.dtype == ready:
        return s.array if kind == "time" else s.to_numpy(copy=False)
    if kind == "time":
        return to_utc(s).array
    if kind == "int":
        return pd.to_numeric(s, errors="coerce").fillna(0).to_numpy(dtype="int64")
    if kind == "float":
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
    if kind == "bool":
        return _to_bool(s).to_numpy(dtype=bool)
    if kind == "list":
        return _parse_labels(s).to_numpy(dtype=object)
    if clean_text and s.dtype == object:
        return s.to_numpy(copy=False)
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def columns_of(name: str, columns: Iterable[str] | None = None) -> dict[str, Kind]:
    """The schema of frame `name` restricted to `columns` (all when None), in schema order."""
    schema = SCHEMAS[name]
    if columns is None:
        return dict(schema)
    wanted = set(columns)
    unknown = wanted - set(schema)
    if unknown:
        raise KeyError(f"frame {name!r} has no column(s) {sorted(unknown)}")
    return {c: k for c, k in schema.items() if c in wanted}


def coerce(
    name: str,
    df: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    clean_text: bool = False,
) -> pd.DataFrame:
    """`df` with exactly the columns of frame `name` (or the subset `columns`, in schema
    order), with the documented dtypes. Columns already of their dtype are taken as they
    are (no copy), and the frame is built without consolidating blocks (another copy of
    every column). `clean_text` promises text columns hold only str or None (values from
    the DBAPI or `analytics.columnar`), which skips the NaN -> None pass over them."""
    out: dict[str, Any] = {}
    n = len(df)
    for col, kind in columns_of(name, columns).items():
        if col in df.columns:
            out[col] = _convert(df[col], kind, clean_text)
        else:
            out[col] = _convert(pd.Series([_DEFAULTS[kind]] * n, dtype=object), kind, False)
    return pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)


def frame(name: str, rows: Iterable[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """A frame of kind `name` from row dicts; missing columns get their defaults."""
    records = [dict(r) for r in rows]
    return coerce(name, pd.DataFrame.from_records(records) if records else pd.DataFrame())


def empty(name: str) -> pd.DataFrame:
    """An empty frame of kind `name` with the right dtypes (a fresh copy each call)."""
    return _empty(name).copy()


@cache
def _empty(name: str) -> pd.DataFrame:
    return frame(name)
