"""The hidden settings of an evaluation world: each team's parameters and the mechanisms
planted in it, with their effect at any week.

An evaluation world (`simulate(profile="eval")`) is built to be able to fail the insight
detectors: teams are drawn independently (no copies), mechanisms are assigned at random to
any team (several per team possible), each with an effect size drawn from 1.1x to 2x and an
onset week drawn at random. Everything the generators and the ground truth read about a team
at week `w` comes from `EvalProfile` methods, so the truth (sandbox.sim.evaltruth) is derived
from exactly the settings that generated the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

_NORMAL = NormalDist()

# The detector kinds of analytics/insights/registry.py (the simulator may not import it; the
# evaluation test checks that both lists agree).
DETECTOR_KINDS = (
    "review_bottleneck",
    "lead_time_stage",
    "after_hours_creep",
    "review_load_concentration",
    "oncall_load",
    "cfr_batching",
    "oversized_prs",
    "slow_ci",
    "wip_rising",
    "stalled_prs",
    "process_change",
)

# mechanism -> the detector kind it is planted for (its truth may show in other kinds too:
# a review slowdown is also a process change and a longer pickup stage)
MECHANISMS: dict[str, str] = {
    "review_slowdown": "review_bottleneck",
    "review_speedup": "process_change",
    "review_rounds": "lead_time_stage",
    "after_hours_creep": "after_hours_creep",
    "review_concentration": "review_load_concentration",
    "noisy_alerts": "oncall_load",
    "deploy_batching": "cfr_batching",
    "bigger_prs": "oversized_prs",
    "slow_ci": "slow_ci",
    "merge_freeze": "wip_rising",
    "stalls": "stalled_prs",
}
# mechanism -> every kind whose truth it moves directly (its own first)
AFFECTS: dict[str, tuple[str, ...]] = {
    "review_slowdown": ("review_bottleneck", "process_change", "lead_time_stage"),
    "review_speedup": ("process_change",),
    "review_rounds": ("lead_time_stage",),
    "after_hours_creep": ("after_hours_creep",),
    "review_concentration": ("review_load_concentration",),
    "noisy_alerts": ("oncall_load",),
    "deploy_batching": ("cfr_batching", "lead_time_stage"),
    "bigger_prs": ("oversized_prs",),
    "slow_ci": ("slow_ci",),
    "merge_freeze": ("wip_rising", "lead_time_stage"),
    "stalls": ("stalled_prs",),
}
# causes of a delay planted only when a plan asks for them (issue 17's `why` bench,
# sandbox/sim/evalcauses.py): never drawn, so the insight bench's worlds stay as they were.
# mechanism -> every kind whose truth it moves (its own first), as AFFECTS
CAUSE_MECHANISMS: dict[str, tuple[str, ...]] = {
    "understaffing": ("review_bottleneck", "process_change", "lead_time_stage"),
    "vacations": ("review_bottleneck", "process_change", "lead_time_stage"),
    "requirement_churn": ("lead_time_stage",),
}


def affects(name: str) -> tuple[str, ...]:
    """The detector kinds a mechanism moves, drawn (AFFECTS) or planted on request."""
    return AFFECTS.get(name) or CAUSE_MECHANISMS[name]


def kind_of(name: str) -> str:
    """The detector kind a mechanism is planted for."""
    return MECHANISMS.get(name) or CAUSE_MECHANISMS[name][0]


# mechanisms that cannot share a team (they move the same knob in opposite directions)
EXCLUSIVE = frozenset({"review_slowdown", "review_speedup"})

NOTES = {
    "review_slowdown": "every first-review wait x{f:.2f} from this week (reviewers busier)",
    "review_speedup": "every first-review wait /{f:.2f} from this week (review SLA)",
    "review_rounds": "re-review and fix-up waits x{f:.2f} from this week (review stage)",
    "after_hours_creep": "after-hours propensity rises to x{f:.2f} over {ramp} week(s)",
    "review_concentration": "the two most-asked reviewers' share of reviews x{f:.2f}",
    "noisy_alerts": "alerts (incidents without a deployment cause) x{f:.2f} a week",
    "deploy_batching": "each deployment slot is used 1/{f:.2f} as often: bigger batches",
    "bigger_prs": "median PR size x{f:.2f} from this week",
    "slow_ci": "CI {variant} x{f:.2f} from this week",
    "merge_freeze": "{share:.0%} of approved PRs wait for the end of a {duration}-week freeze",
    "stalls": "odds that a PR stalls before its first review x{f:.2f}",
    "understaffing": "only 1/{f:.2f} of the team's reviewers review from this week",
    "vacations": "each week {share:.0%} of the reviewers are away, in turn, from this week",
    "requirement_churn": "changes-requested rounds x{f:.2f} as likely from this week",
}


@dataclass(frozen=True, slots=True)
class Mechanism:
    """One planted cause: from week `onset` it multiplies its knob by `size` (reached over
    `ramp` weeks; a step when 0), for `duration` weeks (None: to the end). `param` holds a
    derived setting (the reviewer weight factor that gives a concentration its size)."""

    name: str
    team: str
    onset: int
    size: float
    ramp: int = 0
    duration: int | None = None
    variant: str = ""
    param: float = 1.0

    def factor(self, week: int) -> float:
        """The knob's multiplier at `week` (1.0 outside the mechanism's weeks)."""
        if week < self.onset:
            return 1.0
        if self.duration is not None and week >= self.onset + self.duration:
            return 1.0
        if self.ramp > 0:
            return 1.0 + (self.size - 1.0) * min(1.0, (week - self.onset + 1) / self.ramp)
        return self.size

    def note(self) -> str:
        return NOTES[self.name].format(
            f=self.size,
            ramp=self.ramp,
            variant=self.variant or "runs",
            share=1 - 1 / self.size,
            duration=self.duration,
        )


@dataclass(slots=True)
class EvalProfile:
    """A team's hidden generating parameters (drawn per team) and its mechanisms.

    Units: `pickup` median working hours of the reviewer to a first review (before the causes
    of each PR: size, queue, load, time-zone overlap); `rounds` the re-review wait as a share
    of it; `merge_median` working hours from approval to merge; `stall_p` the base chance that
    a PR stalls before its first review; `slots` deployment slots a week, each used with
    chance `slot_p`; `ci_fail` the share of CI runs that fail (40 % of those are re-run);
    `alert_rate` incidents a week that no deployment caused."""

    pr_rate: float
    size_median: float
    pickup: float
    rounds: float
    merge_median: float
    stall_p: float
    weight_sigma: float
    after_hours: float
    slots: int
    slot_p: float
    fail_q: float
    ci_minutes: float
    ci_fail: float
    alert_rate: float
    remote_share: float
    mechanisms: list[Mechanism] = field(default_factory=list)
    heavy: tuple[str, ...] = ()  # the reviewers a planted concentration favours
    salt: str = ""  # seed and team: the deterministic draws of deployment slots

    def _f(self, name: str, week: int, variant: str = "") -> float:
        out = 1.0
        for m in self.mechanisms:
            if m.name == name and (not variant or m.variant == variant):
                out *= m.factor(week)
        return out

    def active(self, week: int) -> list[Mechanism]:
        return [m for m in self.mechanisms if m.factor(week) != 1.0]

    def pickup_at(self, week: int) -> float:
        return self.pickup * self._f("review_slowdown", week) / self._f("review_speedup", week)

    def reviewers_kept(self, week: int) -> float:
        """The share of the team's reviewers who still review (understaffing)."""
        return 1.0 / self._f("understaffing", week)

    def away_share(self, week: int) -> float:
        """The share of the team's reviewers away this week (vacations, in turn)."""
        return 1.0 - 1.0 / self._f("vacations", week)

    def churn_at(self, week: int) -> float:
        """The factor on the odds of a changes-requested review (requirement churn)."""
        return self._f("requirement_churn", week)

    def rounds_at(self, week: int) -> float:
        return self.rounds * self._f("review_rounds", week)

    def size_at(self, week: int) -> float:
        return self.size_median * self._f("bigger_prs", week)

    def stall_odds(self, week: int) -> float:
        return self._f("stalls", week)

    def after_hours_at(self, week: int) -> float:
        return min(0.9, self.after_hours * self._f("after_hours_creep", week))

    def slot_p_at(self, week: int) -> float:
        return self.slot_p / self._f("deploy_batching", week)

    def ci_at(self, week: int) -> tuple[float, float]:
        """(median CI minutes, share of runs that fail) at `week`."""
        return (
            self.ci_minutes * self._f("slow_ci", week, "slower"),
            min(0.6, self.ci_fail * self._f("slow_ci", week, "flakier")),
        )

    def alerts_at(self, week: int) -> float:
        return self.alert_rate * self._f("noisy_alerts", week)

    def freeze_at(self, week: int) -> float:
        """Share of PRs approved this week whose merge waits for the freeze to end."""
        return 1.0 - 1.0 / self._f("merge_freeze", week)

    def freeze_end(self, week: int) -> int | None:
        """The week a freeze active at `week` ends (None: no freeze)."""
        for m in self.mechanisms:
            if m.name == "merge_freeze" and m.factor(week) != 1.0 and m.duration is not None:
                return m.onset + m.duration
        return None

    def weight_factor(self, login: str, week: int) -> float:
        """The planted concentration's factor on one reviewer's weight at `week`."""
        if login not in self.heavy:
            return 1.0
        out = 1.0
        for m in self.mechanisms:
            if m.name == "review_concentration" and m.factor(week) != 1.0:
                out *= m.param
        return out

    def deploys_expected(self, week: int, merges_per_week: float) -> float:
        """Expected deployments a week: a used slot deploys when something was merged since
        the last deployment (merges arrive as a Poisson stream)."""
        p = self.slot_p_at(week)
        per_slot = merges_per_week / max(self.slots, 1)
        return self.slots * p * (1.0 - math.exp(-per_slot / max(p, 1e-9)))


