"""Ground truth of an evaluation world, derived from the settings that generated it.

For every team x detector kind x week: a `level` (what the kind is about, from the hidden
parameters or from the hidden per-PR expectations), a `reference`, the `effect` (a ratio,
oriented so that >1 is what the detector should report) and a `status`:

- "effect": effect >= EFFECT (1.1, the low end of the planted sizes): the detector should
  flag it; `onset` is the first effect week of the run of non-healthy weeks holding it.
- "healthy": nothing to report: effect < HEALTHY (1.05) and, for kinds about change, the
  level within 5 % of both halves of the last 19 weeks; a flag here is a false flag.
- "gray": in between, a change that is no longer fresh, or the two weeks after an effect
  ended (detectors look at four-week windows): not scored either way.
- "n/a": the detector may not run (people-based kinds below 5 people, too few peers).

Kinds about a change against the team's own past compare the level with the median of the
weeks w-12..w-5 (`REF_WEEKS`; the first WARMUP weeks never count): a change stays "fresh"
for about eight weeks. Kinds about a comparison (peers, an org-typical spread) compare with
that at the same week, so a team whose drawn parameters are genuinely slow counts as an
effect by chance. Review levels average the causes of the moment (queues, recent load,
time-zone gaps of the PRs made ready in weeks w-3..w) under the team's settings of week w
and a size drawn from its distribution (`evalstall.structural`): a planted change shows
from its first week, a week of unusually large PRs is not a change of process, and hires,
the reorganisation or a concentration act through the queues they cause. The rules
(`RULES`: family and direction):

- review_bottleneck: E[log(team working hours to first review + 0.25 h)] (the geometric
  mean the detector describes, stalls included), as exp(team - median of the other teams of
  the same repository kind).
- stalled_prs: the probability of a stall (first review later than 3 team working days),
  over the median of the same-kind teams.
- review_load_concentration: the two busiest reviewers' expected share of first reviews
  (from weights, planted factor and who is present) over the share the org's typical
  spread of weights gives a team of that size.
- process_change: the median pickup of the not-stalled wait, both directions.
- lead_time_stage: the largest growth among the waiting stages: pickup (as above), review
  rounds (pickup x rounds setting), merge (merge setting, a freeze's wait), deploy (the
  expected interval between deployments).
- after_hours_creep: the team's after-hours propensity x its present members' habits.
- oversized_prs: the median size setting. slow_ci: the larger of the CI minutes and the
  failing share growth. oncall_load: expected incidents a week (alerts + failed changes).
- cfr_batching: expected deployments a week (slots used, merges to ship), falling.
- wip_rising: the share of approved PRs merged without waiting for a freeze, falling.

`planted` says whether a planted mechanism that moves this kind (evalspec.AFFECTS) is active
that week; `mechanisms` names every active one of the team.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from sandbox.sim.clock import Span
from sandbox.sim.evalreview import PrTruth
from sandbox.sim.evalspec import affects, top2_share
from sandbox.sim.evalstall import causes, structural
from sandbox.sim.roster import TeamSpec

EFFECT = 1.1
HEALTHY = 1.05
REF_WEEKS = (12, 5)  # reference: median of weeks w-12 .. w-5
OLD_WEEKS = (19, 13)  # and, for "healthy", no change against w-19 .. w-13 either
TRAIL = 2  # weeks after an effect that stay gray
WARMUP = 4  # first weeks never used as a reference
POOL = 4  # weeks of PRs whose causes a week's review levels average
TYPICAL = "typical_top2"
PEOPLE_BASED = ("after_hours_creep", "review_load_concentration", "oncall_load")
MIN_PEOPLE = 5
# kind -> (family, direction): "own" (against its own past) or "peer"; up, down or both
RULES: dict[str, tuple[str, str]] = {
    "review_bottleneck": ("peer", "up"),
    "stalled_prs": ("peer", "up"),
    "review_load_concentration": ("peer", "up"),
    "process_change": ("own", "both"),
    "lead_time_stage": ("own", "up"),
    "after_hours_creep": ("own", "up"),
    "oversized_prs": ("own", "up"),
    "slow_ci": ("own", "up"),
    "oncall_load": ("own", "up"),
    "cfr_batching": ("own", "down"),
    "wip_rising": ("own", "down"),
}


@lru_cache(maxsize=64)
def typical_top2(n: int) -> float:
    """The two busiest reviewers' expected share in a team of `n` whose review weights have
    the org's typical spread (log-normal, sigma 0.3), equal PR rates."""
    if n < 3:
        return 1.0
    rng = random.Random(f"typical-top2:{n}")
    total = 0.0
    draws = 2000
    for _ in range(draws):
        weights = {str(k): math.exp(rng.gauss(0.0, 0.3)) for k in range(n)}
        total += top2_share(weights, dict.fromkeys(weights, 1.0))
    return total / draws


def _merges_per_week(team: TeamSpec, w: int) -> float:
    assert team.ev is not None
    return team.ev.pr_rate * 0.9 * len(team.present(w))


