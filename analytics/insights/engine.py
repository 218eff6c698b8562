"""Run the detectors for teams and a week, then rank: few flags, the most useful first.

Ranking: each insight's own score (severity and size) times the team's feedback weight for
its kind; a kind that superseded another for the team hides it (one finding, one flag);
quiet kinds (rejected again and again) are left out unless critical; at most MAX_INSIGHTS
per team and week (a digest holds a handful).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Engine

import analytics.insights.detectors  # noqa: F401  (registers the built-in detectors)
from analytics import loaders
from analytics.calendar import week_label, week_start
from analytics.context import OrgContext, TeamContext
from analytics.insights import annotations as notes
from analytics.insights import feedback
from analytics.insights.data import OrgData, load_org, team_weeks
from analytics.insights.model import Insight
from analytics.insights.peers import PeerSet, choose_peers, work_mix
from analytics.insights.registry import DETECTORS, DetectorContext, Tuning, enabled

MAX_INSIGHTS = 5
SEVERITY_WEIGHT = {"info": 0.8, "warning": 1.0, "critical": 1.3}


def last_full_week(as_of: datetime, tz: str) -> str:
    """The ISO week label of the last complete week before `as_of` in `tz`."""
    from datetime import timedelta

    return week_label(week_start(as_of, tz) - timedelta(days=1), tz)


def _context(
    data: OrgData,
    team: TeamContext,
    week: str,
    as_of: datetime,
    peers: PeerSet,
    tuning: dict[str, Tuning],
) -> DetectorContext:
    grid = team_weeks(team, week)
    marked = data.annotations(team.slug)
    return DetectorContext(
        data=data,
        team=team,
        grid=grid,
        peers=peers,
        as_of=as_of,
        excluded_weeks=notes.excluded_weeks(marked, grid),
        context_notes=notes.context_notes(marked, grid),
        tuning=tuning,
    )


def rank(
    found: Sequence[Insight], tuning: Mapping[str, Tuning], limit: int = MAX_INSIGHTS
) -> list[Insight]:
    """Supersede, apply feedback (weight, quiet, note), sort by score, keep `limit`."""
    kinds = {i.kind for i in found}
    hidden = {s for k in kinds if k in DETECTORS for s in DETECTORS[k].supersedes}
    found = _absorb(found)
    out = []
    for ins in found:
        if ins.kind in hidden:
            continue
        t = tuning.get(ins.kind, Tuning())
        if t.quiet and ins.severity != "critical":
            continue
        score = ins.score * SEVERITY_WEIGHT.get(ins.severity, 1.0) * t.weight
        out.append(dataclasses.replace(ins, score=round(score, 3), feedback_note=t.note))
    out.sort(key=lambda i: (-i.score, i.kind))
    return out[:limit]


def _week_number(label: object) -> int | None:
    if not isinstance(label, str) or "-W" not in label:
        return None
    year, week = label.split("-W")
    return int(year) * 53 + int(week)


def _absorb(found: Sequence[Insight]) -> list[Insight]:
    """Fold an insight into another of the same team whose detector absorbs its kind, when
    both report a change starting within two weeks of each other."""
    out = list(found)
    gone: set[int] = set()
    for i, host in enumerate(out):
        spec = DETECTORS.get(host.kind)
        start = _week_number(host.extra.get("change_week"))
        if spec is None or not spec.absorbs or start is None or i in gone:
            continue
        for j, guest in enumerate(out):
            other = _week_number(guest.extra.get("change_week"))
            if j == i or j in gone or guest.team != host.team or guest.kind not in spec.absorbs:
                continue
            if other is not None and abs(other - start) <= 2:
                out[i] = dataclasses.replace(
                    out[i], summary=f"{out[i].summary} Around the same time: {guest.title}."
                )
                gone.add(j)
    return [ins for k, ins in enumerate(out) if k not in gone]


def run_team(
    data: OrgData,
    team: TeamContext,
    week: str,
    as_of: datetime,
    peers: PeerSet,
    tuning: dict[str, Tuning],
    switches: Mapping[str, bool] | None = None,
) -> list[Insight]:
    """Every enabled detector for one team, ranked."""
    ctx = _context(data, team, week, as_of, peers, tuning)
    found: list[Insight] = []
    for spec in enabled(team, dict(switches) if switches is not None else None):
        found.extend(spec.fn(ctx))
    return rank(found, tuning)


def detect_on(
    data: OrgData,
    teams: Sequence[TeamContext],
    week: str | None,
    as_of: datetime,
    learned: Mapping[tuple[str, str], feedback.KindFeedback] | None = None,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
) -> list[Insight]:
    """The detectors on already-loaded data: what `detect_all` runs after loading."""
    mix = work_mix(data.prs())
    sizes = {t.slug: data.active_people(t.slug) for t in data.org.teams}
    out: list[Insight] = []
    for team in teams:
        label = week or last_full_week(as_of, team.tz)
        peers = choose_peers(team, data.org.teams, mix, sizes)
        tuning = feedback.tuning_for(dict(learned or {}), team.slug)
        team_switches = (switches or {}).get(team.slug)
        out.extend(run_team(data, team, label, as_of, peers, tuning, team_switches))
    return out


def detect_all(
    engine: Engine,
    org: OrgContext,
    *,
    teams: list[str],
    week: str | None,
    as_of: datetime,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
) -> list[Insight]:
    """Ranked insights of each team in `teams` for `week` (None: the last full ISO week
    before `as_of` in each team's zone), computed on data known at `as_of`. Loads the whole
    org once: peers are other teams. `switches` maps team -> {kind: on/off}."""
    if not teams:
        return []
    wanted = [org.team(t) for t in teams]
    label = week or max(last_full_week(as_of, t.tz) for t in wanted)
    data = load_org(engine, org, org.teams, label, as_of)
    learned = feedback.learn(loaders.feedback_votes(engine, as_of), as_of)
    return detect_on(data, wanted, week, as_of, learned, switches)


def detect(engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime) -> list[Insight]:
    """Ranked insights of one team for one ISO week (at most MAX_INSIGHTS)."""
    return detect_all(engine, org, teams=[team], week=week, as_of=as_of)
