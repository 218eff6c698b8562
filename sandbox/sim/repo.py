"""Simulate one repository from start to end and write it: the unit of bounded memory."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.sim.clock import HOUR, WEEK, Span
from sandbox.sim.delivery import deploy_all, issues_for
from sandbox.sim.model import SimDeployment, SimIncident, SimIssue, SimPull, SimRun
from sandbox.sim.output import Sink
from sandbox.sim.pulls import RepoCtx, bot_pull, human_pull
from sandbox.sim.rand import poisson, rng_for
from sandbox.sim.roster import RepoSpec, TeamSpec
from sandbox.sim.serialize import (
    Ids,
    deployment_json,
    incident_json,
    issue_json,
    pull_json,
    release_json,
    run_json,
)


@dataclass(slots=True)
class RepoBuild:
    """One repository's simulated records, numbered, before they are written."""

    ctx: RepoCtx
    pulls: list[SimPull]
    deployments: list[SimDeployment]
    incidents: list[SimIncident]
    issues: list[SimIssue]


def simulate_repo(
    seed: int, team: TeamSpec, repo: RepoSpec, repo_index: int, span: Span, sink: Sink
) -> None:
    rng = rng_for(seed, "repo", repo.full_name)
    ctx = RepoCtx(team=team, repo=repo, span=span, rng=rng)
    write_repo(finish_repo(ctx, _pulls(ctx)), repo_index, sink)


def finish_repo(ctx: RepoCtx, pulls: list[SimPull]) -> RepoBuild:
    """Deploy, break, revert and number a repository whose pull requests are simulated."""
    deployments, incidents = deploy_all(ctx, pulls)
    issues = issues_for(ctx, incidents)
    _number(ctx, pulls, issues)
    return RepoBuild(ctx, pulls, deployments, incidents, issues)


def write_repo(build: RepoBuild, repo_index: int, sink: Sink) -> None:
    """Write one repository's records as seen at the world's end (CI outcomes drawn here)."""
    ctx, pulls, deployments = build.ctx, build.pulls, build.deployments
    incidents, issues = build.incidents, build.issues
    rng, span, repo, team = ctx.rng, ctx.span, ctx.repo, ctx.team
    ids = Ids(repo_index)
    deployments.sort(key=lambda d: d.t)
    for d in deployments:
        d.id = ids.next("deployment", 3_000_000_000)
    github = repo.host == "github"
    name = repo.full_name
    end = span.end
    for p in sorted(pulls, key=lambda p: p.number):
        sink.write("pulls" if github else "gitlab_mrs", pull_json(name, p, end, ids))
    for d in deployments:
        if d.t <= end:
            sink.write(
                "deployments" if github else "gitlab_deployments",
                deployment_json(name, d, end, ids),
            )
    for inc in sorted(incidents, key=lambda i: i.t):
        if inc.t <= end:
            sink.spill_incident(span.week_of(inc.t), dict(incident_json(inc, end, ids)))
    if not github:
        return
    runs = [r for p in pulls for r in p.runs if r.t <= end]
    for d in deployments:
        if d.t <= end:
            last_t, last_state = d.statuses[-1]
            conclusion = "success" if last_state == "success" else "failure"
            runs.append(SimRun(d.t - 20, d.sha, "main", d.event, "Deploy", last_t, conclusion))
    runs.sort(key=lambda r: (r.t, r.sha, r.name))
    for r in runs:
        ci = team.ev.ci_at(span.week_of(r.t)) if team.ev is not None else None
        sink.write("workflow_runs", run_json(name, r, ids.next("run", 5_000_000_000), end, rng, ci))
    minor = rng.randint(0, 40)
    last_week = -1
    for d in deployments:
        ok = d.statuses[-1][1] == "success" and d.env == "production"
        if ok and d.statuses[-1][0] + 60 <= end and span.week_of(d.t) != last_week:
            last_week = span.week_of(d.t)
            minor += 1
            sink.write("releases", release_json(name, d, minor, ids))
    for issue in sorted(issues, key=lambda i: i.number):
        if issue.created <= end:
            sink.write("issues", issue_json(name, issue, end, ids))


def _pulls(ctx: RepoCtx) -> list[SimPull]:
    rng, span, team, repo = ctx.rng, ctx.span, ctx.team, ctx.repo
    out: list[SimPull] = []
    n_weeks = (span.end - span.t0) // WEEK + 1
    for w in range(n_weeks):
        for m in team.members:
            for _ in range(poisson(rng, team.pr_rate * repo.weight)):
                day = w * 7 + rng.randint(0, 4)
                if not m.cal.is_workday(day):
                    continue  # on holiday or vacation: that work does not happen
                t = m.cal.work_time_on(day, rng)
                if t > span.end:
                    continue
                p = human_pull(ctx, m, t)
                if p.created <= span.end:
                    out.append(p)
        if repo.dep_bot is not None:
            for _ in range(poisson(rng, 1.2)):
                t = span.t0 + w * WEEK + rng.randint(0, 4) * 86_400 + rng.uniform(3, 7) * HOUR
                if t <= span.end:
                    out.append(bot_pull(ctx, repo.dep_bot, t))
    return out


def _number(ctx: RepoCtx, pulls: list[SimPull], issues: list[SimIssue]) -> None:
    """GitHub numbers pull requests and issues in one sequence, in creation order."""
    keyed: list[tuple[float, int, int, SimPull | SimIssue]] = []
    keyed += [(p.created, 0, k, p) for k, p in enumerate(pulls)]
    keyed += [(i.created, 1, k, i) for k, i in enumerate(issues)]
    keyed.sort(key=lambda x: (x[0], x[1], x[2]))
    number = ctx.rng.randint(20, 1500)
    for _, _, _, item in keyed:
        if ctx.repo.host == "gitlab" and isinstance(item, SimIssue):
            continue
        number += 1
        item.number = number
    for p in pulls:
        if p.reverts is not None:
            p.head_ref = f"revert-{p.reverts.number}-{p.reverts.head_ref}"
            p.body = f"Reverts {ctx.repo.full_name}#{p.reverts.number}"
            for r in p.runs:
                if not r.branch:
                    r.branch = p.head_ref
