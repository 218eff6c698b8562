"""Two recommendations aimed at raising deployment frequency 15-20% within 60 days, derived
from the quarter's bottlenecks by fixed rules (no free text): each bottleneck kind has a
playbook (the action, its complexity, how the bot measures it), and each candidate's expected
gain in deployments a week is computed from the quarter's own figures:

- batched deployments: the team returns half-way to all the way to its previous quarter's
  weekly deployments (`deploys before - deploys now`, half to full);
- stalled or slow reviews: half to all of the pull requests that got no review this quarter
  (still waiting, or closed without one) are reviewed and merged, each shipping as the
  team's merged pull requests do (its deployments per merged pull request, at most 1).

The two candidates with the largest gain are kept; their gain is stated against the scope's
deployment frequency, with the 15-20% aim beside it, whether or not the data reaches it.
Kinds without a playbook or without the figures a gain needs are never recommended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from analytics.insights.model import Evidence
from bot.report.bottlenecks import Bottleneck
from bot.report.findings import QuarterFinding

AIM = (0.15, 0.20)
HORIZON_DAYS = 60
COUNT = 2


@dataclass(frozen=True)
class TeamRates:
    """A team's quarter in the figures a gain is computed from (None: not known)."""

    deploys: float | None
    """Deployments a week this quarter."""
    deploys_before: float | None
    """Deployments a week the previous quarter."""
    merged: float | None
    """Pull requests merged a week this quarter."""
    unreviewed: int
    """Pull requests of this quarter that got no review: still waiting, or closed without."""
    weeks: float


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: what to do, where, how hard, why, what it should bring, how the
    bot will tell whether it did."""

    team: str
    team_name: str
    kind: str
    action: str
    complexity: str
    evidence: tuple[str, ...]
    links: tuple[Evidence, ...]
    """Items behind the finding (PRs, deployments, incidents) with their addresses."""
    gain: tuple[float, float]
    """Deployments a week more, low and high estimate."""
    share: tuple[float, float] | None
    """The gain over the scope's deployments a week (None when that is unknown or 0)."""
    assumption: str
    measure: str
    goal: str
    """A goal the team can save to track it (`/metrics goal`)."""
    check_on: date


def _batching(f: QuarterFinding, r: TeamRates) -> tuple[float, str, str, str] | None:
    if r.deploys is None or r.deploys_before is None or r.deploys_before <= r.deploys:
        return None
    since = f.latest.extra.get("change_week", "the change")
    action = (
        f"Return {f.team_name} to deploying each merged pull request (or at least daily), "
        "keeping unfinished work behind feature flags."
    )
    assumption = (
        f"{f.team_name} recovers half to all of its drop from {r.deploys_before:.1f} to "
        f"{r.deploys:.1f} deployments a week (since {since})."
    )
    goal = f"deploy-frequency >= {max(1, round(r.deploys_before))}/week"
    return r.deploys_before - r.deploys, action, assumption, goal


def _reviews(f: QuarterFinding, r: TeamRates) -> tuple[float, str, str, str] | None:
    if r.unreviewed <= 0 or r.weeks <= 0:
        return None
    per_merge = 1.0 if not r.merged or r.deploys is None else min(1.0, r.deploys / r.merged)
    gain = r.unreviewed / r.weeks * per_merge
    action = (
        f"Agree a first-review time in {f.team_name} (within one working day) with a daily "
        f"review slot, and pick up the pull requests still waiting."
    )
    assumption = (
        f"half to all of the {r.unreviewed} pull requests that got no review this quarter are "
        f"reviewed and merged, each shipping as {f.team_name}'s merged pull requests do "
        f"({per_merge:.2f} deployments per merged pull request)."
    )
    return gain, action, assumption, "review-time < 1 working day"


PLAYBOOKS = {
    "cfr_batching": (
        _batching,
        "Medium: the pipeline must ship every merge on its own, and unfinished work needs "
        "feature flags; no new tooling where the team deployed this way before.",
    ),
    "stalled_prs": (_reviews, "Low: a team agreement and a daily calendar slot, no tooling."),
    "review_bottleneck": (_reviews, "Low: a team agreement and a daily calendar slot."),
}


def _evidence(b: Bottleneck, f: QuarterFinding, r: TeamRates) -> tuple[str, ...]:
    lines = [f"{f.latest.title} ({f.persistence})."]
    if f.latest.cost is not None:
        lines.append(f.latest.cost.text.rstrip(".") + ".")
    if b.kind == "cfr_batching" and r.deploys is not None and r.deploys_before is not None:
        lines.append(
            f"{r.deploys:.1f} deployments a week this quarter against {r.deploys_before:.1f} "
            "the quarter before."
        )
    if r.unreviewed and b.kind != "cfr_batching":
        lines.append(f"{r.unreviewed} pull requests got no review this quarter.")
    return tuple(lines)


def recommend(
    bottlenecks: Sequence[Bottleneck],
    rates: Mapping[str, TeamRates],
    scope_deploys: float | None,
    check_from: date,
) -> list[Recommendation]:
    """The COUNT candidates with the largest gain, from the bottlenecks' playbooks."""
    out = []
    for b in bottlenecks:
        if b.kind not in PLAYBOOKS:
            continue
        rule, complexity = PLAYBOOKS[b.kind]
        for f in b.findings:
            r = rates.get(f.team)
            made = rule(f, r) if r is not None else None
            if made is None or r is None:
                continue
            gain, action, assumption, goal = made
            low, high = gain / 2, gain
            share = (low / scope_deploys, high / scope_deploys) if scope_deploys else None
            check_on = check_from + timedelta(days=HORIZON_DAYS)
            measure = (
                f"The bot tracks {f.team_name}'s weekly figure against the goal `{goal}` in its "
                "digest (save it with `/metrics goal`), and on "
                f"{check_on:%Y-%m-%d} reads the deployment frequency against its usual range "
                "(the digest's noise test): a rise beyond it is the change working."
            )
            evidence = _evidence(b, f, r)
            out.append(
                Recommendation(
                    f.team,
                    f.team_name,
                    b.kind,
                    action,
                    complexity,
                    evidence,
                    f.latest.evidence[:3],
                    (low, high),
                    share,
                    assumption,
                    measure,
                    goal,
                    check_on,
                )
            )
    out.sort(key=lambda r: (-r.gain[1], r.team, r.kind))
    return out[:COUNT]
