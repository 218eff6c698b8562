"""`diagnose`: a flagged delay of one team and week -> a `Diagnosis`.

Windows are the detectors' (`analytics.insights.data.TeamWeeks`): the recent weeks (the last
RECENT_WEEKS of the grid ending with the week asked) against the team's baseline weeks
before them, annotated weeks left out. The excess is measured against that baseline, on the
log scale, for the metric's items (time to first review in working hours; lead time, or the
stage the detector flagged; issue cycle time). A delay is "flagged" when a detector flagged
it (`flagged`, the week's shown insights); without a flag the answer says so. Cycle time
has no detector: its delay counts as flagged when it lies above its usual range
(`band.beyond_band`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analytics.context import TeamContext
from analytics.diagnosis import verdict
from analytics.diagnosis.band import beyond_band
from analytics.diagnosis.model import Diagnosis
from analytics.diagnosis.registry import DIAGNOSABLE
from analytics.diagnosis.tracker import item_flags, item_table
from analytics.diagnosis.windows import Windows, pr_items, windows
from analytics.insights.data import OrgData
from analytics.insights.model import Insight
from analytics.persons import withheld_reason

WHY_METRICS: dict[str, str] = {
    "review-time": "review-time",
    "pickup": "review-time",
    "time-to-first-review": "review-time",
    "lead-time": "lead-time",
    "cycle-time": "cycle-time",
}
"""The words `why` takes -> the metric diagnosed (pickup is time to first review)."""

Reference = Literal["own", "peers"]
"""What the recent weeks are compared with: the team's baseline, or its similar teams."""

MIN_RECENT = 8
MIN_REFERENCE = 15


def why_metric(word: str) -> str:
    """The metric id for `word`; KeyError (with the choices) for anything else."""
    key = word.strip().lower().replace(" ", "-").replace("_", "-")
    if key not in WHY_METRICS:
        raise KeyError(
            f"`why` diagnoses delays in {', '.join(sorted(set(WHY_METRICS.values())))} "
            f"(and pickup), not {word!r}"
        )
    return WHY_METRICS[key]


def flag_for(metric: str, flagged: Sequence[Insight]) -> Insight | None:
    """The week's shown insight about a delay in `metric` (a lead-time stage flag about
    pickup counts for review-time); None without one."""
    for ins in flagged:
        stage = ins.extra.get("stage")
        if ins.metric == metric and (
            ins.value is None or ins.reference is None or ins.value > ins.reference
        ):
            return ins
        pickup = stage is not None and stage == DIAGNOSABLE[metric].stage_flag
        if ins.kind == "lead_time_stage" and pickup:
            return ins
    return None


def diagnose(
    data: OrgData,
    team: TeamContext,
    week: str,
    metric: str,
    flagged: Sequence[Insight],
    *,
    excluded_weeks: frozenset[int] = frozenset(),
    asked: bool = False,
    reference: Reference | None = None,
) -> Diagnosis:
    """Why `metric` was slow for `team` in the recent weeks ending with `week`. `flagged`:
    the week's shown insights; `asked`: diagnose even without a flag (the answer says the
    delay was not flagged); `reference`: "peers" compares the recent weeks with the same
    weeks of the flag's similar teams (None: peers when the flag names them, as a
    comparison with similar teams does, else the team's own baseline). Tracker frames
    (`work_items`, `transitions`, `changes`, `links`) are read from `data.frames` when present."""
    base = Diagnosis(team.slug, metric, week, "no_delay", "")
    reason = withheld_reason("work", team, None)
    if reason is not None:
        return verdict.withheld(base, reason)
    flag = flag_for(metric, flagged)
    spec = DIAGNOSABLE[metric]
    by_band = spec.judged_by_band and flag is None  # no detector: the noise test decides
    if flag is None and not asked and not by_band:
        return verdict.no_flag(base)
    w = windows(team, week, data.org.thresholds.baseline_weeks, excluded_weeks)
    items = w.select(spec.items(data, team, flag))
    peers = flag.peers if flag is not None and not spec.on_tracker else ()
    if (reference or ("peers" if peers else "own")) == "peers" and peers:
        return _against_peers(data, team, week, flag, peers, items, w, base)
    if spec.on_tracker:
        table = _item_table(data, items)
        authors = None
    else:
        table = pr_items(data, team, items, w)
        authors = int(table.loc[table["recent"], "author"].nunique())
    reason = withheld_reason("work", team, authors)
    if reason is not None:
        return verdict.withheld(base, reason)
    recent = table["recent"].to_numpy(dtype=bool)
    if recent.sum() < MIN_RECENT or (~recent).sum() < MIN_REFERENCE:
        return verdict.too_few(base, int(recent.sum()), int((~recent).sum()))
    trigger = ""
    if by_band:
        above, said = beyond_band(table, w.reference, len(w.recent))
        if not above and not asked:
            return verdict.within_band(base, said)
        trigger = said[0].upper() + said[1:] if above else ""
    return verdict.weigh(base, table, team, w, flag, _away(data, team, w), trigger)