def review_shares(weights: dict[str, float], rates: dict[str, float]) -> dict[str, float]:
    """Expected share of first reviews per person: each author's PRs go to the others in
    proportion to their weights (how `pick_reviewers` chooses)."""
    out = dict.fromkeys(weights, 0.0)
    total = sum(rates.get(a, 0.0) for a in weights)
    if total <= 0 or len(weights) < 2:
        return out
    for author, rate in rates.items():
        if author not in weights or rate <= 0:
            continue
        others = sum(w for k, w in weights.items() if k != author)
        if others <= 0:
            continue
        for k, w in weights.items():
            if k != author:
                out[k] += rate / total * w / others
    return out


def top2_share(weights: dict[str, float], rates: dict[str, float]) -> float:
    shares = sorted(review_shares(weights, rates).values(), reverse=True)
    return sum(shares[:2])


def concentration_factor(
    weights: dict[str, float], rates: dict[str, float], heavy: tuple[str, ...], target: float
) -> float:
    """The factor on the `heavy` reviewers' weights that makes their share `target`x today's
    (bisection; capped so their share stays below 95 %)."""
    base = top2_share(weights, rates)
    goal = min(0.95, base * target)

    def share(g: float) -> float:
        return top2_share({k: w * (g if k in heavy else 1.0) for k, w in weights.items()}, rates)

    lo, hi = 1.0, 1000.0
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if share(mid) < goal:
            lo = mid
        else:
            hi = mid
    return hi


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def survival(x: float, median: float, sigma: float) -> float:
    """P(W > x) for W log-normal with the given median and sigma."""
    if x <= 0:
        return 1.0
    z = (math.log(x) - math.log(median)) / sigma
    return 0.5 * math.erfc(z / math.sqrt(2))


def normal_quantile(q: float) -> float:
    """The standard normal quantile."""
    return _NORMAL.inv_cdf(q)
