"""Who owns what (DESIGN.md): the rule that put each row in a team's numbers.

- A pull request (and its reviews and commits) counts for its author's team: `pr-author`.
- A deployment, incident or page belongs to the team owning the service (`service`) or the
  repository (`repository`); in a shared monorepo the team owning the paths, matched by the
  service name against the team's path prefixes (`path-prefix`), as a CODEOWNERS file would
  say. The store carries no changed paths for deployments, so a monorepo deployment without a
  service falls back to the team recorded at ingest (`store-team`).
- A work item belongs to the team of its Jira project or Linear team (`project`).
Each frame gets an `ownership` column naming the rule; answers count rows per rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.context import TeamContext

RULES: dict[str, str] = {
    "pr-author": "pull requests count for their author's team (configured members)",
    "service": "owned service named on the row",
    "repository": "owned repository",
    "path-prefix": "monorepo paths owned by the team (service matched to path prefix)",
    "store-team": "team recorded at ingest",
    "project": "owned Jira project or Linear team",
}


def describe(counts: dict[str, int]) -> str:
    """A sentence naming the rules that applied, most used first."""
    used = sorted(((c, r) for r, c in counts.items() if c), reverse=True)
    if not used:
        return "no rows owned"
    return "; ".join(f"{RULES.get(r, r)} ({c})" for c, r in used)


def counts(df: pd.DataFrame) -> dict[str, int]:
    if "ownership" not in df.columns or df.empty:
        return {}
    return {str(k): int(v) for k, v in df["ownership"].value_counts().items()}


def membership(teams: Sequence[TeamContext]) -> pd.DataFrame:
    """(key, team) for every configured member; a person in two teams appears twice."""
    rows = [(k, t.slug) for t in teams for k in sorted(t.member_keys)]
    return pd.DataFrame(rows, columns=["key", "team"], dtype=object)


def by_member(
    df: pd.DataFrame, key_col: str, teams: Sequence[TeamContext], rule: str = "pr-author"
) -> pd.DataFrame:
    """Rows whose `key_col` person is a member of one of `teams`, with `team` and `ownership`.
    A person in two teams counts for both (their rows appear once per team)."""
    members = membership(teams)
    if members["key"].duplicated().any():
        out = df.merge(members.rename(columns={"key": key_col}), on=key_col, how="inner")
    else:  # everyone in one team: a lookup, not a merge (same rows, same order)
        pos = pd.Index(members["key"]).get_indexer(df[key_col].to_numpy())
        rows = np.flatnonzero(pos >= 0)
        out = take(df, rows)
        out["team"] = members["team"].to_numpy()[pos[rows]]
    out["ownership"] = rule
    return out


def take(df: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Rows `rows` of `df` with a fresh RangeIndex, column by column: `DataFrame.take` first
    consolidates the frame's blocks (a copy of every column) on frames built unconsolidated;
    when every row is kept, a shallow copy."""
    if len(rows) == len(df) and (len(df) == 0 or (rows[0] == 0 and rows[-1] == len(df) - 1)):
        out = df.copy(deep=False)
        out.index = pd.RangeIndex(len(df))
        return out
    return pd.DataFrame(
        {c: df[c].array.take(rows) for c in df.columns}, index=pd.RangeIndex(len(rows)), copy=False
    )


def _prefix_names(prefixes: tuple[str, ...]) -> set[str]:
    names = set()
    for p in prefixes:
        parts = [x for x in p.strip("/").split("/") if x]
        if parts:
            names.add(parts[-1].lower())
    return names


def by_service_or_repo(
    df: pd.DataFrame,
    teams: Sequence[TeamContext],
    org_teams: Sequence[TeamContext],
    *,
    team_col: str = "team_slug",
) -> pd.DataFrame:
    """Rows (deployments, incidents, pages) owned by one of `teams`, with `team` and the
    rule in `ownership`. Owners are decided across the whole org (`org_teams`) so that a
    team's answer never depends on which teams were asked about: service beats repository,
    repository beats monorepo path prefix, which beats the team recorded at ingest."""
    owner, rule = _service_owners(df, org_teams, team_col)
    wanted = {t.slug for t in teams}
    keep = owner.isin(wanted).to_numpy()
    out = df[keep].copy()
    out["team"] = owner[keep].to_numpy()
    out["ownership"] = rule[keep].to_numpy()
    return out.reset_index(drop=True)


def with_owners(
    df: pd.DataFrame, org_teams: Sequence[TeamContext], *, team_col: str = "team_slug"
) -> pd.DataFrame:
    """Every row of `df` with its owning team (`team`, None when no team owns it) and rule,
    decided as `by_service_or_repo` does: what incident attribution compares, where a
    deployment nobody owns still counts as the last deployment of its service."""
    owner, rule = _service_owners(df, org_teams, team_col)
    out = df.copy(deep=False)
    out["team"] = owner.to_numpy()
    out["ownership"] = rule.to_numpy()
    return out.reset_index(drop=True)


def _service_owners(
    df: pd.DataFrame, org_teams: Sequence[TeamContext], team_col: str
) -> tuple[pd.Series, pd.Series]:
    """The owning team of each row and the rule that decided it (None: nobody)."""
    service = df["service"].fillna("").astype(str)
    repo = df["repo"].fillna("").astype(str)
    owner = pd.Series(None, index=df.index, dtype=object)
    rule = pd.Series(None, index=df.index, dtype=object)

    def take(found: pd.Series, name: str) -> None:
        hit = owner.isna() & found.notna()
        owner[hit] = found[hit]
        rule[hit] = name

    services: dict[str, str] = {}
    whole: dict[str, str] = {}
    shared: dict[tuple[str, str], str] = {}
    for t in org_teams:
        for s in t.services:
            services.setdefault(s, t.slug)
        for r in t.repos:
            if r.path_prefixes:
                for name in _prefix_names(r.path_prefixes):
                    shared.setdefault((r.full_name, name), t.slug)
            else:
                whole.setdefault(r.full_name, t.slug)
    take(service.map(services), "service")
    take(repo.map(whole), "repository")
    if shared:
        pairs = pd.Series(list(zip(repo, service.str.lower(), strict=True)), index=df.index)
        take(pairs.map(shared), "path-prefix")
    if team_col in df.columns:
        known = {t.slug for t in org_teams}
        take(df[team_col].where(df[team_col].isin(known)), "store-team")
    return owner, rule


def work_items_owned(
    items: pd.DataFrame, teams: Sequence[TeamContext], org_teams: Sequence[TeamContext]
) -> pd.DataFrame:
    """Work items of the teams' Jira projects / Linear teams (else recorded at ingest)."""
    projects: dict[str, str] = {}
    for t in org_teams:
        for p in t.projects:
            projects.setdefault(p, t.slug)
    owner = items["project"].map(projects)
    rule = pd.Series(np.where(owner.notna(), "project", "store-team"), index=items.index)
    known = {t.slug for t in org_teams}
    owner = owner.fillna(items["team_slug"].where(items["team_slug"].isin(known)))
    keep = owner.isin({t.slug for t in teams}).to_numpy()
    out = items[keep].copy()
    out["team"] = owner[keep].to_numpy()
    out["ownership"] = rule[keep].to_numpy()
    return out.reset_index(drop=True)
