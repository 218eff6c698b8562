"""Deployments, incidents, reverts and issues of one repository, walked in time order.

A deployment ships every pull request merged since the previous one: its sha is the merge
commit of the newest of them. Each shipped human pull request may break production with a
small chance, so bigger batches fail more often (that is how `cfr_batching` raises the change
failure rate without a hand-set rate). Half of the deployment-caused incidents are mitigated
by a revert pull request that ships in a hotfix deployment; the incident resolves after it.
"""

from __future__ import annotations

import heapq

from sandbox.sim import names
from sandbox.sim.clock import DAY, HOUR, WEEK
from sandbox.sim.evaldeploy import eval_slot
from sandbox.sim.model import SimDeployment, SimIncident, SimIssue, SimPull
from sandbox.sim.pulls import RepoCtx, revert_pull
from sandbox.sim.rand import lognormal, poisson, weighted
from sandbox.sim.roster import Member

_MIN = 60.0
_SLOT_DAYS = {
    "daily": (0, 1, 2, 3, 4),
    "twice-weekly": (1, 3),
    "weekly": (3,),
}


def _next_slot(ctx: RepoCtx, m: float) -> float:
    """When the team next deploys something merged at `m`, by its cadence that week."""
    team = ctx.team
    if team.ev is not None:
        return eval_slot(ctx, m)
    cadence = team.cadence_at(ctx.span.week_of(m))
    if cadence == "continuous":
        return m + lognormal(ctx.rng, 20, 0.5) * _MIN
    cal = team.cal
    assert cal is not None
    allowed = _SLOT_DAYS[cadence]
    day = cal.local_day(m)
    for d in range(day, day + 60):
        if d % 7 in allowed and cal.is_workday(d):
            t = cal.at_local(d, 15 * HOUR + (d * 2_654_435_761) % HOUR)  # one slot a day
            if t >= m:
                return t
    return m + WEEK


def on_call(ctx: RepoCtx, t: float) -> Member:
    members = ctx.team.present(ctx.span.week_of(t))
    return members[(ctx.span.week_of(t) + ctx.team.index) % len(members)]


def _is_working(member: Member, t: float) -> bool:
    cal = member.cal
    day = cal.local_day(t)
    sod = t + cal.offsets.at(t) - cal.offsets.t0 - day * DAY
    return cal.is_workday(day) and cal.work_start <= sod < cal.work_end


def _incident(ctx: RepoCtx, t: float, urgency: str, cause: SimDeployment | None) -> SimIncident:
    rng = ctx.rng
    responder = on_call(ctx, t)
    wait = lognormal(rng, 4, 0.8) * _MIN * (1 if _is_working(responder, t) else 3)
    title = rng.choice(names.INCIDENT_TITLES).format(svc=ctx.repo.service_name)
    inc = SimIncident(
        t,
        title,
        ctx.repo.service_id,
        urgency,
        responder.pd_id,
        responder.login,
        t + 60 + wait,
        None,
        cause,
    )
    inc.issue = ctx.repo.host == "github" and rng.random() < 0.35
    return inc


