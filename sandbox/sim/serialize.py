"""Turn one repository's simulated records into sandbox.world records, as seen at `end`.

Anything that happens after the world's "now" is cut here, so states follow from events:
a pull request merged after `end` is still OPEN, a draft readied after `end` is still a draft,
an incident resolved after `end` is still acknowledged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sandbox.sim.clock import local, utc
from sandbox.sim.model import SimDeployment, SimIncident, SimIssue, SimPull, SimRun
from sandbox.sim.rand import base36, lognormal, node_id
from sandbox.world import (
    Commit,
    Deployment,
    DeploymentStatus,
    Issue,
    PdIncident,
    PdLogEntry,
    Pull,
    Release,
    Review,
    TimelineEvent,
    WorkflowRun,
)

_STRIDE = 1_000_000


@dataclass(slots=True)
class Ids:
    """Database ids unique across the world: a block per repository and kind of record."""

    repo_index: int
    counters: dict[str, int] = field(default_factory=dict)

    def next(self, kind: str, base: int) -> int:
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        return base + self.repo_index * _STRIDE + n


def pull_json(repo: str, p: SimPull, end: float, ids: Ids) -> Pull:
    commits = [c for c in p.commits if c.t <= end]
    reviews = sorted((r for r in p.reviews if r.t <= end), key=lambda r: r.t)
    events = sorted((e for e in p.events if e[0] <= end), key=lambda e: e[0])
    merged = p.merged_at is not None and p.merged_at <= end
    state = "MERGED" if merged else "OPEN"
    closed_at: float | None = p.merged_at if merged else None
    if not merged:
        for t, kind, _, _ in events:
            if kind == "CLOSED":
                state, closed_at = "CLOSED", t
            elif kind == "REOPENED":
                state, closed_at = "OPEN", None
    times = [p.created, *(c.t for c in commits), *(r.t for r in reviews), *(e[0] for e in events)]
    timeline: list[TimelineEvent] = []
    for t, kind, actor, reviewer in events:
        ev = TimelineEvent(type=kind, at=utc(t), actor=actor)  # type: ignore[typeddict-item]
        if reviewer:
            ev["reviewer"] = reviewer
        timeline.append(ev)
    review_out: list[Review] = []
    for r in reviews:
        rid = ids.next("review", 2_000_000_000)
        dismissed = r.dismissed_at is not None and r.dismissed_at <= end
        review_out.append(
            Review(
                id=rid,
                node_id=node_id("PRR", rid),
                author=r.author,
                state="DISMISSED" if dismissed else r.state,  # type: ignore[typeddict-item]
                submitted_at=utc(r.t),
            )
        )
    pid = 1_000_000_000 + ids.repo_index * _STRIDE + p.number
    out = Pull(
        repo=repo,
        number=p.number,
        id=pid,
        node_id=node_id("PR", pid),
        title=p.title,
        body=p.body,
        author=p.author,
        head_ref=p.head_ref,
        base_ref="main",
        created_at=utc(p.created),
        updated_at=utc(max(times)),
        is_draft=p.draft and not any(e[1] == "READY_FOR_REVIEW" for e in events),
        state=state,  # type: ignore[typeddict-item]
        merged_at=utc(p.merged_at) if merged and p.merged_at is not None else None,
        closed_at=utc(closed_at) if closed_at is not None else None,
        merge_commit_sha=p.merge_sha if merged else None,
        merged_by=p.merged_by if merged else None,
        additions=p.additions,
        deletions=p.deletions,
        changed_files=p.changed_files,
        labels=p.labels,
        commits=[
            Commit(
                sha=c.sha,
                author=c.author,
                authored_at=local(c.t, c.tz),
                committed_at=utc(c.t),
                message=c.message,
                additions=c.additions,
                deletions=c.deletions,
            )
            for c in commits
        ],
        reviews=review_out,
        timeline=timeline,
    )
    if p.reverts is not None:
        out["reverts"] = p.reverts.number
    return out


def deployment_json(repo: str, d: SimDeployment, end: float, ids: Ids) -> Deployment:
    statuses = [
        DeploymentStatus(id=ids.next("status", 9_000_000_000), state=s, created_at=utc(t))  # type: ignore[typeddict-item]
        for t, s in d.statuses
        if t <= end
    ]
    last = max(t for t, _ in d.statuses if t <= end)
    return Deployment(
        repo=repo,
        id=d.id,
        node_id=node_id("DE", d.id),
        sha=d.sha,
        ref="main",
        environment=d.env,
        created_at=utc(d.t),
        updated_at=utc(last),
        creator=d.creator,
        statuses=statuses,
    )


def run_json(
    repo: str,
    r: SimRun,
    run_id: int,
    end: float,
    rng: random.Random,
    ci: tuple[float, float] | None = None,
) -> WorkflowRun:
    """A workflow run; CI outcomes are drawn here (some fail, some are re-run and pass).
    `ci` (evaluation worlds): the team's (median minutes, failing share) that week."""
    attempt, started = 1, r.t + rng.uniform(3, 40)
    minutes, weights = 6.0, (88.0, 9.0, 3.0)
    if ci is not None:
        minutes, weights = ci[0], (97.0 - 100 * ci[1], 100 * ci[1], 3.0)
    if r.done is not None:
        done, conclusion = r.done, r.conclusion
    else:
        done = started + lognormal(rng, minutes, 0.4) * 60
        conclusion = rng.choices(("success", "failure", "cancelled"), weights)[0]
        if conclusion == "failure" and rng.random() < 0.4:
            attempt, conclusion = 2, "success"
            started = done + lognormal(rng, 10, 0.8) * 60
            done = started + lognormal(rng, minutes, 0.4) * 60
    status = "completed"
    if done > end:
        status, conclusion, done = "in_progress", None, max(r.t, min(started, end))
    return WorkflowRun(
        repo=repo,
        id=run_id,
        name=r.name,
        head_branch=r.branch,
        head_sha=r.sha,
        event=r.event,
        status=status,  # type: ignore[typeddict-item]
        conclusion=conclusion,
        created_at=utc(r.t),
        updated_at=utc(done),
        run_started_at=utc(min(started, done)),
        run_attempt=attempt,
    )