def _deploys(team: TeamSpec, w: int) -> float:
    assert team.ev is not None
    merges = _merges_per_week(team, w)
    return sum(team.ev.deploys_expected(w, merges * r.weight) for r in team.repos)


def own_levels(team: TeamSpec, weeks: int, pickup: list[float]) -> dict[str, list[list[float]]]:
    """Per own-baseline kind, its component level series (several for stages and CI)."""
    ev = team.ev
    assert ev is not None
    rng = range(weeks)

    def merge_wait(w: int) -> float:
        phi, end = ev.freeze_at(w), ev.freeze_end(w)
        thaw = (end - w - 0.5) * 40.0 if end is not None else 0.0
        return ev.merge_median * (1 - phi) + phi * thaw

    habits = [statistics.fmean(m.after_hours for m in team.present(w)) for w in rng]
    return {
        "process_change": [pickup],
        "lead_time_stage": [
            pickup,
            [ev.pickup_at(w) * ev.rounds_at(w) for w in rng],
            [merge_wait(w) for w in rng],
            [1.0 / max(_deploys(team, w), 1e-6) for w in rng],
        ],
        "after_hours_creep": [[ev.after_hours_at(w) * habits[w] for w in rng]],
        "oversized_prs": [[ev.size_at(w) for w in rng]],
        "slow_ci": [[ev.ci_at(w)[0] for w in rng], [ev.ci_at(w)[1] for w in rng]],
        "oncall_load": [[ev.alerts_at(w) + ev.fail_q * _merges_per_week(team, w) for w in rng]],
        "cfr_batching": [[_deploys(team, w) for w in rng]],
        "wip_rising": [[1.0 - ev.freeze_at(w) for w in rng]],
    }


def _window(series: Sequence[float], w: int, span: tuple[int, int]) -> float | None:
    """The median of weeks w-span[0] .. w-span[1], the first WARMUP weeks left out (queues
    fill up then); None when no week is left."""
    lo, hi = max(WARMUP, w - span[0]), w - span[1]
    if hi < lo:
        return None
    return statistics.median(series[lo : hi + 1])


def _ratio(level: float, ref: float, direction: str) -> float:
    r = level / ref if ref > 0 else (math.inf if level > 0 else 1.0)
    if direction == "down":
        return 1 / r if r > 0 else math.inf
    if direction == "both":
        return max(r, 1 / r) if r > 0 else math.inf
    return r


def own_status(
    components: list[list[float]], w: int, direction: str
) -> tuple[float, str, float, float]:
    """(effect, status, level, reference) of an own-baseline kind at week w (before the
    trailing rule); level and reference of the component that moved most."""
    effect, steady, level, reference = 0.0, True, math.nan, math.nan
    for series in components:
        ref = _window(series, w, REF_WEEKS)
        if ref is None:
            return 1.0, "n/a", series[w], math.nan
        r = _ratio(series[w], ref, direction)
        if r > effect:
            effect, level, reference = r, series[w], ref
        for span in (REF_WEEKS, OLD_WEEKS):
            other = _window(series, w, span)
            if other is not None and _ratio(series[w], other, "both") >= HEALTHY:
                steady = False
    if effect >= EFFECT:
        return effect, "effect", level, reference
    return effect, "healthy" if steady else "gray", level, reference


def peer_status(level: float, reference: float | None) -> tuple[float, str]:
    if reference is None or not reference > 0:
        return 1.0, "n/a"
    effect = level / reference
    if effect >= EFFECT:
        return effect, "effect"
    return effect, "healthy" if effect < HEALTHY else "gray"


def _weights(team: TeamSpec, w: int) -> dict[str, float]:
    """Review weights of the members present at week w, as `evalreview.pick` uses them."""
    assert team.ev is not None
    return {
        m.login: m.review_weight
        * team.ev.weight_factor(m.login, w)
        * (min(1.0, (w - m.joined + 1) / 6) if m.joined else 1.0)
        for m in team.present(w)
    }


def _team_week_levels(
    team: TeamSpec, weeks: int, prs: list[PrTruth]
) -> tuple[list[float], list[float], list[float]]:
    """Per week: mean E[log(team hours to first review + 0.25)], mean stall probability and
    mean log median pickup of the team's PRs made ready in weeks w-3..w, each recomputed
    with the team's settings of week w and a size drawn from its distribution then
    (`evalstall.structural`): a planted change shows from its first week, the moment's
    causes (queues, load, time-zone gaps) are averaged over four weeks of PRs."""
    assert team.ev is not None
    by_week: dict[int, list[PrTruth]] = defaultdict(list)
    for t in prs:
        by_week[t.week].append(t)
    elog, stall, pick = [], [], []
    for w in range(weeks):
        window = [t for k in range(w - POOL + 1, w + 1) for t in by_week.get(k, [])]
        if not window:
            elog.append(math.nan)
            stall.append(math.nan)
            pick.append(math.nan)
            continue
        size = team.ev.size_at(w)
        e_sum = p_sum = m_sum = 0.0
        for t in window:
            p, e, m = structural(causes(team, w, t.causes), size, t.causes.w_star)
            e_sum, p_sum, m_sum = e_sum + e + t.cal_shift, p_sum + p, m_sum + m
        elog.append(e_sum / len(window))
        stall.append(p_sum / len(window))
        pick.append(m_sum / len(window))
    return _fill(elog), _fill(stall), _fill(pick)


