"""The first-review wait model of evaluation worlds and its exact stall probability.

A PR's wait for its first review, in the reviewer's working hours, is a mixture: with
chance `p_branch` it stalls (log-normal around STALL_MEDIAN hours, and ABANDON of those are
never reviewed), otherwise it is log-normal around `median`, and QUICK_CLOSE of those are
closed by their author before anyone looks. Both `median` and the stall odds have causes
(`causes`): the team's pickup setting and stall odds that week, the PR's size, the
reviewer's queue of PRs awaiting their first review and their first reviews in the last
seven days, and the working hours author and reviewer share.

The stall event is the one analytics uses: no first review by someone else within
STALL_DAYS working days of the team's calendar (no holidays) after the PR became ready. The
wait maps monotonically to instants, so P(stall) is exact (`p_stall`): the event is
"wait > w_star", w_star being the reviewer's working hours up to the team's limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sandbox.sim.clock import DAY, HOUR, Calendar
from sandbox.sim.evalspec import logit, normal_quantile, sigmoid, survival
from sandbox.sim.roster import TeamSpec

STALL_DAYS = 3.0  # analytics' thresholds.stall_days default
STALL_MEDIAN, STALL_SIGMA = 40.0, 0.5  # a stalled PR's wait, reviewer working hours
ABANDON = 0.4  # stalled PRs never reviewed
QUICK_CLOSE = 0.04  # other PRs closed by their author before anyone reviews them
QUICK_MEDIAN, QUICK_SIGMA = 4.0, 0.8  # when, in the author's working hours
PICKUP_SIGMA = 0.8
SIZE_REF = 80.0
SIZE_POWER = 0.3  # wait ~ size ** 0.3
STALL_SIZE, STALL_QUEUE, STALL_GAP = 0.8, 0.4, 2.0  # stall log-odds per cause
LOG_OFFSET = 0.25  # hours, as the review_bottleneck detector's geometric mean uses
AGES_DAYS = (1.0, 2.0)  # team working days after ready at which p_ages are given
QUANTILES = tuple(normal_quantile((k + 0.5) / 8) for k in range(8))
_SIZE_Q = tuple(normal_quantile((k + 0.5) / 6) for k in range(6))


def overlap_hours(a: Calendar, b: Calendar, t: float) -> float:
    """Working hours two people share on the day of `t` (zones and hours, not days off)."""
    sa = (a.work_start - a.offsets.at(t)) % DAY
    sb = (b.work_start - b.offsets.at(t)) % DAY
    la, lb = a.work_end - a.work_start, b.work_end - b.work_start
    total = 0.0
    for k in (-1, 0, 1):
        lo, hi = max(sa, sb + k * DAY), min(sa + la, sb + lb + k * DAY)
        total += max(0.0, hi - lo)
    return total / HOUR


@dataclass(frozen=True, slots=True)
class PrCauses:
    """The causes of one PR's wait that belong to the moment, not to the team's settings."""

    factor: float  # queue, recent load and time-zone gap, a multiplier on the pickup setting
    z: float  # their stall log-odds
    w_star: float  # reviewer working hours from ready to the stall limit


def pr_causes(queue: int, load: int, overlap: float, w_star: float) -> PrCauses:
    gap = 1 - min(overlap, 8.0) / 8
    factor = (1 + 0.15 * queue) * (1 + 0.03 * load) * (1 + 0.5 * gap)
    return PrCauses(factor, STALL_QUEUE * queue + STALL_GAP * gap, w_star)


@dataclass(frozen=True, slots=True)
class Causes:
    """Everything but the size that sets a PR's first-review wait and stall odds."""

    base: float  # the median wait of a PR of SIZE_REF lines, reviewer working hours
    z: float  # the stall log-odds of such a PR

    def median(self, size: float) -> float:
        return self.base * (size / SIZE_REF) ** SIZE_POWER

    def p_branch(self, size: float) -> float:
        return sigmoid(self.z + STALL_SIZE * math.log(size / SIZE_REF))


def causes(team: TeamSpec, week: int, pc: PrCauses) -> Causes:
    """The causes of one PR's wait: the team's settings that week (pickup, stall odds) and
    the moment's (`pc`)."""
    ev = team.ev
    assert ev is not None
    z = logit(ev.stall_p) + pc.z + math.log(ev.stall_odds(week))
    return Causes(ev.pickup_at(week) * pc.factor, z)


def p_stall(p_b: float, median: float, w_star: float, w_a: float = 0.0, h_a: float = 0.0) -> float:
    """P(stall) for a PR with stalled-branch chance `p_b` and other-branch median `median`,
    the limit being `w_star` reviewer working hours away; given, when `w_a` / `h_a` > 0, that
    neither a review (after `w_a` reviewer hours) nor a quick close (after `h_a` author
    hours) has happened yet."""
    num = p_b * (ABANDON + (1 - ABANDON) * survival(w_star, STALL_MEDIAN, STALL_SIGMA))
    num += (1 - p_b) * (1 - QUICK_CLOSE) * survival(w_star, median, PICKUP_SIGMA)
    if w_a <= 0 and h_a <= 0:
        return num
    den = p_b * (ABANDON + (1 - ABANDON) * survival(w_a, STALL_MEDIAN, STALL_SIGMA))
    den += (1 - p_b) * (
        (1 - QUICK_CLOSE) * survival(w_a, median, PICKUP_SIGMA)
        + QUICK_CLOSE * survival(h_a, QUICK_MEDIAN, QUICK_SIGMA)
    )
    return min(1.0, num / den) if den > 0 else 1.0


def _branches(p_b: float, median: float) -> list[tuple[float, float, float]]:
    """The reviewed branches: (weight, median, sigma), weights summing to one."""
    out = [
        (p_b * (1 - ABANDON), STALL_MEDIAN, STALL_SIGMA),
        ((1 - p_b) * (1 - QUICK_CLOSE), median, PICKUP_SIGMA),
    ]
    total = sum(w for w, _, _ in out)
    return [(w / total, m, s) for w, m, s in out]


def elog_reviewer(p_b: float, median: float) -> float:
    """E[log(W + LOG_OFFSET)] over the reviewed branches, W in reviewer working hours."""
    return sum(
        w * sum(math.log(m * math.exp(s * z) + LOG_OFFSET) for z in QUANTILES) / len(QUANTILES)
        for w, m, s in _branches(p_b, median)
    )


def elog_team(reviewer: Calendar, team: Calendar, ready: float, p_b: float, median: float) -> float:
    """E[log(team working hours to the first review + LOG_OFFSET)] over the reviewed
    branches, each by eight quantiles mapped through both calendars."""
    out = 0.0
    for w, m, s in _branches(p_b, median):
        logs = []
        for z in QUANTILES:
            t = reviewer.add_work(ready, m * math.exp(s * z) * HOUR)
            logs.append(math.log(team.work_between(ready, t) / HOUR + LOG_OFFSET))
        out += w * sum(logs) / len(logs)
    return out


def structural(c: Causes, size_median: float, w_star: float) -> tuple[float, float, float]:
    """(P(stall), E[log wait] in reviewer hours, log median wait) of a PR with these causes
    but its size drawn from the team's size distribution (six quantiles): the truth uses
    these, so a week of unusually large PRs does not read as a change of the process."""
    sizes = [size_median * math.exp(1.2 * z) for z in _SIZE_Q]
    p = sum(p_stall(c.p_branch(s), c.median(s), w_star) for s in sizes) / len(sizes)
    e = sum(elog_reviewer(c.p_branch(s), c.median(s)) for s in sizes) / len(sizes)
    return p, e, math.log(c.median(size_median))