def release_json(repo: str, d: SimDeployment, minor: int, ids: Ids) -> Release:
    tag = f"v1.{minor}.0"
    return Release(
        repo=repo,
        id=ids.next("release", 7_000_000_000),
        tag_name=tag,
        name=tag,
        created_at=utc(d.t),
        published_at=utc(d.statuses[-1][0] + 60),
        author=d.creator,
    )


def issue_json(repo: str, i: SimIssue, end: float, ids: Ids) -> Issue:
    closed = i.closed is not None and i.closed <= end
    return Issue(
        repo=repo,
        number=i.number,
        id=8_000_000_000 + ids.repo_index * _STRIDE + i.number,
        title=i.title,
        author=i.author,
        labels=i.labels,
        state="closed" if closed else "open",
        created_at=utc(i.created),
        updated_at=utc(i.closed if closed and i.closed is not None else i.created),
        closed_at=utc(i.closed) if closed and i.closed is not None else None,
    )


def incident_json(inc: SimIncident, end: float, ids: Ids) -> PdIncident:
    """A PagerDuty incident; `incident_number` is set when all incidents are merged by time."""
    n = ids.next("incident", 0) - ids.repo_index * _STRIDE
    iid = f"Q{base36(ids.repo_index * 10_000 + n, 6)}"
    steps: list[tuple[float, str, str | None]] = [
        (inc.t, "trigger_log_entry", None),
        (inc.t + 20, "notify_log_entry", inc.responder_pd),
        (inc.ack, "acknowledge_log_entry", inc.responder_pd),
    ]
    if inc.resolved is not None:
        steps.append((inc.resolved, "resolve_log_entry", inc.responder_pd))
    entries: list[PdLogEntry] = []
    status = "triggered"
    last = inc.t
    for k, (t, kind, agent) in enumerate(steps):
        if t > end:
            break
        entry = PdLogEntry(
            id=f"R{base36(ids.repo_index * 100_000 + n * 10 + k, 7)}", type=kind, created_at=utc(t)
        )
        if agent is not None:
            entry["agent"] = agent
        entries.append(entry)
        last = t
        if kind == "acknowledge_log_entry":
            status = "acknowledged"
        elif kind == "resolve_log_entry":
            status = "resolved"
    out = PdIncident(
        id=iid,
        incident_number=0,
        title=inc.title,
        service=inc.service,
        urgency=inc.urgency,  # type: ignore[typeddict-item]
        status=status,  # type: ignore[typeddict-item]
        created_at=utc(inc.t),
        updated_at=utc(last),
        resolved_at=utc(inc.resolved) if status == "resolved" and inc.resolved else None,
        log_entries=entries,
    )
    if inc.caused_by is not None:
        out["caused_by_deployment"] = inc.caused_by.id
    return out