def _against_peers(
    data: OrgData,
    team: TeamContext,
    week: str,
    flag: Insight | None,
    peers: tuple[str, ...],
    items: pd.DataFrame,
    w: Windows,
    base: Diagnosis,
) -> Diagnosis:
    """The team's recent PRs against its similar teams' PRs in the same recent weeks (the
    reference rows, `recent` False), each team's factors computed on its own PRs."""
    spec = DIAGNOSABLE[base.metric]
    mine = pr_items(data, team, items[items["recent"]], w)
    reason = withheld_reason("work", team, int(mine["author"].nunique()))
    if reason is not None:
        return verdict.withheld(base, reason)
    parts, used = [mine], []
    known = {t.slug: t for t in data.org.teams}
    for slug in peers:
        peer = known.get(slug)
        if peer is None:
            continue
        pw = windows(peer, week, 0, frozenset())
        got = pw.select(spec.items(data, peer, flag))
        got = pr_items(data, peer, got[got["recent"]], pw)
        if withheld_reason("work", peer, int(got["author"].nunique())) is None and len(got):
            parts.append(got.assign(recent=False))
            used.append(slug)
    table = pd.concat(parts, ignore_index=True)
    recent = table["recent"].to_numpy(dtype=bool)
    base = dataclasses.replace(base, peers=tuple(used))
    if recent.sum() < MIN_RECENT or (~recent).sum() < MIN_REFERENCE:
        return verdict.too_few(base, int(recent.sum()), int((~recent).sum()))
    return verdict.weigh(base, table, team, w, flag, (0, 0))


def _item_table(data: OrgData, items: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame(columns=["source", "item_external_id", "at", "field", "value"])
    links = pd.DataFrame(columns=["source", "item_key", "other_key", "kind", "created_at"])
    flags = item_flags(
        data.frames["work_items"],
        data.frames["transitions"],
        data.frames.get("changes", empty),
        data.frames.get("links", links),
    )
    return item_table(items, flags)


def _away(data: OrgData, team: TeamContext, w: Windows) -> tuple[int, int]:
    """(usual reviewers: members who reviewed in at least half the baseline weeks, how many
    of them had a recent week with no review and no commit)."""
    mr = data.frames["member_reviews"]
    mr = mr[mr["reviewer_key"].isin(team.member_keys)]
    cm = data.frames["commits"]
    cm = cm[cm["author_key"].isin(team.member_keys)]
    rw = pd.DataFrame({"who": mr["reviewer_key"], "week": w.grid.bucket(mr["submitted_at"])})
    cw = pd.DataFrame({"who": cm["author_key"], "week": w.grid.bucket(cm["authored_at"])})
    ref = rw[rw["week"].isin(w.reference)].drop_duplicates()
    per = ref.groupby("who")["week"].nunique()
    usual = set(per[per >= max(1, len(w.reference) / 2)].index)
    active = pd.concat([rw, cw]).drop_duplicates()
    missing = 0
    for who in usual:
        weeks = set(active.loc[active["who"] == who, "week"])
        if any(k not in weeks for k in w.recent):
            missing += 1
    return len(usual), missing


__all__ = ["MIN_RECENT", "MIN_REFERENCE", "WHY_METRICS", "diagnose", "flag_for", "why_metric"]
