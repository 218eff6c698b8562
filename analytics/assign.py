"""Frames entering the engine: completed with empty frames for what a metric needs, and
restricted to the teams asked about, each row tagged with its `team` and ownership rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from analytics.context import OrgContext, TeamContext
from analytics.frames import empty
from analytics.items import EVERY, MERGED
from analytics.metrics.links import knows_deployed_prs, with_deployed_prs
from analytics.metrics.pulls import add_pr_keys, is_revert, merged_only, pr_refs
from analytics.ownership import by_member, by_service_or_repo, with_owners, work_items_owned
from analytics.persons import as_persons
from analytics.registry import MetricSpec


def complete(spec: MetricSpec, frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """`frames` plus empty frames for whatever `spec` needs and was not given."""
    out = {n: empty(n) for n in (*spec.needs, "people", "annotations")}
    out.update(frames)
    return out


def needs_of(specs: Iterable[MetricSpec]) -> set[str]:
    """Every frame the metrics `specs` read, and the annotations every baseline reads."""
    needs: set[str] = {"annotations"}
    for s in specs:
        needs |= set(s.needs)
    return needs


def assign(
    frames: Mapping[str, pd.DataFrame], org: OrgContext, teams: Sequence[TeamContext]
) -> dict[str, pd.DataFrame]:
    """Frames restricted to `teams`, each row tagged with `team` and its `ownership` rule;
    deployments and incidents also whole (`EVERY`: each with its owner over the org, or
    none), and the deployments PRs may be linked to with the PR each deploys."""
    frames = as_persons(frames, org)  # one key per person, whatever sources know them by
    frames = add_pr_keys(frames)  # reviews and commits find their PR by integer key
    out = dict(frames)
    if "prs" in frames:
        owned = by_member(frames["prs"], "author_key", teams)
        owned["ref"] = pr_refs(owned)  # built once, shared by every PR metric's evidence
        owned["revert"] = is_revert(owned)  # title checked once for every PR metric
        out["prs"] = owned
        out[MERGED] = merged_only(owned)  # filtered once for the five merged-PR metrics
    if "commits" in frames:
        out["commits_owned"] = by_member(frames["commits"], "author_key", teams)
    if "member_reviews" in frames:
        out["member_reviews"] = by_member(frames["member_reviews"], "reviewer_key", teams)
    dep = frames.get("pr_deployments")
    if dep is not None and "prs" in frames and not knows_deployed_prs(dep):
        out["pr_deployments"] = with_deployed_prs(dep, frames["prs"])  # the PR each deploys
    for name in ("deployments", "incidents"):
        if name in frames:
            every = with_owners(frames[name], org.teams)  # attribution reads them all
            mine = every["team"].isin([t.slug for t in teams]).to_numpy()
            out[name] = every[mine].reset_index(drop=True)  # `by_service_or_repo`, once
            out[EVERY[name]] = every
    if "pages" in frames:
        pages = frames["pages"].copy()
        pages["team_slug"] = pages["team_slug"].fillna(pages["incident_team_slug"])
        out["pages"] = by_service_or_repo(pages, teams, org.teams)
    if "work_items" in frames:
        out["work_items"] = work_items_owned(frames["work_items"], teams, org.teams)
    return out
