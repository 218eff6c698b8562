"""Weigh the causes of one excess and say what was found, as a hypothesis."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analytics.context import TeamContext
from analytics.diagnosis import causes as c
from analytics.diagnosis.band import BAND_TEXT
from analytics.diagnosis.decompose import (
    RESAMPLES,
    best_share,
    excess,
    log_outcome,
    rank_first,
    share,
)
from analytics.diagnosis.model import Cause, Diagnosis, Excess
from analytics.diagnosis.registry import DIAGNOSABLE
from analytics.diagnosis.windows import Windows
from analytics.insights.model import Insight

MIN_SHARE = 0.15  # a cause explaining less than this of the excess is not named
MIN_EXCESS = 0.05  # on the log scale: under ~5 % slower is no excess to explain
NAMES = {
    "review-time": "Time to first review",
    "lead-time": "Lead time",
    "cycle-time": "Cycle time",
}
UNITS = {"review-time": "working hours", "lead-time": "hours", "cycle-time": "hours"}
METHOD = (
    "Excess: mean of log(hours + 0.25) per item in the recent weeks minus the same in the "
    "team's baseline weeks (annotated weeks left out). Share of a cause: the recent items "
    "re-weighted to the baseline's mix of the cause's factor (direct standardisation: size "
    "quartiles, reviewers' load quartiles, low time-zone overlap, first review by one of the "
    "two busiest reviewers, changes-requested rounds, rework, churned or blocked items), and "
    "how much of the excess that removes; a cause with two factors takes the larger. A cause "
    "is weighed only when its factor moved (its evidence) and named from a {min:.0%} share. "
    "How sure: the share of {n} bootstrap resamples (weeks drawn with replacement, recent and "
    "baseline apart) in which it explains the most. Bots and reverts excluded."
)


PEER_METHOD = (
    "Compared with similar teams ({peers}, the teams the flag compared with), not the "
    "team's own history; each team's factors (load, reviewers per week, the two busiest "
    "reviewers) are computed on its own PRs. "
)
AWAY_SKIPPED = (
    "compared with similar teams: whether the team's usual reviewers were away is a "
    "comparison with its own history, not with other teams"
)


def reference_words(d: Diagnosis) -> str:
    """What the recent weeks were compared with, for the sentences shown."""
    if d.peers:
        return f"that of similar teams ({', '.join(d.peers)})"
    return "its baseline"


def _against(d: Diagnosis, text: str) -> str:
    """Evidence worded for the reference actually used (the checks say "baseline")."""
    return text.replace("in the baseline", "in the similar teams") if d.peers else text


def withheld(base: Diagnosis, reason: str) -> Diagnosis:
    return dataclasses.replace(
        base, status="withheld", message=f"Not shown for {base.team}: {reason}."
    )


def no_flag(base: Diagnosis) -> Diagnosis:
    return dataclasses.replace(
        base,
        status="no_delay",
        message=(
            f"No flagged delay in {base.metric} for {base.team} in {base.week}: the detectors "
            "flagged nothing about it, so there is nothing to diagnose."
        ),
    )


def within_band(base: Diagnosis, said: str) -> Diagnosis:
    """Cycle time (no detector) within its usual range: no delay to diagnose."""
    return dataclasses.replace(
        base,
        status="no_delay",
        message=(
            f"No delay in cycle time for {base.team} in {base.week}: {said}, so there is "
            f"nothing to diagnose. {BAND_TEXT}."
        ),
    )


def too_few(base: Diagnosis, recent: int, reference: int) -> Diagnosis:
    return dataclasses.replace(
        base,
        status="too_few",
        message=(
            f"Too few items to weigh causes for {base.team}: {recent} in the recent weeks and "
            f"{reference} in the baseline (at least 8 and 15 needed)."
        ),
    )


def _excess(base: Diagnosis, y: np.ndarray, values: np.ndarray, recent: np.ndarray) -> Excess:
    return Excess(
        log_excess=excess(y, recent),
        recent_median=float(np.median(values[recent])),
        reference_median=float(np.median(values[~recent])),
        n_recent=int(recent.sum()),
        n_reference=int((~recent).sum()),
        unit=UNITS[base.metric],
    )


def weigh(
    base: Diagnosis,
    table: pd.DataFrame,
    team: TeamContext,
    w: Windows,
    flag: Insight | None,
    away: tuple[int, int],
    trigger: str = "",
) -> Diagnosis:
    """Weigh every cause with evidence on `table` (one row per item, `value`, `recent`,
    `week` and the factors) and rank the ones that explain enough; `trigger`: what flagged
    the delay when no detector did (cycle time's usual range)."""
    values = table["value"].to_numpy(dtype="float64")
    recent = table["recent"].to_numpy(dtype=bool)
    y = log_outcome(values)
    ex = _excess(base, y, values, recent)
    base = dataclasses.replace(
        base,
        excess=ex,
        flagged_by=flag.title if flag is not None else trigger,
        method=_method(base, w),
    )
    if not ex.log_excess > MIN_EXCESS:
        return dataclasses.replace(base, status="no_delay", message=_no_excess(base, ex, flag))
    checks = DIAGNOSABLE[base.metric].checks
    weighed: dict[str, c.Weighed] = {}
    skipped: dict[str, str] = {}
    for key, check in checks.items():
        found = check(table, recent, team)
        if isinstance(found, str):
            skipped[key] = found
        elif found is not None:
            ev = tuple(_against(base, e) for e in found.evidence)
            weighed[key] = dataclasses.replace(found, evidence=ev)
    if base.peers:
        skipped["absence"] = AWAY_SKIPPED
    if "capacity" in weighed and (gone := c.absence(table, recent, team, away)):
        cap = weighed["capacity"]
        weighed["capacity"] = dataclasses.replace(cap, evidence=(*cap.evidence, gone))
    named = _named(y, recent, weighed)
    sure = (
        rank_first(
            y,
            recent,
            table["week"].to_numpy(),
            {k.key: list(weighed[k.key].factors.values()) for k in named},
        )
        if named
        else {}
    )
    out = dataclasses.replace(
        base, status="diagnosed", causes=named, sure=sure, not_looked_at=skipped
    )
    return dataclasses.replace(out, message=message(out))


def _method(base: Diagnosis, w: Windows) -> str:
    how = METHOD.format(min=MIN_SHARE, n=RESAMPLES)
    if base.peers:
        recent = w.describe().split(" against ")[0]
        how = (
            how.replace(
                "the team's baseline weeks (annotated weeks left out)",
                "those teams in the same weeks",
            )
            .replace("the baseline's", "the similar teams'")
            .replace("recent and baseline", "each side")
        )
        return f"Window: {recent}. " + PEER_METHOD.format(peers=", ".join(base.peers)) + how
    return f"Window: {w.describe()}. " + how


def _named(y: np.ndarray, recent: np.ndarray, weighed: dict[str, c.Weighed]) -> tuple[Cause, ...]:
    out = []
    for key, wd in weighed.items():
        per = {f: share(y, bins, recent) for f, bins in wd.factors.items()}
        best = best_share(y, list(wd.factors.values()), recent)
        if not np.isfinite(best) or best < MIN_SHARE:
            continue
        factor = max((f for f in per if np.isfinite(per[f])), key=lambda f: per[f])
        figures = dict(wd.figures) | {f"share_{f}": s for f, s in per.items()}
        figures["share_uncapped"] = best
        out.append(
            Cause(
                key, c.LABELS[key], min(1.0, best), wd.evidence, c.NEXT_STEPS[key], figures, factor
            )
        )
    out.sort(key=lambda x: (-x.figures["share_uncapped"], x.key))
    return tuple(out)


def _no_excess(base: Diagnosis, ex: Excess, flag: Insight | None) -> str:
    flagged = f" It was flagged ({flag.title}), but against" if flag is not None else " Against"
    own = (
        f"similar teams ({', '.join(base.peers)}) in the same weeks"
        if base.peers
        else ("its own baseline")
    )
    return (
        f"No excess to explain in {base.metric} for {base.team}.{flagged} {own} "
        f"the recent weeks were x{ex.ratio:.2f} (median {ex.recent_median:.1f} "
        f"against {ex.reference_median:.1f} {ex.unit}), so no delay to diagnose."
    )


def headline(d: Diagnosis) -> str:
    """One line: the likely cause with its share and its first evidence, as a hypothesis."""
    top = d.likely
    if top is None:
        return d.message.split(". ")[0] + "."
    sure = d.sure.get(top.key)
    how = f", first in {sure:.0%} of resamples" if sure is not None else ""
    return f"likely: {top.label} (explains ~{top.share:.0%} of the excess{how}; {top.evidence[0]})"


def _ref_short(d: Diagnosis) -> str:
    return "the similar teams" if d.peers else "the baseline"


def message(d: Diagnosis) -> str:
    ex = d.excess
    assert ex is not None
    name = NAMES[d.metric]
    lead = (
        f"{name} in {d.team} was x{ex.ratio:.2f} {reference_words(d)} in the recent weeks to "
        f"{d.week} "
        f"(median {ex.recent_median:.1f} against {ex.reference_median:.1f} {ex.unit}; "
        f"{ex.n_recent} items against {ex.n_reference})."
    )
    if DIAGNOSABLE[d.metric].judged_by_band and d.flagged_by:
        lead += f" {d.flagged_by}."
    if not d.causes:
        return (
            f"{lead} No cause the data can speak to explains it: none of reviewer capacity, "
            "review concentration, PR size, unclear requirements or dependencies differed "
            f"enough from {_ref_short(d)} to be weighed, or none explains 15% of the excess."
        )
    parts = [lead, headline(d)[0].upper() + headline(d)[1:] + "."]
    second = d.runner_up
    if second is not None:
        parts.append(f"Runner-up: {second.label} (~{second.share:.0%}; {second.evidence[0]}).")
    parts.append(f"Unexplained: ~{d.unexplained or 0:.0%}. Next step: {d.causes[0].next_step}")
    return " ".join(parts)
