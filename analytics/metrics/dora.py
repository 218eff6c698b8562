"""DORA's four keys, per item, as DESIGN.md defines them.

Each `*_items` function returns one row per observation with `team`, `at` (the moment that
places it in a period), `value` and `excluded` (None, or why the row is left out); the
engine buckets and aggregates them. Tiers come from the 2023 Accelerate State of DevOps
report (DORA, Google Cloud, 2023, "Software delivery performance" clusters). They describe
clusters of survey answers, not thresholds; we map a team's value to the band it falls in,
as context, never as a target.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta

import numpy as np
import pandas as pd

from analytics.arrays import NAT, lower_text, time_ns, utc_times
from analytics.context import Thresholds
from analytics.metrics.links import link_prs_to_deployments as link_prs_to_deployments
from analytics.metrics.pulls import (
    first_commit,
    is_revert,
    merged_only,
    pr_refs,
    pr_rows,
    review_milestones,
    take_rows,
)
from analytics.metrics.stages import STAGES as STAGES
from analytics.metrics.stages import stage_hours

SUCCESS = frozenset({"success", "succeeded", "successful"})


HOUR = pd.Timedelta(hours=1)


def flag(mask: np.ndarray, reason: str) -> np.ndarray:
    """An object array holding `reason` where `mask` is true, else None."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = reason
    return out


# --- tiers: 2023 State of DevOps report bands -------------------------------------------
# Deployment frequency  elite: on demand (multiple deploys per day); high: between once per
#   day and once per week; medium: between once per week and once per month; low: the report
#   prints the medium band again (a known quirk); we read it as "less than once per month".
# Change lead time      elite: < 1 day; high: 1 day-1 week; medium: 1 week-1 month; low: the
#   report again repeats the medium band; read as "more than a month".
# Change failure rate   cluster medians elite 5 %, high 10 %, medium 15 %, low 64 %.
# Failed deployment recovery time  elite: < 1 hour; high: < 1 day; medium: 1 day-1 week;
#   low: 1 month-6 months.
TIER_SOURCE = "2023 Accelerate State of DevOps report (DORA) performance clusters"


def tier_deploy_frequency(per_week: float | None) -> str | None:
    if per_week is None:
        return None
    if per_week >= 7:
        return "elite"
    if per_week >= 1:
        return "high"
    if per_week >= 12 / 52:
        return "medium"
    return "low"


def tier_lead_time(hours: float | None) -> str | None:
    if hours is None:
        return None
    if hours < 24:
        return "elite"
    if hours < 24 * 7:
        return "high"
    if hours < 24 * 30:
        return "medium"
    return "low"


def tier_change_failure_rate(rate: float | None) -> str | None:
    """Nearest cluster median, with boundaries halfway between medians (7.5 %, 12.5 %, ~40 %)."""
    if rate is None:
        return None
    if rate <= 0.075:
        return "elite"
    if rate <= 0.125:
        return "high"
    if rate <= 0.395:
        return "medium"
    return "low"


def tier_recovery_time(hours: float | None) -> str | None:
    if hours is None:
        return None
    if hours < 1:
        return "elite"
    if hours < 24:
        return "high"
    if hours < 24 * 7:
        return "medium"
    return "low"


