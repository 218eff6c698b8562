"""Loaders of rows a team's answer shares with other teams' (issue 15, "one answer").

A PR's deployment, and a deployment's incidents, depend on rows of the whole org: the PR
another team merged that a deployment shipped, the deployment another team made between
ours and an incident. When one team is asked about, these loaders read those rows too, so
that the team's answer is the one the whole-org run gives:

- `pr_deployments`: each deployment with the PR whose merge commit it deploys, looked up
  among every PR of the store (`analytics.metrics.links`);
- `deployments` / `incidents`: the teams' own, plus every deployment and incident of the
  services and repositories they touch (incident attribution compares them);
- `pr_commits`: every commit of the teams' PRs, beside the members' commits of the window
  (a PR's first commit and its rework after review, whoever pushed them);
- `deployed_names`: which services and repositories have production deployments at all
  (an incident naming one is attributed there and nowhere else).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, not_, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from analytics.context import TeamContext
from analytics.frames import columns_of
from analytics.sql import (
    Bind,
    Columns,
    Teams,
    _columns,
    _connection,
    _members,
    _owned_filter,
    _pr_filter,
    _raw,
    _read,
    _scan,
    _teams,
)
from store.models import Commit, Deployment, Incident, PullRequest


def pr_deployments(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Deployments finished in the window of every repository the teams' PRs (as `prs`
    selects them) were opened in: the candidates for the PR -> deployment link. For teams,
    each with the PR it deploys, found among all the store's PRs (`sha_*` columns); for the
    whole org those are left empty: every PR is then in the `prs` frame, where the engine
    finds them (`links.with_deployed_prs`)."""
    d = Deployment
    cond: Any = and_(d.finished_at >= start, d.finished_at < end)
    t = _teams(teams)
    cols = _columns(d, "pr_deployments", columns)
    if t is not None:
        repos = sa_select(PullRequest.repo).where(_pr_filter(start, end, t)).distinct()
        cond = and_(cond, d.repo.in_(repos.scalar_subquery()))
        cols += _deployed_pr(columns)
    return _read(bind, sa_select(*cols).where(cond), "pr_deployments", columns)


def _deployed_pr(columns: Columns) -> list[ColumnElement[Any]]:
    """The deployed PR's merge moment, number and source, as correlated lookups by
    (repository, merge commit SHA) through the SHA index: the last merged of several."""
    wanted = columns_of("pr_deployments", columns)
    out: list[ColumnElement[Any]] = []
    for name, col in (
        ("sha_merged_at", PullRequest.merged_at),
        ("sha_number", PullRequest.number),
        ("sha_source", PullRequest.source),
    ):
        if name not in wanted:
            continue
        p = aliased(PullRequest)
        found = (
            sa_select(getattr(p, col.key))
            .where(
                p.merge_commit_sha == Deployment.sha,
                p.repo == Deployment.repo,
                Deployment.sha != "",
                p.merged_at.is_not(None),
            )
            .order_by(p.merged_at.desc(), p.number.desc(), p.source.desc())
            .limit(1)
            .correlate(Deployment)
            .scalar_subquery()
        )
        out.append(_raw(found, name))  # read raw, converted column-wise
    return out


def deployments(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Deployments (any environment, any status) finished — or, unfinished, created — in the
    window, on the teams' services or repositories (`analytics.plan` adds the other
    deployments incident attribution compares them with: `named_deployments`)."""
    stmt = sa_select(*_columns(Deployment, "deployments", columns)).where(
        _deployed_in(start, end), _owned_filter(Deployment, _teams(teams))
    )
    return _read(bind, stmt, "deployments", columns)


def _deployed_in(start: datetime, end: datetime) -> Any:
    d = Deployment
    return or_(
        and_(d.finished_at >= start, d.finished_at < end),
        and_(d.finished_at.is_(None), d.created_at >= start, d.created_at < end),
    )


def named_deployments(
    bind: Bind,
    start: datetime,
    end: datetime,
    services: Collection[str],
    repos: Collection[str],
    columns: Columns = None,
) -> pd.DataFrame:
    """Deployments of the window on any of `services` or `repos`, whoever owns them: the
    ones an incident naming them is attributed among."""
    d = Deployment
    which = or_(d.service.in_(sorted(services)), d.repo.in_(sorted(repos)))
    stmt = sa_select(*_columns(d, "deployments", columns)).where(_deployed_in(start, end), which)
    return _read(bind, stmt, "deployments", columns)


def incidents(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Incidents started in the window on the teams' services or repositories (`analytics.
    plan` adds the other incidents naming their deployments' services: `named_incidents`)."""
    i = Incident
    stmt = sa_select(*_columns(i, "incidents", columns)).where(
        i.started_at >= start, i.started_at < end, _owned_filter(i, _teams(teams))
    )
    return _read(bind, stmt, "incidents", columns)


