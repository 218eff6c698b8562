"""Write an evaluation world (`simulate(profile="eval")`): the org, each team's pull requests
reviewed team by team (queues span its repositories), deployments, incidents, trackers, and
the hidden truth under DIR/eval/:

    eval/params.json      each team's generating parameters, members and mechanisms
    eval/membership.json  who was in which team from which week (growth, reorganisation)
    eval/prs.jsonl        per human PR: causes of its first-review wait, stall probability
    eval/truth.jsonl      per team x detector kind x week: level, reference, effect, status
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sandbox.sim import churn
from sandbox.sim.clock import HOUR, WEEK, Span
from sandbox.sim.evalreview import PrTruth, review_team
from sandbox.sim.evalroster import EvalPlan, EvalWorld, build_eval_world
from sandbox.sim.evalspec import kind_of
from sandbox.sim.evaltruth import derive_truth
from sandbox.sim.model import SimPull
from sandbox.sim.output import Sink, dumps
from sandbox.sim.pulls import Draft, RepoCtx, bot_pull, draft_pull
from sandbox.sim.rand import poisson, rng_for
from sandbox.sim.repo import RepoBuild, finish_repo, write_repo
from sandbox.sim.roster import TeamSpec
from sandbox.sim.trackerplants import made_trackers, partners_of, tracker_truth
from sandbox.sim.workitems import work_items
from sandbox.world import Planted, WorkItem


def _drafts(ctx: RepoCtx) -> tuple[list[Draft], list[SimPull]]:
    """One repository's human PRs up to ready (by the members present each week) and its
    dependency bumps (finished at once)."""
    rng, span, team, repo = ctx.rng, ctx.span, ctx.team, ctx.repo
    ev = team.ev
    assert ev is not None
    drafts: list[Draft] = []
    bots: list[SimPull] = []
    for w in range((span.end - span.t0) // WEEK + 1):
        after, size = ev.after_hours_at(w), ev.size_at(w)
        for m in team.present(w):
            for _ in range(poisson(rng, ev.pr_rate * repo.weight)):
                day = w * 7 + rng.randint(0, 4)
                if not m.cal.is_workday(day):
                    continue
                t = m.cal.work_time_on(day, rng)
                if t > span.end:
                    continue
                d = draft_pull(ctx, m, t, after * m.after_hours, size, peer_comment=False)
                if d.pull.created <= span.end:
                    drafts.append(d)
        if repo.dep_bot is not None:
            for _ in range(poisson(rng, 1.2)):
                t = span.t0 + w * WEEK + rng.randint(0, 4) * 86_400 + rng.uniform(3, 7) * HOUR
                if t <= span.end:
                    bots.append(bot_pull(ctx, repo.dep_bot, t))
    return drafts, bots


def simulate_team(seed: int, team: TeamSpec, span: Span) -> tuple[list[RepoBuild], list[PrTruth]]:
    """Every repository of one team: drafts, the team's review queue, then delivery."""
    ctxs, drafts, bots = [], [], []
    for repo in team.repos:
        ctx = RepoCtx(team=team, repo=repo, span=span, rng=rng_for(seed, "repo", repo.full_name))
        d, b = _drafts(ctx)
        ctxs.append(ctx)
        drafts.append(d)
        bots.append(b)
    truths = review_team(
        team, [d for ds in drafts for d in ds], span, rng_for(seed, "eval", team.slug)
    )
    builds = [
        finish_repo(ctx, [d.pull for d in ds] + bs)
        for ctx, ds, bs in zip(ctxs, drafts, bots, strict=True)
    ]
    return builds, truths


def _planted(ew: EvalWorld, span: Span) -> list[Planted]:
    out = []
    for team in ew.world.teams:
        assert team.ev is not None
        for m in team.ev.mechanisms:
            out.append(
                Planted(
                    team=team.slug,
                    kind=kind_of(m.name),
                    first_week=span.week_label(m.onset),
                    magnitude=m.size,
                    note=f"{m.name}: {m.note()}",
                )
            )
    return out


def _params(ew: EvalWorld, seed: int, span: Span) -> dict[str, Any]:
    teams = {}
    for t in ew.world.teams:
        assert t.ev is not None
        ev = dataclasses.asdict(t.ev)
        ev["mechanisms"] = [dataclasses.asdict(m) for m in t.ev.mechanisms]
        teams[t.slug] = {
            "kind": t.kind,
            "tz": t.tz,
            "hours": [t.work_start, t.work_end],
            "profile": ev,
            "members": [
                {
                    "login": m.login,
                    "tz": m.cal.tz.key,
                    "review_weight": round(m.review_weight, 4),
                    "after_hours": round(m.after_hours, 4),
                    "joined": m.joined,
                    "left": m.left,
                }
                for m in t.members
            ],
        }
    return {
        "seed": seed,
        "n_teams": len(teams),
        "weeks": span.weeks,
        "end": span.end,
        "reorg_week": ew.reorg_week,
        "teams": teams,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=1) + "\n")