def deploy_all(ctx: RepoCtx, pulls: list[SimPull]) -> tuple[list[SimDeployment], list[SimIncident]]:
    """Walk merges in time order, deploying by cadence; adds revert pulls to `pulls`."""
    rng, span, team = ctx.rng, ctx.span, ctx.team
    heap: list[tuple[float, int, SimPull]] = []
    seq = 0
    for p in pulls:
        if p.merged_at is not None and p.merged_at <= span.end:
            heap.append((p.merged_at, seq, p))
            seq += 1
    heapq.heapify(heap)
    deployments: list[SimDeployment] = []
    incidents: list[SimIncident] = []
    auto = team.cadence == "continuous"
    reverts: list[float] = []  # merge times of reverts waiting for their hotfix deployment
    while heap:
        m, _, first = heap[0]
        cand = m if first.reverts is not None else _next_slot(ctx, m)
        hotfix = bool(reverts) and min(reverts) <= cand
        if hotfix:
            cand = min(reverts) + lognormal(rng, 12, 0.4) * _MIN
        if cand > span.end:
            break
        batch: list[SimPull] = []
        while heap and heap[0][0] <= cand:
            batch.append(heapq.heappop(heap)[2])
        reverts = [r for r in reverts if r > cand]
        newest = batch[-1]
        assert newest.merge_sha is not None
        creator = (
            "github-actions[bot]" if auto else rng.choice(team.present(span.week_of(cand))).login
        )
        event = "push" if auto else "workflow_dispatch"
        if ctx.repo.staging and not hotfix:
            ts = max(newest.merged_at or m, cand - lognormal(rng, 30, 0.5) * _MIN) + 30
            deployments.append(
                _deployment(ctx, ts, newest.merge_sha, "staging", creator, event, "success")
            )
        t = cand
        if rng.random() < 0.03:
            deployments.append(
                _deployment(ctx, t, newest.merge_sha, "production", creator, event, "failure")
            )
            t += lognormal(rng, 25, 0.5) * _MIN
        dep = _deployment(ctx, t, newest.merge_sha, "production", creator, event, "success")
        dep.shipped = len(batch)
        deployments.append(dep)
        done = dep.statuses[-1][0]
        for p in batch:
            if p.incident is not None:
                p.incident.resolved = done + lognormal(rng, 6, 0.5) * _MIN
        humans = [p for p in batch if not p.is_bot and p.reverts is None]
        if humans and rng.random() < 1 - (1 - team.fail_q) ** len(humans):
            inc = _incident(
                ctx,
                done + max(2.0, lognormal(rng, 40, 1.0)) * _MIN,
                "high" if rng.random() < 0.8 else "low",
                dep,
            )
            incidents.append(inc)
            if rng.random() < 0.5:
                culprit = max(humans, key=lambda p: p.additions)
                actor = next(mm for mm in team.members if mm.login == inc.responder_login)
                rv = revert_pull(ctx, culprit, inc.ack + lognormal(rng, 15, 0.6) * _MIN, actor)
                if rv.created <= span.end:
                    rv.incident = inc
                    pulls.append(rv)
                    assert rv.merged_at is not None
                    if rv.merged_at <= span.end:
                        heapq.heappush(heap, (rv.merged_at, seq, rv))
                        reverts.append(rv.merged_at)
                        seq += 1
            else:
                inc.resolved = inc.ack + lognormal(rng, 70, 0.9) * _MIN
    for w in range(span.weeks + 1):  # incidents no deployment explains
        for _ in range(poisson(rng, team.alerts_per_repo(w))):
            t = span.t0 + w * WEEK + rng.uniform(0, WEEK)
            inc = _incident(ctx, t, "high" if rng.random() < 0.6 else "low", None)
            inc.resolved = inc.ack + lognormal(rng, 60, 1.0) * _MIN
            incidents.append(inc)
    return deployments, incidents


def _deployment(
    ctx: RepoCtx, t: float, sha_: str, env: str, creator: str, event: str, outcome: str
) -> SimDeployment:
    rng = ctx.rng
    t1 = t + rng.uniform(5, 60)
    t2 = t1 + lognormal(rng, 4, 0.5) * _MIN
    statuses = [(t, "queued"), (t1, "in_progress"), (t2, outcome)]
    return SimDeployment(t, sha_, env, creator, statuses, event)


def issues_for(ctx: RepoCtx, incidents: list[SimIncident]) -> list[SimIssue]:
    """GitHub issues: incident reports (label "incident") and the usual bugs and requests."""
    rng, span, team = ctx.rng, ctx.span, ctx.team
    out: list[SimIssue] = []
    if ctx.repo.host != "github":
        return out
    for inc in incidents:
        if inc.issue:
            closed = inc.resolved + lognormal(rng, 2, 0.8) * DAY if inc.resolved else None
            sev = "sev1" if inc.urgency == "high" else "sev3"
            out.append(
                SimIssue(
                    inc.t + lognormal(rng, 15, 0.5) * _MIN,
                    inc.responder_login,
                    f"Incident: {inc.title}",
                    ["incident", sev],
                    closed,
                )
            )
    for w in range(span.weeks + 1):
        for _ in range(poisson(rng, 0.6)):
            author = rng.choice(team.members)
            day = w * 7 + rng.randint(0, 4)
            t = author.cal.work_time_on(day, rng)
            labels = weighted(rng, (["bug"], ["enhancement"], ["question"], []), (4, 3, 1, 2))
            topic = rng.choice(names.TOPICS)
            closed = t + lognormal(rng, 4, 1.2) * DAY if rng.random() < 0.6 else None
            out.append(
                SimIssue(t, author.login, f"{topic.capitalize()} misbehaves", labels, closed)
            )
    return out
