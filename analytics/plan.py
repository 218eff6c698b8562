"""What an answer reads from the store: the frames its metrics need, each over the window
its definition needs — not a fixed look-back or look-ahead (issue 15, "one answer").

Every item counted in [start, end) is read with what decides it, up to `as_of`: a review
after the period still decides a PR's time to first review, a later deployment naming a
merge commit still decides a PR's link. Two frames reach further:

- the PR side of lead time (PRs, their reviews, review requests and commits, the
  deployments they may be linked to) starts where `horizon.link_since` says PRs shipped in
  the window may have been merged: months before `start` when a deployment shipped them then;
- deployments and incidents run to the attribution window past `end` (`as_of` when there
  is no window: an incident counts against the last deployment before it, however late),
  and which services and repositories have production deployments at all is looked up for
  the names the window's rows do not show.

The single-team answer, the digest, the detectors and the whole-org run all read this way,
so a figure is the same whichever of them asked and however long their run.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

import pandas as pd

from analytics import horizon, load, shared_loaders
from analytics.arrays import lower_text
from analytics.context import TeamContext, Thresholds
from analytics.items import DEPLOYED
from analytics.metrics.dora import SUCCESS
from analytics.sql import Bind

PR_SIDE = ("prs", "reviews", "review_requests", "commits", "pr_deployments")
ATTRIBUTION = ("deployments", "incidents")


def windows(
    bind: Bind,
    needs: Iterable[str],
    teams: Sequence[TeamContext] | None,
    start: datetime,
    end: datetime,
    as_of: datetime,
    thresholds: Thresholds,
    commits_of_prs: bool = True,
    since: datetime | None = None,
) -> dict[str, tuple[datetime, datetime]]:
    """Per frame of `needs`, the window [from, to) to read for items counted in
    [start, end) as known at `as_of` (commits as PRs' when `commits_of_prs`; `since`: the
    `horizon.link_since` of these, when already known)."""
    end = min(end, as_of)
    out = {name: (start, as_of) for name in needs}
    if "pr_deployments" in out:
        if since is None:
            since = horizon.link_since(bind, teams, start, end, as_of, thresholds)
        for name in PR_SIDE:
            if name in out and (commits_of_prs or name != "commits"):
                out[name] = (min(since, start), as_of)
    w = thresholds.incident_window
    stop = as_of if w is None else min(as_of, max(end + w, start))
    for name in ATTRIBUTION:
        if name in out:
            out[name] = (start, stop)
    return out


def read(
    bind: Bind,
    *,
    needs: Iterable[str],
    teams: Sequence[TeamContext] | None,
    start: datetime,
    end: datetime,
    as_of: datetime,
    thresholds: Thresholds,
    columns: Mapping[str, Collection[str]] | None = None,
    commits_of_prs: bool = True,
    unordered: bool = False,
) -> dict[str, pd.DataFrame]:
    """The frames of `needs` for the teams (None: the whole org), each over its window
    (`windows`), plus `DEPLOYED` when incidents are attributed to deployments. With PRs,
    the commits of those PRs join the members' commits of the window (`commits_of_prs`;
    the detectors count active people from commits: they keep the window's only;
    `unordered`: rows may come in any order, `load.load_frames`)."""
    wanted = set(needs)
    spans = windows(bind, wanted, teams, start, end, as_of, thresholds, commits_of_prs)
    with_pr_commits = commits_of_prs and "prs" in wanted
    frames = load.load_frames(
        bind,
        start,
        as_of,
        teams,
        wanted,
        columns,
        windows=spans,
        commits_of_prs=with_pr_commits,
        unordered=unordered,
    )
    if set(ATTRIBUTION) <= wanted:
        frames.update(_attribution(bind, frames, teams, spans["deployments"], as_of, thresholds))
    return frames


def _attribution(
    bind: Bind,
    frames: Mapping[str, pd.DataFrame],
    teams: Sequence[TeamContext] | None,
    span: tuple[datetime, datetime],
    as_of: datetime,
    thresholds: Thresholds,
) -> dict[str, pd.DataFrame]:
    """For teams, their deployments and incidents plus what attributing those incidents
    compares them with: incidents naming a service or repository of the deployments read,
    and the deployments of every service or repository those incidents name, whoever owns
    them (names the teams own were read already: `shared_loaders.deployments`,
    `incidents`); for everyone, `DEPLOYED`. A name with no production deployment at all
    before `as_of` (a paging service that never deploys) has no deployments to read."""
    dep, inc = frames["deployments"], frames["incidents"]
    own: dict[str, set[str]] = {"service": set(), "repo": set()}
    if teams is not None:
        own = {"service": {s for t in teams for s in t.services}}
        own["repo"] = {r for t in teams for r in t.repo_names}
        services, repos = _names(dep, "service") - own["service"], _names(dep, "repo") - own["repo"]
        if services or repos:
            inc = _union(inc, shared_loaders.named_incidents(bind, *span, services, repos))
    known = deployed(bind, dep, inc, thresholds, as_of)
    if teams is not None:
        seen = {c: _names(dep, c) | set(known.loc[known["kind"] == c, "name"]) for c in own}
        ask = {c: (_names(inc, c) - own[c]) & seen[c] for c in own}
        if ask["service"] or ask["repo"]:
            more = shared_loaders.named_deployments(bind, *span, ask["service"], ask["repo"])
            dep = _union(dep, more)
    return {"deployments": dep, "incidents": inc, DEPLOYED: known}


def _names(frame: pd.DataFrame, col: str) -> set[str]:
    return {str(v) for v in frame[col].dropna().unique() if v}


def _union(first: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """Rows of `first`, then those of `more` it does not hold (same source and id)."""
    if more.empty:
        return first
    key = [c for c in ("source", "external_id") if c in first.columns]
    both = pd.concat([first, more], ignore_index=True)
    return both[~both.duplicated(key).to_numpy()].reset_index(drop=True)


def deployed(
    bind: Bind, dep: pd.DataFrame, inc: pd.DataFrame, thresholds: Thresholds, as_of: datetime
) -> pd.DataFrame:
    """(kind, name): the services and repositories incidents `inc` name that have a
    successful production deployment before `as_of`, among those `dep` holds none of."""
    ok = is_production_success(dep["environment"], dep["status"], thresholds)
    prod = dep[(ok & dep["finished_at"].notna()).to_numpy()]
    ask: dict[str, set[str]] = {}
    for col in ("service", "repo"):
        named = set(inc[col].dropna().astype(str)) - set(prod[col].dropna().astype(str))
        ask[col] = {n for n in named if n}
    if not ask["service"] and not ask["repo"]:
        return pd.DataFrame({"kind": pd.Series(dtype=object), "name": pd.Series(dtype=object)})
    rows = shared_loaders.deployed_names(bind, ask["service"], ask["repo"], as_of)
    keep = is_production_success(rows["environment"], rows["status"], thresholds)
    return rows.loc[keep, ["kind", "name"]].drop_duplicates().reset_index(drop=True)


def is_production_success(env: pd.Series, status: pd.Series, thresholds: Thresholds) -> pd.Series:
    """Rows in a production environment with a successful status (`dora` rules)."""
    prod = lower_text(env, strip=True).isin([e.lower() for e in thresholds.production_environments])
    return prod & lower_text(status).isin(SUCCESS)