def simulate_eval(
    out: Path,
    seed: int,
    n_teams: int,
    span: Span,
    plan: EvalPlan,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, int], int, int, int, int]:
    """Write the evaluation world; returns (counts, teams, people, repos, planted)."""
    ew = build_eval_world(seed, n_teams, span, plan)
    world = ew.world
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "org.json", world.org)
    planted = _planted(ew, span)
    _write_json(out / "ground_truth.json", planted)
    total, done = len(world.teams) * 2, 0
    builds: list[RepoBuild] = []
    truths: list[PrTruth] = []
    for team in world.teams:
        b, t = simulate_team(seed, team, span)
        builds += b
        truths += t
        done += 1
        if progress is not None:
            progress(done, total)
    sink = Sink(out)
    try:
        builds.sort(key=lambda b: b.ctx.repo.full_name)
        for index, build in enumerate(builds):
            write_repo(build, index, sink)
        made = _trackers(seed, world.teams, span, plan)
        for team, items in made:
            key = "jira_issues" if team.tracker == "jira" else "linear_issues"
            for item in items:
                sink.write(key, item)
            done += 1
            if progress is not None:
                progress(done, total)
    finally:
        sink.close()
    if plan.tracker_causes:
        _write_tracker_truth(out, world.teams, span, plan)
    _write_truth(out / "eval", ew, span, truths, seed)
    people = len({m.login for t in world.teams for m in t.members})
    return dict(sink.counts), len(world.teams), people, len(builds), len(planted)


def _trackers(
    seed: int, teams: Sequence[TeamSpec], span: Span, plan: EvalPlan
) -> Iterator[tuple[TeamSpec, list[WorkItem]]]:
    """Each team's items: the plain `work_items` unless the plan plants tracker causes, then
    every tracker as the demo makes it (`workitems.tracker`), each plant from its onset."""
    if not plan.tracker_causes:
        for team in sorted(teams, key=lambda t: (t.tracker, t.tracker_key)):
            yield team, work_items(seed, team, span)
        return
    plants, onsets, _ = _tracker_plants(teams, span, plan)
    for team, made in made_trackers(seed, teams, span, plants, partners_of(teams), onsets):
        yield team, made.items


def _tracker_plants(
    teams: Sequence[TeamSpec], span: Span, plan: EvalPlan
) -> tuple[dict[str, frozenset[str]], dict[str, float], dict[str, int]]:
    """(tracker key -> planted causes, -> onset instant, -> onset week) from the plan."""
    key = {t.slug: t.tracker_key for t in teams}
    partnered = partners_of(teams)
    for m in plan.tracker_causes:
        if m.name == churn.BLOCKING and key[m.team] not in partnered:
            raise ValueError(f"{m.team} cannot be blocked: no other team on the same tracker")
    plants = {t.tracker_key: frozenset[str]() for t in teams}
    onsets: dict[str, float] = {}
    weeks: dict[str, int] = {}
    for m in plan.tracker_causes:
        plants[key[m.team]] = plants[key[m.team]] | {m.name}
        onsets[key[m.team]] = span.t0 + m.onset * WEEK
        weeks[key[m.team]] = m.onset
    return plants, onsets, weeks


def _write_tracker_truth(out: Path, teams: Sequence[TeamSpec], span: Span, plan: EvalPlan) -> None:
    plants, _, weeks = _tracker_plants(teams, span, plan)
    d = out / "tracker"
    d.mkdir(parents=True, exist_ok=True)
    (d / "planted.json").write_text(dumps(tracker_truth(plants, teams, span, weeks)) + "\n")


def _write_truth(d: Path, ew: EvalWorld, span: Span, truths: list[PrTruth], seed: int) -> None:
    d.mkdir(parents=True, exist_ok=True)
    _write_json(d / "params.json", _params(ew, seed, span))
    _write_json(d / "membership.json", ew.membership)
    truths.sort(key=lambda t: (t.repo, t.pull.number))
    with (d / "prs.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        for t in truths:
            f.write(dumps(t.record()) + "\n")
    with (d / "truth.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        for row in derive_truth(ew.world.teams, span, truths):
            f.write(dumps(row) + "\n")