def production_deployments(deployments: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Successful, finished deployments to a production environment, oldest first."""
    env = lower_text(deployments["environment"], strip=True)
    prod = env.isin([e.lower() for e in thresholds.production_environments])
    ok = lower_text(deployments["status"]).isin(SUCCESS)
    out = deployments[prod & ok & deployments["finished_at"].notna()]
    return out.sort_values("finished_at", kind="stable")


def deploy_items(prod: pd.DataFrame) -> pd.DataFrame:
    """One row per owned production deployment (`prod` carries `team`, `ownership`)."""
    return pd.DataFrame(
        {
            "team": prod["team"].to_numpy(),
            "at": prod["finished_at"].array,
            "value": 1.0,
            "excluded": None,
            "ownership": prod["ownership"].to_numpy(),
            "ref": prod["external_id"].to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


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
    excluded), review (first review -> last approval), merge (approval -> merge) and deploy
    (merge -> the production deployment that shipped it finished). `at` is the deployment's
    finish; merged PRs not yet deployed are kept as excluded rows at their merge.
    The moments are put in order and the stages with a value add up to the lead time
    (`stages.stage_hours`: a late first-commit date moves back, a stage without its closing
    milestone has no value and its time counts in the next stage).
    """
    merged = merged_only(prs)
    ms = _milestones(merged, reviews, bots, milestones)
    start, start_src = first_commit(merged, commits)
    link = pr_rows(links, merged, "number")
    deployed_ns = take_rows(links["deployed_at"].astype("datetime64[ns, UTC]"), link)
    link_method = pd.Series(take_rows(links["link_method"], link), index=merged.index)
    ready = ms["ready"].fillna(merged["created_at"])
    moments = [time_ns(start), time_ns(ready), time_ns(ms["first_review_at"])]
    moments += [time_ns(ms["approval_at"]), time_ns(merged["merged_at"]), deployed_ns]
    stages, total = stage_hours(moments)
    undeployed = deployed_ns == NAT
    at = np.where(undeployed, moments[4], deployed_ns)
    out = pd.DataFrame(
        {
            "team": merged["team"].to_numpy(),
            "at": utc_times(at),
            "value": total,
            **stages,
            "link_method": link_method.to_numpy(),
            "first_commit_source": start_src.to_numpy(),
            "ownership": merged["ownership"].to_numpy(),
            "ref": pr_refs(merged).to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )
    excluded = np.full(len(out), None, dtype=object)
    excluded[undeployed] = "not yet deployed"
    excluded[is_revert(merged).to_numpy()] = "revert"
    excluded[merged["author_is_bot"].to_numpy()] = "bot author"
    out["excluded"] = excluded
    return out


def attribute_incidents(
    prod: pd.DataFrame,
    incidents: pd.DataFrame,
    window: timedelta | None,
    deployed: Mapping[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """Each incident's deployment: the last production deployment before the incident
    started, of the service the incident names (else its repository) — confidence "direct";
    when the incident names neither a service nor a repository with deployments, the last
    deployment of the owning team — confidence "team" (lower). Only within `window` after
    the deployment (None: until the next deployment). Incidents before every deployment are
    attributed to none. A service or repository "has deployments" when `prod` holds one or
    `deployed` ({"service": names, "repo": names}: those with production deployments
    outside `prod`, read from the store) names it. Returns incidents (with `team`) +
    deployment_id, confidence.
    """
    inc = incidents.sort_values("started_at", kind="stable").reset_index(drop=True)
    inc["deployment_id"] = None
    inc["confidence"] = None
    if inc.empty or prod.empty:
        return inc
    tol = pd.Timedelta(window) if window is not None else None
    dep = prod.sort_values("finished_at", kind="stable")
    resolved = np.zeros(len(inc), dtype=bool)
    for col, conf in (("service", "direct"), ("repo", "direct"), ("team", "team")):
        if col != "team":
            names = {*dep[col].dropna().unique(), *(deployed or {}).get(col, ())}
            named = inc[col].notna() & inc[col].isin(list(names))
            todo = named.to_numpy() & ~resolved
        else:
            todo = ~resolved
        if not todo.any():
            continue
        left = inc.loc[todo, ["started_at", col]].copy()
        left["_row"] = np.flatnonzero(todo)
        right = dep.loc[dep[col].notna(), ["finished_at", col, "external_id"]]
        m = pd.merge_asof(
            left.sort_values("started_at", kind="stable"),
            right,
            left_on="started_at",
            right_on="finished_at",
            by=col,
            direction="backward",
            tolerance=tol,
        )
        hit = m["external_id"].notna().to_numpy()
        rows = m["_row"].to_numpy()
        inc.loc[rows[hit], "deployment_id"] = m["external_id"].to_numpy()[hit]
        inc.loc[rows[hit], "confidence"] = conf
        resolved[rows] = True  # named the service/repo: never falls back to the team level
    return inc


def change_failure_items(prod: pd.DataFrame, attributed: pd.DataFrame) -> pd.DataFrame:
    """One row per owned production deployment: value 1.0 when at least one incident is
    attributed to it (three incidents are still one failed deployment), else 0.0."""
    hits = attributed[attributed["deployment_id"].notna()]
    direct = set(hits.loc[hits["confidence"] == "direct", "deployment_id"])
    any_hit = set(hits["deployment_id"])
    ids = prod["external_id"].to_numpy()
    failed = pd.Index(ids).isin(list(any_hit))
    confidence = np.full(len(ids), None, dtype=object)
    confidence[failed] = "team"
    confidence[pd.Index(ids).isin(list(direct))] = "direct"
    return pd.DataFrame(
        {
            "team": prod["team"].to_numpy(),
            "at": prod["finished_at"].array,
            "value": failed.astype("float64"),
            "confidence": confidence,
            "excluded": None,
            "ownership": prod["ownership"].to_numpy(),
            "ref": ids,
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def recovery_items(incidents: pd.DataFrame) -> pd.DataFrame:
    """Failed deployment recovery time per owned incident: start -> resolution, hours.
    Unresolved incidents are kept as excluded rows (they have no recovery time yet)."""
    hours = (incidents["resolved_at"] - incidents["started_at"]).dt.total_seconds() / 3600
    return pd.DataFrame(
        {
            "team": incidents["team"].to_numpy(),
            "at": incidents["started_at"].array,
            "value": hours.to_numpy(dtype="float64"),
            "excluded": flag(incidents["resolved_at"].isna().to_numpy(), "unresolved"),
            "ownership": incidents["ownership"].to_numpy(),
            "ref": incidents["external_id"].to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )
