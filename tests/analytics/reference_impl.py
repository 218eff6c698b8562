"""Reference implementations: the metric engine's hot paths as they were at commit b2390ad.

Kept because the numpy integer-code rewrites of these functions (aggregate, snapshot, PR
milestones, PR -> deployment links, flow and health items, member ownership) must give the
same answers as the pandas merge/groupby code they replaced; `test_bulk_equivalence.py` pins
them together on randomized, messy frames. Copied verbatim from `git show b2390ad:<path>`
(one section per file below); only imports are gathered here. Helpers the rewrites did not
change (constants, `lower_text`, `starts_with`, `flag`, `membership`, clocks other than
`author_local_ns`) are imported from the live modules. Do not "fix" or speed up this file:
it is the behaviour the fast paths are measured against. One deliberate exception:
`lead_time_items` computes its stages and total by issue 15's ordering rule
(`ordered_stages`, written independently of `analytics.metrics.stages`), which replaced
the old clamp of the coding stage alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analytics.aggregate import WEEK_NS, Agg, GroupKey, at_ns
from analytics.arrays import lower_text, starts_with
from analytics.calendar import NS, by_calendar, local_ns, outside_hours, utc_index
from analytics.context import TeamContext, WorkCalendar
from analytics.metrics.dora import STAGES
from analytics.metrics.pulls import APPROVED, CHANGES_REQUESTED, KEY, REVIEW_KEY
from analytics.metrics.worktype import TYPES
from analytics.ownership import membership
from analytics.registry import MetricSpec

# --- b2390ad:analytics/aggregate.py ------------------------------------------


def bucketize(items: pd.DataFrame, edges: Mapping[str, np.ndarray]) -> np.ndarray:
    """Bucket number of each row (-1 outside), from its team's bucket `edges` (UTC ns)."""
    out = np.full(len(items), -1, dtype="int64")
    if items.empty:
        return out
    at = at_ns(items)
    for team, idx in items.groupby("team", sort=False).indices.items():
        e = edges.get(str(team))
        if e is None or len(e) < 2:
            continue
        pos = np.searchsorted(e, at[idx], side="right") - 1
        pos[(pos < 0) | (pos >= len(e) - 1)] = -1
        out[idx] = pos
    return out


def _counts(df: pd.DataFrame, col: str) -> dict[GroupKey, dict[str, int]]:
    out: dict[GroupKey, dict[str, int]] = {}
    sub = df[df[col].notna()]
    if sub.empty:
        return out
    for (team, b, key), c in sub.groupby(["team", "bucket", col]).size().items():
        out.setdefault((str(team), int(b)), {})[str(key)] = int(c)
    return out


def _num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _quantiles(g: Any, col: str) -> pd.DataFrame:
    q = pd.DataFrame(
        {
            "value": g[col].median(),
            "p75": g[col].quantile(0.75),
            "p90": g[col].quantile(0.9),
        }
    )
    return q


def _review_load(inc: pd.DataFrame) -> pd.DataFrame:
    per = inc.groupby(["team", "bucket", "person"])["value"].sum().reset_index()
    per = per.sort_values(["team", "bucket", "value"], ascending=[True, True, True])
    g = per.groupby(["team", "bucket"])
    per["rank"] = g.cumcount() + 1
    per["rank_desc"] = g["value"].rank(method="first", ascending=False)
    per["wx"] = per["rank"] * per["value"]
    g = per.groupby(["team", "bucket"])
    total = g["value"].sum()
    people = g.size()
    top2 = per[per["rank_desc"] <= 2].groupby(["team", "bucket"])["value"].sum()
    weighted = g["wx"].sum()
    gini = (2 * weighted) / (people * total) - (people + 1) / people
    valid = total > 0
    return pd.DataFrame(
        {
            "value": (top2 / total).where(valid),
            "n": total.astype("int64"),
            "people": people,
            "gini": gini.where(valid),
        }
    )


