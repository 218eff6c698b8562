"""The quarter's systemic bottlenecks: delivery findings gathered by kind across teams, ranked
by how many teams and checkpoints they held in, each with its quantified impact and the
likely cause in words.

Impact is what the data can say: waiting in PR-days (the findings' own cost, for their
window) and, where deployments slowed, the deployments fewer than the team's previous
quarter's rate (`deploys_short`). The likely cause is a per-kind sentence, worded as an
association for the team to confirm, never as a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analytics.insights.model import Evidence
from bot.report.dora import TeamQuarter
from bot.report.findings import QuarterFinding

TOP = 3
MAX_EVIDENCE = 3
TITLES = {
    "review_bottleneck": "Reviews start late",
    "stalled_prs": "Pull requests stall waiting for a first review",
    "cfr_batching": "Deployments batched into fewer, bigger releases",
    "slow_ci": "Slow or flaky CI",
    "oversized_prs": "Pull requests grew larger",
    "wip_rising": "Work piling up",
    "lead_time_stage": "One stage of lead time grew",
}
CAUSES = {
    "review_bottleneck": (
        "review requests wait longer to be picked up than in similar teams with the same "
        "kind of work: review capacity or habits rather than the changes themselves"
    ),
    "stalled_prs": (
        "no agreed time to a first review: pull requests without a reviewer wait for days "
        "and some are never reviewed"
    ),
    "cfr_batching": (
        "a change in how releases go out: from frequent deployments to fewer, larger ones, "
        "which carry more change each and fail more often"
    ),
    "slow_ci": "CI runs got slower or less reliable than the team's own baseline",
    "oversized_prs": "larger pull requests, which wait longer for review and fail more often",
    "wip_rising": "more work started than finished: work in progress grows as throughput falls",
    "lead_time_stage": "one stage of getting a change to production grew against the baseline",
}


@dataclass(frozen=True)
class Bottleneck:
    """One kind of delivery bottleneck across the teams it was flagged in."""

    kind: str
    title: str
    findings: tuple[QuarterFinding, ...]
    pr_days: float | None
    deploys_short: float | None
    cause: str

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(f.team_name for f in self.findings)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        """The newest flags' evidence, a few per team, each labelled with its team."""
        out = []
        for f in self.findings:
            for ev in f.latest.evidence[:MAX_EVIDENCE]:
                out.append(Evidence(f"{f.team_name}: {ev.label}", ev.url))
        return tuple(out)


def deploys_short(rates: TeamQuarter | None, weeks: float) -> float | None:
    """Deployments fewer than at the previous quarter's weekly rate, over the quarter (0 when
    the team kept or beat it); None without both figures."""
    if rates is None or rates.value is None or rates.previous is None:
        return None
    return max(0.0, (rates.previous - rates.value) * weeks)


def _pr_days(findings: Sequence[QuarterFinding]) -> float | None:
    costs = [f.latest.cost for f in findings if f.latest.cost is not None]
    days = [c.amount for c in costs if "PR-days" in c.unit]
    return float(sum(days)) if days else None


def gather(
    findings: Sequence[QuarterFinding],
    deploy_rates: Mapping[str, TeamQuarter],
    weeks: float,
) -> list[Bottleneck]:
    """The bottlenecks, most widespread and persistent first, at most TOP."""
    by_kind: dict[str, list[QuarterFinding]] = {}
    for f in findings:
        if f.is_bottleneck:
            by_kind.setdefault(f.kind, []).append(f)
    out = []
    for kind, group in by_kind.items():
        group.sort(key=lambda f: (-len(f.weeks), -f.latest.score, f.team))
        short = None
        if kind == "cfr_batching":
            parts = [deploys_short(deploy_rates.get(f.team), weeks) for f in group]
            known = [p for p in parts if p is not None]
            short = float(sum(known)) if known else None
        title = TITLES.get(kind, group[0].latest.title)
        cause = CAUSES.get(kind, "see the finding's own summary")
        out.append(Bottleneck(kind, title, tuple(group), _pr_days(group), short, cause))
    out.sort(key=_rank)
    return out[:TOP]


def _rank(b: Bottleneck) -> tuple[int, int, float, str]:
    flags = sum(len(f.weeks) for f in b.findings)
    return (-len(b.findings), -flags, -max(f.latest.score for f in b.findings), b.kind)