def named_incidents(
    bind: Bind,
    start: datetime,
    end: datetime,
    services: Collection[str],
    repos: Collection[str],
    columns: Columns = None,
) -> pd.DataFrame:
    """Incidents started in the window naming any of `services` or `repos`, whoever owns
    them: they may be attributed to a deployment there."""
    i = Incident
    which = or_(i.service.in_(sorted(services)), i.repo.in_(sorted(repos)))
    stmt = sa_select(*_columns(i, "incidents", columns)).where(
        i.started_at >= start, i.started_at < end, which
    )
    return _read(bind, stmt, "incidents", columns)


def commits(
    bind: Bind, start: datetime, end: datetime, teams: Teams = None, columns: Columns = None
) -> pd.DataFrame:
    """Commits authored in the window by the teams' members (frame `commits`; with PRs,
    `analytics.plan` adds the other commits of the teams' PRs: `pr_commits`)."""
    return _read(bind, _commits_stmt(start, end, _teams(teams), columns), "commits", columns)


def pr_commits(
    bind: Bind, start: datetime, end: datetime, teams: Teams, columns: Columns = None
) -> pd.DataFrame:
    """Every commit (before `end`, by anyone) of the teams' PRs `prs` returns for the window
    that `commits` did not read (by someone else, or outside the window): a PR's first
    commit and its rework after review count whoever pushed them and whenever."""
    t = _teams(teams)
    assert t is not None, "the whole org's commits are read whole"
    c = Commit
    at = _scan(c.authored_at)  # found through the PRs, not the date index
    in_window = and_(c.author_key.in_(_members(t)), at >= start, at < end)
    stmt = (
        sa_select(*_columns(c, "commits", columns))
        .join(
            PullRequest,
            and_(
                c.source == PullRequest.source,
                c.repo == PullRequest.repo,
                c.pr_number == PullRequest.number,
            ),
        )
        .where(
            _pr_filter(start, end, t),
            at < end,
            or_(c.author_key.is_(None), not_(in_window)),  # not read by `commits`
        )
    )
    return _read(bind, stmt, "commits", columns)


def _commits_stmt(
    start: datetime, end: datetime, teams: tuple[TeamContext, ...] | None, columns: Columns
) -> Select[Any]:
    at = Commit.authored_at if teams is not None else _scan(Commit.authored_at)
    cond = and_(at >= start, at < end)
    if teams is not None:
        cond = and_(Commit.author_key.in_(_members(teams)), cond)
    return sa_select(*_columns(Commit, "commits", columns)).where(cond)


def deployed_names(
    bind: Bind, services: Collection[str], repos: Collection[str], before: datetime
) -> pd.DataFrame:
    """Of `services` and `repos`, those with a finished deployment before `before`: one row
    per (service, repo, environment, status) seen, for the caller to keep production
    successes. Asked only for names the loaded deployments did not show."""
    d = Deployment
    parts: list[pd.DataFrame] = []
    with _connection(bind) as conn:
        for col, names in (("service", services), ("repo", repos)):
            for chunk in _chunks(sorted(names)):
                stmt = (
                    sa_select(getattr(d, col), d.environment, d.status)
                    .where(getattr(d, col).in_(chunk), d.finished_at < before)
                    .distinct()
                )
                rows = conn.execute(stmt).fetchall()
                parts.append(pd.DataFrame(rows, columns=["name", "environment", "status"]))
                parts[-1]["kind"] = col
    if not parts:
        return pd.DataFrame(columns=["kind", "name", "environment", "status"])
    return pd.concat(parts, ignore_index=True)[["kind", "name", "environment", "status"]]


def _chunks(names: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [names[i : i + size] for i in range(0, len(names), size)]