def aggregate(
    spec: MetricSpec,
    items: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    size_labels: list[str] | None = None,
) -> dict[GroupKey, Agg]:
    """Figures per (team, bucket) for every bucket of every team in `edges`."""
    weeks = {
        (team, b): float((e[b + 1] - e[b]) / WEEK_NS)
        for team, e in edges.items()
        for b in range(len(e) - 1)
    }
    result: dict[GroupKey, Agg] = {k: Agg() for k in weeks}
    if spec.kind in ("rate",):
        for k in result:
            result[k].value = 0.0
    if items.empty:
        return result
    items = items.assign(bucket=bucketize(items, edges))
    items = items[items["bucket"] >= 0]
    excluded = items["excluded"].notna()
    exclusions = _counts(items[excluded], "excluded")
    inc = items[~excluded]
    ownership = _counts(inc, "ownership")
    links = _counts(inc, "link_method") if "link_method" in inc.columns else {}
    g = inc.groupby(["team", "bucket"])
    table = pd.DataFrame({"n": g.size()})
    extra: dict[str, pd.Series] = {}
    if spec.kind == "distribution":
        table = table.join(_quantiles(g, "value"))
        if spec.id == "lead-time":
            for st in STAGES:
                extra[f"{st}_median"] = g[st].median()
        if spec.id == "pr-size" and size_labels:
            counts = inc.groupby(["team", "bucket", "bucket_label"]).size().unstack(fill_value=0)
            for label in size_labels:
                col = counts[label] if label in counts.columns else 0
                extra[f"share {label}"] = col / table["n"]
    elif spec.kind == "rate":
        table["value"] = table["n"].astype("float64")
        if "day" in inc.columns:
            extra["days_with_deploy"] = g["day"].nunique()
    elif spec.kind == "ratio":
        table["value"] = g["value"].mean()
        if spec.id == "cfr":
            extra["failed"] = g["value"].sum()
            direct = inc["confidence"].eq("direct")
            extra["failed_direct"] = direct.groupby([inc["team"], inc["bucket"]]).sum()
            team_level = inc["confidence"].eq("team")
            extra["failed_team_level"] = team_level.groupby([inc["team"], inc["bucket"]]).sum()
        if spec.id == "review-rounds":
            extra["rounds_median"] = g["rounds"].median()
            extra["rounds_p90"] = g["rounds"].quantile(0.9)
            extra["rework_share"] = g["rework"].mean()
    elif spec.kind == "people-share":
        table["value"] = g["value"].mean()
        table["people"] = g["person"].nunique()
        extra["weekend_share"] = g["weekend"].mean()
        if "kind" in inc.columns:
            by_kind = inc.groupby(["team", "bucket", "kind"])["value"].mean().unstack()
            for kind in by_kind.columns:
                extra[f"{kind}s_after_hours"] = by_kind[kind]
    elif spec.kind == "review-load":
        rl = _review_load(inc)
        table = rl[["n", "value", "people"]]
        extra["gini"] = rl["gini"]
        extra["reviewers_active"] = rl["people"]
    elif spec.kind == "mix":
        typed = inc["type"].fillna("unclassified")
        counts = typed.groupby([inc["team"], inc["bucket"]]).value_counts().unstack(fill_value=0)
        for t in (*TYPES, "unclassified"):
            col = counts[t] if t in counts.columns else 0
            extra[f"{t}_share"] = col / table["n"]
        table["value"] = extra["feature_share"]
        if "method" in inc.columns:
            model = inc["method"].eq("model").groupby([inc["team"], inc["bucket"]]).mean()
            extra["model_filled_share"] = model
    if "people" not in table.columns and "person" in inc.columns:  # authors behind work figures
        table["people"] = g["person"].nunique()
    for name, series in extra.items():
        table[name] = series
    cols = [c for c in table.columns if c not in ("n", "value", "p75", "p90", "people")]
    for key, row in zip(table.index, table.to_dict("records"), strict=True):
        k = (str(key[0]), int(key[1]))
        agg = result.get(k)
        if agg is None:
            continue
        agg.n = int(row["n"])
        value = _num(row.get("value"))
        if spec.kind == "rate" and value is not None:
            value = value / weeks[k] if weeks[k] > 0 else None
        agg.value = value
        agg.p75 = _num(row.get("p75"))
        agg.p90 = _num(row.get("p90"))
        people = row.get("people")
        agg.people = None if people is None or pd.isna(people) else int(people)
        agg.breakdown = {c: _num(row[c]) for c in cols}
    for k, d in exclusions.items():
        if k in result:
            result[k].exclusions = d
    for k, d in ownership.items():
        if k in result:
            result[k].ownership = d
    for k, d in links.items():
        if k in result:
            result[k].link_methods = d
    return result


def _range_counts(lo: np.ndarray, hi: np.ndarray, nb: int) -> np.ndarray:
    """How many of the ranges [lo, hi) cover each of the buckets 0..nb-1."""
    ok = hi > lo
    diff = np.bincount(lo[ok], minlength=nb + 1) - np.bincount(hi[ok], minlength=nb + 1)
    return np.cumsum(diff)[:nb]


