"""How far back the store must be read for a definition, derived from the data, not fixed.

Lead time counts a PR in the week of the deployment that shipped it, however long before it
was merged (`analytics.metrics.links`). For a window [start, end) the PRs to read are those
whose deployment may fall in it; the others were shipped before `start`. Per repository R
with a production deployment in the window:

- a production deployment of R finished before `start` that deploys the merge commit of a
  PR k (and finished after k's merge) ships k and every PR merged before k: so PRs merged
  before the latest such k were shipped before `start` (`reach`);
- with no such deployment, a PR of R can only be linked exactly by a later deployment, which
  then ships every earlier PR: all of R's PRs merged before `start` may fall in the window,
  unless no deployment of R before `as_of` deploys a merge commit at all — then each PR has
  its fallback link, the first deployment after its merge, and PRs merged before R's last
  deployment before `start` were shipped by then.

The earliest of these moments over the repositories is where the PR-side frames start.
Reading more than needed never changes an answer (extra PRs are linked outside the window);
reading less would. Looking back `RECENT` first keeps the usual case (a repository deploying
daily) to a few rows per repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, literal
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased

from analytics.arrays import lower_text
from analytics.context import TeamContext, Thresholds
from analytics.frames import to_utc
from analytics.metrics.dora import SUCCESS
from analytics.sql import Bind, _connection, _members
from store.models import Deployment, PullRequest

RECENT = timedelta(days=14)  # looked at first: a repository's deployments just before start


@dataclass(frozen=True)
class _Repo:
    """What the deployments of one repository say about PRs merged before `start`."""

    in_window: bool = False  # a production deployment in [start, end)
    reach: pd.Timestamp | None = None  # latest merge shipped by a deployment before start
    last: pd.Timestamp | None = None  # last production deployment before start
    reaches_later: bool = False  # some deployment in [start, as_of) ships a known merge


def link_since(
    bind: Bind,
    teams: Sequence[TeamContext] | None,
    start: datetime,
    end: datetime,
    as_of: datetime,
    thresholds: Thresholds,
) -> datetime:
    """The earliest merge moment of a PR by the teams (None: anyone) that may be linked to
    a production deployment finished in [start, end): where the PR-side frames of lead
    time start (never after `start`)."""
    return link_since_each(bind, teams, start, [(end, as_of)], thresholds)[0]


def link_since_each(
    bind: Bind,
    teams: Sequence[TeamContext] | None,
    start: datetime,
    ends: Sequence[tuple[datetime, datetime]],
    thresholds: Thresholds,
) -> list[datetime]:
    """`link_since` for each (end, as_of) of `ends`, all from `start` (the first merges
    before it are looked up once)."""
    with _connection(bind) as conn:
        first = _first_merges(conn, teams, start)  # repo -> earliest merge before start
        return [_since(conn, first, start, end, as_of, thresholds) for end, as_of in ends]


def _since(
    conn: Any, first: dict, start: datetime, end: datetime, as_of: datetime, th: Thresholds
) -> datetime:
    if not first:
        return start
    repos = sorted(first)
    seen = _summaries(conn, repos, start - RECENT, start, end, as_of, th, False)
    again = [r for r in repos if seen.get(r, _Repo()).in_window and seen[r].reach is None]
    if again:
        seen.update(_summaries(conn, again, None, start, end, as_of, th, True))
    since = start
    for repo, earliest in first.items():
        s = seen.get(repo, _Repo())
        if not s.in_window:
            continue  # nothing of this repository is shipped in the window
        if s.reach is not None:
            bound = s.reach
        elif not s.reaches_later and s.last is not None:
            bound = s.last  # fallback links only: shipped by the last deployment
        else:
            bound = earliest  # the first deployment naming a merge commit ships them all
        since = min(since, bound.to_pydatetime())
    return since


def _first_merges(conn: Any, teams: Sequence[TeamContext] | None, start: datetime) -> dict:
    """Repositories with PRs (by the teams' members) merged before `start`, and the
    earliest such merge. For several teams (the detectors read the whole org) every PR
    counts: one scan instead of an index probe per member, and more repositories looked
    at only lowers the bound (reads more, changes nothing)."""
    p = PullRequest
    cond: Any = and_(p.merged_at.is_not(None), p.merged_at < start, p.repo.is_not(None))
    if teams is not None and len(teams) == 1:
        cond = and_(p.author_key.in_(_members(tuple(teams))), cond)
    rows = conn.execute(sa_select(p.repo, func.min(p.merged_at)).where(cond).group_by(p.repo))
    got = {str(r): at for r, at in rows if at is not None}
    if not got:
        return {}
    moments = to_utc(pd.Series(list(got.values()), dtype=object))
    return dict(zip(got, moments, strict=True))


def _summaries(
    conn: Any,
    repos: list[str],
    since: datetime | None,
    start: datetime,
    end: datetime,
    as_of: datetime,
    th: Thresholds,
    whole: bool,
) -> dict[str, _Repo]:
    """Per repository, from its production deployments finished in [since, as_of) (since
    None: from the first): in the window? the latest merge shipped before `start`, the last
    deployment before it, and (`whole`) whether a later one ships a known merge."""
    d = Deployment
    p = aliased(PullRequest)
    deployed = (
        sa_select(func.max(p.merged_at))
        .where(p.merge_commit_sha == d.sha, p.repo == d.repo, d.sha != "")
        .correlate(d)
        .scalar_subquery()
    )
    fin = d.finished_at
    cond: Any = and_(d.repo.in_(repos), fin.is_not(None), fin < (as_of if whole else end))
    if since is not None:
        cond = and_(cond, fin >= since)
    # the lookup is made only where it counts: before `start` (and after it for `whole`)
    shipped = deployed if whole else case((fin < start, deployed))
    rows_q = sa_select(
        d.repo.label("repo"),
        d.environment.label("env"),
        d.status.label("status"),
        fin.label("fin"),
        shipped.label("shipped"),
    ).where(cond)
    r = rows_q.subquery()
    before, ships = r.c.fin < start, r.c.shipped <= r.c.fin
    stmt = sa_select(
        r.c.repo,
        r.c.env,
        r.c.status,
        func.max(case((and_(before, ships), r.c.shipped))),
        func.max(case((before, r.c.fin))),
        func.max(case((and_(r.c.fin >= start, r.c.fin < end), literal(1)), else_=literal(0))),
        func.max(case((and_(r.c.fin >= start, ships), literal(1)), else_=literal(0))),
    ).group_by(r.c.repo, r.c.env, r.c.status)
    df = pd.DataFrame(
        conn.execute(stmt).fetchall(),
        columns=["repo", "env", "status", "reach", "last", "in_window", "later"],
    )
    return _per_repo(df, th)


def _per_repo(df: pd.DataFrame, th: Thresholds) -> dict[str, _Repo]:
    """The production, successful groups of `_summaries`, folded per repository."""
    if df.empty:
        return {}
    prod = lower_text(df["env"], strip=True).isin([e.lower() for e in th.production_environments])
    ok = lower_text(df["status"]).isin(SUCCESS)
    df = df[(prod & ok).to_numpy()].copy()
    df["reach"] = to_utc(df["reach"].astype(object))
    df["last"] = to_utc(df["last"].astype(object))
    out: dict[str, _Repo] = {}
    for repo, g in df.groupby("repo", sort=False):
        reach, last = g["reach"].max(), g["last"].max()
        out[str(repo)] = _Repo(
            in_window=bool(g["in_window"].astype(int).max()),
            reach=None if pd.isna(reach) else reach,
            last=None if pd.isna(last) else last,
            reaches_later=bool(g["later"].astype(int).max()),
        )
    return out