def _fill(xs: list[float]) -> list[float]:
    """NaN weeks (no PRs) take the previous level (the first known one at the start)."""
    first = next((x for x in xs if not math.isnan(x)), 0.0)
    out, last = [], first
    for x in xs:
        last = last if math.isnan(x) else x
        out.append(last)
    return out


def peer_levels(
    teams: list[TeamSpec], weeks: int, truths: list[PrTruth]
) -> tuple[dict[str, dict[str, list[float]]], dict[str, list[float]]]:
    """Per peer kind and team, its level series (log levels for review_bottleneck), and per
    team the pickup series (process_change and the pickup stage)."""
    by_team: dict[str, list[PrTruth]] = defaultdict(list)
    for t in truths:
        by_team[t.team].append(t)
    levels: dict[str, dict[str, list[float]]] = {k: {} for k in RULES if RULES[k][0] == "peer"}
    pickup: dict[str, list[float]] = {}
    for team in teams:
        s = team.slug
        elog, stall, pick = _team_week_levels(team, weeks, by_team[s])
        levels["review_bottleneck"][s] = elog
        levels["stalled_prs"][s] = stall
        present = [_weights(team, w) for w in range(weeks)]
        levels["review_load_concentration"][s] = [
            top2_share(wts, dict.fromkeys(wts, 1.0)) for wts in present
        ]
        levels.setdefault(TYPICAL, {})[s] = [typical_top2(len(wts)) for wts in present]
        pickup[s] = [math.exp(x) for x in pick]
    return levels, pickup


def _peer_reference(
    kind: str,
    team: TeamSpec,
    teams: list[TeamSpec],
    levels: dict[str, dict[str, list[float]]],
    w: int,
) -> float | None:
    """The same-kind teams' median level (for concentration: the share the org's typical
    spread of review weights gives a team of its size that week)."""
    if kind == "review_load_concentration":
        return levels[TYPICAL][team.slug][w]
    peers = [levels[kind][t.slug][w] for t in teams if t.kind == team.kind and t.slug != team.slug]
    if len(peers) < 2:
        return None
    ref = statistics.median(peers)
    return math.exp(ref) if kind == "review_bottleneck" else ref


def _finish(rows: list[dict[str, object]]) -> None:
    """The trailing rule (two gray weeks after an effect) and onsets (the first effect week
    of each run of effect/gray weeks), in place; rows are one team and kind, by week."""
    raw = [r["status"] for r in rows]
    for w, r in enumerate(rows):
        if r["status"] == "healthy" and "effect" in raw[max(0, w - TRAIL) : w]:
            r["status"] = "gray"
    onset: int | None = None
    for w, r in enumerate(rows):
        if r["status"] not in ("effect", "gray"):
            onset = None
            continue
        if r["status"] == "effect" and onset is None:
            onset = w
        r["onset"] = onset if r["status"] == "effect" else None
        r["since"] = w - onset + 1 if r["status"] == "effect" and onset is not None else None


def derive_truth(
    teams: list[TeamSpec], span: Span, truths: list[PrTruth]
) -> list[dict[str, object]]:
    """Truth rows for every team, detector kind and full week of the world."""
    weeks = span.weeks
    levels, pickup = peer_levels(teams, weeks, truths)
    out: list[dict[str, object]] = []
    for team in teams:
        assert team.ev is not None
        own = own_levels(team, weeks, pickup[team.slug])
        for kind, (family, direction) in RULES.items():
            rows: list[dict[str, object]] = []
            for w in range(weeks):
                if family == "own":
                    effect, status, level, ref = own_status(own[kind], w, direction)
                else:
                    raw = levels[kind][team.slug][w]
                    ref_v = _peer_reference(kind, team, teams, levels, w)
                    level = math.exp(raw) if kind == "review_bottleneck" else raw
                    effect, status = peer_status(level, ref_v)
                    ref = ref_v if ref_v is not None else math.nan
                if kind in PEOPLE_BASED and len(team.present(w)) < MIN_PEOPLE:
                    status = "n/a"
                active = [m.name for m in team.ev.active(w)]
                rows.append(
                    {
                        "team": team.slug,
                        "kind": kind,
                        "week": w,
                        "label": span.week_label(w),
                        "level": _round(level),
                        "reference": _round(ref),
                        "effect": _round(effect),
                        "status": status,
                        "onset": None,
                        "since": None,
                        "planted": any(kind in affects(m) for m in active),
                        "mechanisms": active,
                    }
                )
            _finish(rows)
            out.extend(rows)
    return out


def _round(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, 5)
