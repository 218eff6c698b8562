"""A working agreement the team missed in a week, as an Insight with its evidence.

The figure is the engine's weekly answer (the digest's own), the comparison is with what the
team agreed, and the evidence is the items behind the miss: the PRs that waited longer than
the agreed review time, the PRs larger than the agreed size, or the week's deployments when
fewer went out than agreed. Items are PRs, deployments and incidents, never people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from analytics.goals import PER_ITEM_KINDS, Goal, WeekResult, breaking_items
from analytics.insights.model import Evidence, Insight
from bot.config import TeamConfig
from bot.core.views import AnswerDeps
from bot.goals.store import TeamGoalView
from bot.goals.wording import amount, tally, target_text
from store.models import Deployment, Incident, PullRequest

if TYPE_CHECKING:
    from analytics.registry import MetricSpec

KIND = "missed_agreement"
MAX_EVIDENCE = 5
NEXT_STEP = (
    "Look at the items below together at the next retro: was the week unusual, or is the "
    "agreement no longer what the team can keep? Change it with `/metrics goal` if so."
)


def urls_of(sessions: sessionmaker[Session], refs: Sequence[str]) -> dict[str, str]:
    """Web addresses of PRs ("repo#number"), deployments and incidents (external ids)."""
    prs = [(r.rsplit("#", 1)[0], int(r.rsplit("#", 1)[1])) for r in refs if _is_pr(r)]
    others = [r for r in refs if not _is_pr(r)]
    out: dict[str, str] = {}
    with sessions() as s:
        if prs:
            match = or_(*((PullRequest.repo == r) & (PullRequest.number == n) for r, n in prs))
            for repo, number, url in s.execute(
                select(PullRequest.repo, PullRequest.number, PullRequest.url).where(match)
            ):
                if url:
                    out[f"{repo}#{number}"] = url
        for model in (Deployment, Incident):
            if others:
                rows = s.execute(
                    select(model.external_id, model.url).where(model.external_id.in_(others))
                )
                out.update({str(ext): str(url) for ext, url in rows if url})
    return out


def _is_pr(ref: str) -> bool:
    head, _, tail = ref.rpartition("#")
    return bool(head) and tail.isdigit()


def evidence_of(
    deps: AnswerDeps,
    sessions: sessionmaker[Session],
    team: TeamConfig,
    goal: Goal,
    window: tuple[datetime, datetime, datetime],
) -> tuple[Evidence, ...]:
    """The items of the week behind a miss, worst first (at most MAX_EVIDENCE)."""
    start, end, as_of = window
    items = deps.analytics.metric_items(
        engine=deps.engine,
        org=deps.org,
        team=team.slug,
        metric=goal.metric,
        start=start,
        end=end,
        as_of=as_of,
    )
    spec = deps.analytics.metrics.get(goal.metric)
    if spec is not None and spec.kind in PER_ITEM_KINDS:
        picked = breaking_items(goal, items, MAX_EVIDENCE)
        labels = [(ref, f"{ref}: {amount(v, spec.unit)}") for ref, v in picked]
    else:
        ok = items[items["excluded"].isna()] if "excluded" in items.columns else items
        refs = sorted(str(r) for r in ok.get("ref", []))[:MAX_EVIDENCE]
        labels = [(ref, f"{ref} (one of {len(ok)} in the week)") for ref in refs]
    urls = urls_of(sessions, [ref for ref, _ in labels])
    return tuple(Evidence(label, urls.get(ref)) for ref, label in labels)


def missed_insight(
    view: TeamGoalView,
    results: Sequence[WeekResult],
    metrics: Mapping[str, MetricSpec],
    evidence: tuple[Evidence, ...],
) -> Insight:
    """The Insight for a goal missed in its last week (`results[-1]`)."""
    goal, week = view.goal, results[-1]
    spec = metrics.get(goal.metric)
    unit = spec.unit if spec is not None else ""
    figure, target = amount(week.value, unit), target_text(goal, unit)
    where = "the config" if view.source == "config" else "Slack"
    return Insight(
        team=view.team,
        kind=KIND,
        week=week.week,
        severity="warning",
        title=f"Working agreement missed: {goal.text}",
        summary=(
            f"The week's {goal.stat} was {figure} over {week.n} items against the agreed "
            f"{target}; {tally(results)} of the last {len(results)}."
        ),
        metric=goal.metric,
        value=week.value,
        baseline=goal.target,
        unit=unit,
        n=week.n,
        compared_with="the team's agreement",
        evidence=evidence,
        method=(
            f"The week's {goal.stat} of {goal.metric}, as the engine computes it for the "
            f"digest, against the team's goal '{goal.text}' (set in {where}). Weeks without "
            "a figure (no items, or withheld for privacy) never count as missed."
        ),
        next_step=NEXT_STEP,
        score=1.5,
        extra={"goal": view.id},
    )