def _lerp_quantile(
    sorted_vals: np.ndarray, start: np.ndarray, n: np.ndarray, q: float
) -> np.ndarray:
    """np.quantile(..., q) (linear method, same arithmetic) of the runs
    sorted_vals[start:start+n], all at once; runs must be non-empty."""
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    gamma = virtual - prev
    lo = start + prev.astype(np.int64)
    hi = start + np.minimum(prev.astype(np.int64) + 1, n - 1)
    a, b = sorted_vals[lo], sorted_vals[hi]
    diff = b - a
    out = a + diff * gamma
    late = gamma >= 0.5
    out[late] = (b - diff * (1 - gamma))[late]
    return out


def _median(sorted_vals: np.ndarray, start: np.ndarray, n: np.ndarray) -> np.ndarray:
    """np.median of the runs sorted_vals[start:start+n] (mean of the middle two when even)."""
    upper = sorted_vals[start + n // 2]
    lower = sorted_vals[start + np.maximum(n // 2 - 1, 0)]
    return np.where(n % 2 == 1, upper, (lower + upper) / 2)


def _ns(values: pd.Series, big: int) -> np.ndarray:
    idx = pd.DatetimeIndex(values)
    return np.where(idx.isna(), big, idx.asi8)


def snapshot(
    intervals: pd.DataFrame,
    issues: pd.DataFrame,
    edges: Mapping[str, np.ndarray],
    as_of_ns: int,
) -> dict[GroupKey, Agg]:
    """Work in progress at the end of each bucket (or at `as_of`, if earlier): open ready
    PRs (value), drafts, issues in progress, and the age of the open ready PRs in days.

    Vectorised over buckets: with m_b the (non-decreasing) bucket moments, the buckets at
    which an item is open form one range [lo, hi) found by binary search; counts come from
    the ranges, ages from expanding them to (item, bucket) pairs."""
    out: dict[GroupKey, Agg] = {}
    pr_by_team = intervals.groupby("team").indices if not intervals.empty else {}
    is_by_team = issues.groupby("team").indices if not issues.empty else {}
    big = np.iinfo("int64").max
    for team, e in edges.items():
        nb = len(e) - 1
        if nb <= 0:
            continue
        m = np.minimum(np.asarray(e[1:], dtype=np.int64), as_of_ns)
        sub = intervals.iloc[pr_by_team.get(team, np.array([], dtype="int64"))]
        sub = sub[~sub["bot"].to_numpy(dtype=bool)]
        opened = np.asarray(pd.DatetimeIndex(sub["opened"]).asi8, dtype=np.int64)
        hi = np.searchsorted(m, _ns(sub["finished"], big), side="left")
        open_lo = np.searchsorted(m, opened, side="right")
        ready_lo = np.maximum(open_lo, np.searchsorted(m, _ns(sub["ready"], big), side="left"))
        open_n = _range_counts(open_lo, hi, nb)
        ready_n = _range_counts(ready_lo, hi, nb)
        isub = issues.iloc[is_by_team.get(team, np.array([], dtype="int64"))]
        i_lo = np.searchsorted(m, np.asarray(pd.DatetimeIndex(isub["opened"]).asi8), "left")
        i_hi = np.searchsorted(m, _ns(isub["finished"], big), side="left")
        issues_n = _range_counts(i_lo, i_hi, nb)
        # (PR, bucket) pairs while open and ready
        lengths = np.maximum(hi - ready_lo, 0)
        item = np.repeat(np.arange(len(lengths)), lengths)
        offsets = np.cumsum(lengths) - lengths
        bucket = ready_lo[item] + (np.arange(len(item)) - offsets[item])
        ages = (m[bucket] - opened[item]) / 86_400e9
        older = np.bincount(bucket[ages > 7], minlength=nb)
        order = np.lexsort((ages, bucket))
        sorted_ages = ages[order]
        start = np.searchsorted(bucket[order], np.arange(nb), side="left")
        has = ready_n > 0
        med = np.full(nb, np.nan)
        p75 = np.full(nb, np.nan)
        p90 = np.full(nb, np.nan)
        if has.any():
            med[has] = _median(sorted_ages, start[has], ready_n[has])
            p75[has] = _lerp_quantile(sorted_ages, start[has], ready_n[has], 0.75)
            p90[has] = _lerp_quantile(sorted_ages, start[has], ready_n[has], 0.9)
        owners: dict[int, dict[str, int]] = {}
        if len(item):
            codes, names = pd.factorize(sub["ownership"].to_numpy()[item])
            keys, counts = np.unique(bucket * (len(names) + 1) + codes, return_counts=True)
            for key, c in zip(keys.tolist(), counts.tolist(), strict=True):
                b, code = divmod(key, len(names) + 1)
                owners.setdefault(b, {})[str(names[code])] = c
        for b in range(nb):
            n = int(ready_n[b])
            agg = Agg(value=float(n), n=n)
            agg.breakdown = {
                "draft_prs": float(open_n[b] - n),
                "issues_in_progress": float(issues_n[b]),
                "age_median_days": float(med[b]) if n else None,
                "age_p75_days": float(p75[b]) if n else None,
                "age_p90_days": float(p90[b]) if n else None,
                "older_than_7_days": float(older[b]),
            }
            if n:
                agg.ownership = owners.get(b, {})
            out[(team, b)] = agg
    return out


# --- b2390ad:analytics/metrics/pulls.py --------------------------------------


def ready_moment(prs: pd.DataFrame) -> pd.Series:
    """When each PR became ready for review; NaT while it is still a draft."""
    never_draft = prs["created_at"].where(~prs["is_draft"])
    return prs["ready_at"].fillna(never_draft)


def is_revert(prs: pd.DataFrame) -> pd.Series:
    """Reverts (recorded by ingest, or titled like git's 'Revert "..."')."""
    titled = starts_with(prs["title"], 'Revert "')
    return prs["reverts_number"].notna() | titled


def human_reviews(reviews: pd.DataFrame, bots: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Reviews by a person other than the PR's author; bots (flag or known bot keys) dropped."""
    keep = (
        ~reviews["reviewer_is_bot"]
        & reviews["reviewer_key"].notna()
        & (reviews["reviewer_key"] != reviews["pr_author_key"])
        & ~reviews["reviewer_key"].isin(bots)
    )
    return reviews[keep]


def review_milestones(
    prs: pd.DataFrame, reviews: pd.DataFrame, bots: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Per PR (aligned with `prs`): ready, first_review_at, approval_at (the last approval up
    to the merge), rounds (changes-requested reviews), all from qualifying reviews only."""
    out = pd.DataFrame(index=prs.index)
    out["ready"] = ready_moment(prs)
    base = prs[KEY].copy()
    base["ready"] = out["ready"]
    base["merged_at"] = prs["merged_at"]
    base["_row"] = np.arange(len(prs))
    base = base.drop_duplicates(KEY)
    hr = human_reviews(reviews, bots)[[*REVIEW_KEY, "state", "submitted_at"]].rename(
        columns={"pr_number": "number"}
    )
    joined = hr.merge(base, on=KEY, how="inner")
    in_window = (joined["submitted_at"] >= joined["ready"]) & (
        joined["merged_at"].isna() | (joined["submitted_at"] <= joined["merged_at"])
    )
    joined = joined[in_window]
    state = lower_text(joined["state"])
    first = joined.groupby(KEY)["submitted_at"].min().rename("first_review_at")
    approval = joined[state == APPROVED].groupby(KEY)["submitted_at"].max().rename("approval_at")
    rounds = joined[state == CHANGES_REQUESTED].groupby(KEY).size().rename("rounds")
    per_pr = pd.concat([first, approval, rounds], axis=1).reset_index()
    merged = prs[KEY].merge(per_pr, on=KEY, how="left")
    merged.index = prs.index
    out["first_review_at"] = merged["first_review_at"].astype("datetime64[ns, UTC]")
    out["approval_at"] = merged["approval_at"].astype("datetime64[ns, UTC]")
    out["rounds"] = merged["rounds"].fillna(0).astype("int64")
    return out


def first_commit(prs: pd.DataFrame, commits: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First commit of each PR: the recorded one, else the earliest known commit, else the
    PR's creation. Returns (moment, source) with source in recorded/commits/created."""
    earliest = (
        commits.groupby(REVIEW_KEY)["authored_at"]
        .min()
        .rename("c")
        .reset_index()
        .rename(columns={"pr_number": "number"})
    )
    joined = prs[KEY].merge(earliest, on=KEY, how="left")
    joined.index = prs.index
    from_commits = joined["c"].astype("datetime64[ns, UTC]")
    moment = prs["first_commit_at"].fillna(from_commits).fillna(prs["created_at"])
    source = np.where(
        prs["first_commit_at"].notna(),
        "recorded",
        np.where(from_commits.notna(), "commits", "created"),
    )
    return moment, pd.Series(source, index=prs.index)


# --- b2390ad:analytics/metrics/dora.py ---------------------------------------


def link_prs_to_deployments(prs: pd.DataFrame, prod: pd.DataFrame) -> pd.DataFrame:
    """The production deployment that shipped each merged PR, and how we know.

    Exact: PRs of a repository in merge order; a deployment whose SHA is the merge commit of
    the k-th PR ships every PR after the one the previous deployment (same repo and
    environment) reached, up to k — provided it finished after the merge. Fallback: the first
    successful production deployment of the repository finished at or after the merge.
    Across several production environments the earliest shipping deployment wins.
    Returns KEY + deployment_id, deployed_at, link_method ("exact" / "fallback"); PRs not
    yet deployed are absent.
    """
    merged = (
        prs.loc[prs["merged_at"].notna(), [*KEY, "merged_at", "merge_commit_sha"]]
        .drop_duplicates(KEY)
        .sort_values(["repo", "merged_at", "number", "source"], kind="stable")
        .reset_index(drop=True)
    )
    n = len(merged)
    best_at = np.full(n, np.iinfo("int64").max, dtype="int64")
    best_id = np.full(n, None, dtype=object)
    method = np.full(n, None, dtype=object)
    merged_ns = merged["merged_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
    if n and not prod.empty:
        rows_by_repo = merged.groupby("repo").indices
        for (repo, _env), dg in prod.groupby(["repo", "environment"], sort=False):
            rows = rows_by_repo.get(repo)
            if rows is None:
                continue
            sha_pos = {s: i for i, s in enumerate(merged["merge_commit_sha"].to_numpy()[rows]) if s}
            k = dg["sha"].map(sha_pos).to_numpy(dtype="float64")
            fin = dg["finished_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
            # a deployment finished before its PR's merge ships nothing (issue 15)
            safe_k = np.where(np.isnan(k), 0, k).astype("int64")
            k[~np.isnan(k) & (fin < merged_ns[rows][safe_k])] = np.nan
            ids = dg["external_id"].to_numpy()
            prev = np.fmax.accumulate(np.where(np.isnan(k), -1, k))
            prev = np.concatenate([[-1.0], prev[:-1]])
            new = ~np.isnan(k) & (k > prev)
            ks, fs, ds = k[new], fin[new], ids[new]
            if not len(ks):
                continue
            positions = np.arange(len(rows))
            j = np.searchsorted(ks, positions, side="left")
            ok = j < len(ks)
            jj = np.where(ok, j, 0)
            when = fs[jj]
            ok &= when >= merged_ns[rows]
            better = ok & (when < best_at[rows])
            target = rows[better]
            best_at[target] = when[better]
            best_id[target] = ds[jj][better]
            method[target] = "exact"
    exact = method == "exact"
    out = merged[KEY].copy()
    out["deployment_id"] = best_id
    out["deployed_at"] = pd.to_datetime(np.where(exact, best_at, np.iinfo("int64").min), utc=True)
    out.loc[~exact, "deployed_at"] = pd.NaT
    out["link_method"] = method
    rest = merged[~exact]
    if len(rest) and not prod.empty:
        left = rest[[*KEY, "merged_at"]].sort_values("merged_at", kind="stable")
        right = (
            prod[["repo", "finished_at", "external_id"]]
            .rename(columns={"external_id": "fb_id", "finished_at": "fb_at"})
            .sort_values("fb_at", kind="stable")
        )
        right = right[right["repo"].isin(left["repo"].unique())]
        fb = pd.merge_asof(
            left,
            right,
            left_on="merged_at",
            right_on="fb_at",
            by="repo",
            direction="forward",
        )
        fb = fb.set_index(KEY)
        idx = pd.MultiIndex.from_frame(out.loc[~exact, KEY])
        found = fb.reindex(idx)
        has = found["fb_at"].notna().to_numpy()
        rest_rows = np.flatnonzero(~exact)
        out.loc[rest_rows[has], "deployed_at"] = found["fb_at"].to_numpy()[has]
        out.loc[rest_rows[has], "deployment_id"] = found["fb_id"].to_numpy()[has]
        out.loc[rest_rows[has], "link_method"] = "fallback"
    return out[out["link_method"].notna()].reset_index(drop=True)


def _milestones(
    prs: pd.DataFrame,
    reviews: pd.DataFrame,
    bots: frozenset[str],
    known: pd.DataFrame | None,
) -> pd.DataFrame:
    """Review milestones of `prs`: taken from `known` (computed once on a superset of rows
    with the same index, see `pulls.review_milestones`) when given, else computed."""
    if known is None:
        return review_milestones(prs, reviews, bots)
    return known.loc[prs.index]


def lead_time_items(
    prs: pd.DataFrame,
    reviews: pd.DataFrame,
    commits: pd.DataFrame,
    links: pd.DataFrame,
    bots: frozenset[str] = frozenset(),
    milestones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Lead time for changes per merged PR, in wall-clock hours, split into stages:
    coding (first commit -> ready), pickup (ready -> first review by someone else, bots
    excluded), review (first review -> approval), merge (approval -> merge) and deploy
    (merge -> the production deployment that shipped it finished). `at` is the deployment's
    finish; merged PRs not yet deployed are kept as excluded rows at their merge.
    Stages and total by `ordered_stages` (issue 15).
    """
    merged = prs[prs["merged_at"].notna()]
    ms = _milestones(merged, reviews, bots, milestones)
    start, start_src = first_commit(merged, commits)
    linked = merged[KEY].merge(links, on=KEY, how="left")
    linked.index = merged.index
    deployed = linked["deployed_at"].astype("datetime64[ns, UTC]")
    ready = ms["ready"].fillna(merged["created_at"])
    moments = zip(
        start,
        ready,
        ms["first_review_at"],
        ms["approval_at"],
        merged["merged_at"],
        deployed,
        strict=True,
    )
    per_pr = [ordered_stages(list(m)) for m in moments]
    stages = {st: [p[0][k] for p in per_pr] for k, st in enumerate(STAGES)}
    out = pd.DataFrame(
        {
            "team": merged["team"],
            "at": deployed.fillna(merged["merged_at"]),
            "value": np.array([p[1] for p in per_pr], dtype="float64"),
            **{st: np.array(v, dtype="float64") for st, v in stages.items()},
            "link_method": linked["link_method"],
            "first_commit_source": start_src,
            "ownership": merged["ownership"],
            "ref": merged["repo"].astype(str) + "#" + merged["number"].astype(str),
        }
    )
    excluded = np.full(len(out), None, dtype=object)
    excluded[deployed.isna().to_numpy()] = "not yet deployed"
    excluded[is_revert(merged).to_numpy()] = "revert"
    excluded[merged["author_is_bot"].to_numpy()] = "bot author"
    out["excluded"] = excluded
    return out.reset_index(drop=True)


def ordered_stages(moments: list[Any]) -> tuple[list[float], float]:
    """Issue 15's rule, written out per PR (not the b2390ad code, which clamped coding at 0
    and measured the total from the raw first commit): walking back from the deployment,
    a moment later than the earliest later moment that happened takes that moment; a stage
    runs from the last moment that happened before it to its own end, and is NaN when its
    end did not happen; the total runs from the first moment to the deployment."""
    fixed: list[Any] = [None] * len(moments)
    earliest_later = None
    for k in range(len(moments) - 1, -1, -1):
        m = moments[k]
        if pd.isna(m):
            continue
        if earliest_later is not None and m > earliest_later:
            m = earliest_later
        fixed[k] = earliest_later = m
    hours: list[float] = []
    last = fixed[0]
    for end in fixed[1:]:
        if end is None:
            hours.append(float("nan"))
            continue
        hours.append(float("nan") if last is None else (end - last).total_seconds() / 3600)
        last = end
    ends = fixed[0], fixed[-1]
    total = float("nan") if None in ends else (ends[1] - ends[0]).total_seconds() / 3600
    return hours, total


# --- b2390ad:analytics/metrics/flow.py ---------------------------------------


def _ref(prs: pd.DataFrame) -> pd.Series:
    return prs["repo"].astype(str) + "#" + prs["number"].astype(str)


def review_rounds_items(
    prs: pd.DataFrame,
    reviews: pd.DataFrame,
    commits: pd.DataFrame,
    bots: frozenset[str] = frozenset(),
    milestones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per merged PR: `rounds` (changes-requested reviews by others), `value` = 1.0 when
    there was at least one round, `rework` = 1.0 when commits were authored after the first
    review (0.0 otherwise)."""
    merged = prs[prs["merged_at"].notna()]
    ms = _milestones(merged, reviews, bots, milestones)
    c = commits[[*REVIEW_KEY, "authored_at"]].rename(columns={"pr_number": "number"})
    first = merged[KEY].assign(first=ms["first_review_at"].to_numpy())
    late = c.merge(first, on=KEY, how="inner")
    late = late[late["authored_at"] > late["first"]].drop_duplicates(KEY)
    late_keys = pd.MultiIndex.from_frame(late[KEY])
    rework = pd.MultiIndex.from_frame(merged[KEY]).isin(late_keys)
    excluded = np.full(len(merged), None, dtype=object)
    excluded[ms["first_review_at"].isna().to_numpy()] = "merged without review"
    excluded[is_revert(merged).to_numpy()] = "revert"
    excluded[merged["author_is_bot"].to_numpy()] = "bot author"
    return pd.DataFrame(
        {
            "team": merged["team"].to_numpy(),
            "at": merged["merged_at"].array,
            "value": (ms["rounds"].to_numpy() >= 1).astype("float64"),
            "rounds": ms["rounds"].to_numpy(dtype="float64"),
            "rework": rework.astype("float64"),
            "excluded": excluded,
            "ownership": merged["ownership"].to_numpy(),
            "ref": _ref(merged).to_numpy(),
        }
    )


def in_progress_intervals(items: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Stretches during which an issue sat in an "indeterminate" (in progress) category:
    from a move into it until the next transition (NaT = still there)."""
    tr = transitions.merge(
        items[["source", "external_id", "team"]],
        left_on=["source", "item_external_id"],
        right_on=["source", "external_id"],
        how="inner",
    ).sort_values(["team", "source", "item_external_id", "at"], kind="stable")
    nxt = tr.groupby(["team", "source", "item_external_id"])["at"].shift(-1)
    cat = lower_text(tr["to_category"])
    keep = (cat == "indeterminate").to_numpy()
    return pd.DataFrame(
        {
            "team": tr["team"].to_numpy()[keep],
            "opened": tr["at"].array[keep],
            "finished": nxt.array[keep],
        }
    )


def cycle_time_items(items: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Issue cycle time: first move into an "indeterminate" (in progress) category -> the
    last move into "done", for issues that are done now; wall-clock hours, `at` = done.
    Issues that went to done without ever being in progress are excluded rows."""
    done_items = items[lower_text(items["status_category"]) == "done"]
    tr = transitions.merge(
        done_items[["source", "external_id"]],
        left_on=["source", "item_external_id"],
        right_on=["source", "external_id"],
        how="inner",
    )
    cat = lower_text(tr["to_category"])
    k = ["source", "item_external_id"]
    started = tr[cat == "indeterminate"].groupby(k)["at"].min().rename("started")
    finished = tr[cat == "done"].groupby(k)["at"].max().rename("finished")
    spans = pd.concat([started, finished], axis=1).reset_index()
    joined = done_items.merge(
        spans,
        left_on=["source", "external_id"],
        right_on=k,
        how="left",
    )
    done_at = joined["finished"].astype("datetime64[ns, UTC]").fillna(joined["resolved_at"])
    start = joined["started"].astype("datetime64[ns, UTC]")
    hours = (done_at - start).dt.total_seconds() / 3600
    excluded = np.full(len(joined), None, dtype=object)
    excluded[start.isna().to_numpy()] = "never in progress"
    excluded[done_at.isna().to_numpy()] = "no done date"
    return pd.DataFrame(
        {
            "team": joined["team"].to_numpy(),
            "at": done_at.fillna(joined["updated_at"]).array,
            "value": hours.to_numpy(dtype="float64"),
            "excluded": excluded,
            "ownership": joined["ownership"].to_numpy(),
            "ref": joined["key"].to_numpy(),
        }
    )


# --- b2390ad:analytics/metrics/clocks.py -------------------------------------


def author_local_ns(
    at: pd.Series,
    offset_min: pd.Series,
    person_tz: pd.Series,
    team_tz: str,
) -> np.ndarray:
    """Each event's local wall-clock time for the person who did it (REFERENCE_CASES §5):
    the UTC offset the event carries, else the person's configured zone, else the team's."""
    utc = utc_index(at)
    base = np.asarray(utc.tz_localize(None).asi8, dtype="int64")
    offsets = np.asarray(offset_min, dtype="float64")
    has_offset = np.isfinite(offsets)
    out = np.where(has_offset, base + np.nan_to_num(offsets).astype("int64") * 60 * NS, 0)
    zones = pd.Series(person_tz, dtype=object).reset_index(drop=True)
    zones = zones.where(zones.notna() & (zones != ""), team_tz)
    for zone in pd.unique(zones[~has_offset]):
        sel = (~has_offset) & np.asarray(zones == zone)
        out[sel] = local_ns(utc[sel], str(zone))
    return out


# --- b2390ad:analytics/metrics/health.py -------------------------------------


def _person_tz(keys: pd.Series, people: pd.DataFrame) -> pd.Series:
    zones = dict(zip(people["key"], people["tz"], strict=False))
    return keys.map(zones)


def _local_flags(
    team: np.ndarray,
    at: pd.Series,
    offsets: pd.Series,
    person_tz: pd.Series,
    calendars: Mapping[str, WorkCalendar],
) -> tuple[np.ndarray, np.ndarray]:
    outside = np.zeros(len(at), dtype=bool)
    weekend = np.zeros(len(at), dtype=bool)
    for cal, rows in by_calendar(team, calendars):
        local = author_local_ns(at.iloc[rows], offsets.iloc[rows], person_tz.iloc[rows], cal.tz)
        o, w = outside_hours(local, cal)
        outside[rows] = o
        weekend[rows] = w
    return outside, weekend


def activity_items(
    commits: pd.DataFrame,
    member_reviews: pd.DataFrame,
    people: pd.DataFrame,
    calendars: Mapping[str, WorkCalendar],
    bots: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Commits and reviews by the team's people, each flagged outside working time
    (`value` 1.0/0.0) and on a non-working day (`weekend`), in the author's local time."""
    c = commits[~commits["author_is_bot"] & commits["author_key"].notna()]
    r = member_reviews[~member_reviews["reviewer_is_bot"] & member_reviews["reviewer_key"].notna()]
    frame = pd.DataFrame(
        {
            "team": np.concatenate([c["team"].to_numpy(), r["team"].to_numpy()]),
            "at": pd.concat([c["authored_at"], r["submitted_at"]], ignore_index=True),
            "offset": pd.concat(
                [c["author_utc_offset_min"], r["submitted_utc_offset_min"]], ignore_index=True
            ),
            "person": pd.concat([c["author_key"], r["reviewer_key"]], ignore_index=True),
            "kind": ["commit"] * len(c) + ["review"] * len(r),
        }
    )
    frame = frame[~frame["person"].isin(bots)].reset_index(drop=True)
    tz = _person_tz(frame["person"], people)
    outside, weekend = _local_flags(
        frame["team"].to_numpy(), frame["at"], frame["offset"], tz, calendars
    )
    frame["value"] = outside.astype("float64")
    frame["weekend"] = weekend.astype("float64")
    frame["excluded"] = None
    frame["ownership"] = "pr-author"
    return frame.drop(columns=["offset"])


def review_load_items(
    member_reviews: pd.DataFrame,
    activity: pd.DataFrame,
    bots: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Reviews of others' PRs by the team's people (`value` 1.0), plus one zero-valued row
    per other activity so that active people who reviewed nothing count in the spread."""
    r = member_reviews[
        ~member_reviews["reviewer_is_bot"]
        & member_reviews["reviewer_key"].notna()
        & (member_reviews["reviewer_key"] != member_reviews["pr_author_key"])
        & ~member_reviews["reviewer_key"].isin(bots)
    ]
    reviews = pd.DataFrame(
        {
            "team": r["team"].to_numpy(),
            "at": r["submitted_at"].array,
            "person": r["reviewer_key"].to_numpy(),
            "value": 1.0,
        }
    )
    others = activity.loc[activity["kind"] == "commit", ["team", "at", "person"]].assign(value=0.0)
    out = pd.concat([reviews, others], ignore_index=True)
    out["excluded"] = None
    out["ownership"] = "pr-author"
    return out


# --- b2390ad:analytics/ownership.py ------------------------------------------


def by_member(
    df: pd.DataFrame, key_col: str, teams: Sequence[TeamContext], rule: str = "pr-author"
) -> pd.DataFrame:
    """Rows whose `key_col` person is a member of one of `teams`, with `team` and `ownership`."""
    members = membership(teams).rename(columns={"key": key_col})
    out = df.merge(members, on=key_col, how="inner")
    out["ownership"] = rule
    return out
