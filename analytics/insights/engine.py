"""Run the detectors for teams and a week, then rank: few flags, the most useful first.

Ranking: each insight's own score (severity and size) times the team's feedback weight for
its kind; a kind that superseded another for the team hides it (one finding, one flag); at
most MAX_INSIGHTS per team and week (a digest holds a handful).

Feedback never hides a finding silently (`sift`): a finding a lead snoozed, and one that only
the unmoved threshold flags where votes raised it, are returned as `Findings.hidden` with
the reason, for the digest and App Home to name and show on request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

import analytics.insights.detectors  # noqa: F401  (registers the built-in detectors)
from analytics import loaders
from analytics.calendar import week_label, week_start
from analytics.context import OrgContext, TeamContext
from analytics.insights import annotations as notes
from analytics.insights import feedback
from analytics.insights.data import OrgData, load_org, team_weeks
from analytics.insights.hiding import Findings, Hidden, Snooze, snooze_of
from analytics.insights.model import Insight
from analytics.insights.peers import PeerSet, choose_peers, repo_kind, work_mix
from analytics.insights.registry import (
    DETECTORS,
    DetectorContext,
    DetectorSpec,
    Tuning,
    enabled,
)
from analytics.insights.shared_load import Firing

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
    """Supersede, apply feedback (weight, note), sort by score, keep `limit`."""
    kinds = {i.kind for i in found}
    hidden = {s for k in kinds if k in DETECTORS for s in DETECTORS[k].supersedes}
    found = _absorb(found)
    out = []
    for ins in found:
        if ins.kind in hidden:
            continue
        t = tuning.get(ins.kind, Tuning())
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


def sift(
    found: Sequence[Insight],
    unmoved: Sequence[Insight],
    tuning: Mapping[str, Tuning],
    snoozes: Sequence[Snooze] = (),
    *,
    team: str = "",
    week: str = "",
) -> Findings:
    """Rank what is shown; keep out, and record, what a snooze covers and what only the
    unmoved threshold flags (`unmoved`: the findings at factor 1 of kinds votes raised)."""
    hidden: list[Hidden] = []
    kept: list[Insight] = []
    seen = {i.id for i in found}
    extra = [i for i in unmoved if i.id not in seen]
    for ins in [*found, *extra]:
        snooze = snooze_of(tuple(snoozes), ins)
        if snooze is not None:
            hidden.append(Hidden(ins, "snooze", "snoozed by a lead", snooze.ends_at))
        elif ins.id not in seen:
            note = tuning.get(ins.kind, Tuning()).note or "votes raised this kind's threshold"
            why = f"under the threshold votes raised: {note}"
            hidden.append(Hidden(dataclasses.replace(ins, feedback_note=why), "threshold", why))
        else:
            kept.append(ins)
    active = tuple(s for s in snoozes if s.active_in(team, week))
    return Findings(tuple(rank(kept, tuning)), tuple(hidden), active)


def _unmoved(ctx: DetectorContext, specs: Sequence[DetectorSpec]) -> list[Insight]:
    """What the kinds whose threshold votes raised flag at the unmoved threshold."""
    raised = {s.kind for s in specs if ctx.factor(s.kind) > 1.0}
    if not raised:
        return []
    plain = dataclasses.replace(
        ctx, tuning={k: t for k, t in ctx.tuning.items() if k not in raised}
    )
    return [ins for s in specs if s.kind in raised for ins in s.fn(plain)]


def run_team(
    data: OrgData,
    team: TeamContext,
    week: str,
    as_of: datetime,
    peers: PeerSet,
    tuning: dict[str, Tuning],
    switches: Mapping[str, bool] | None = None,
    snoozes: Sequence[Snooze] = (),
) -> Findings:
    """Every enabled detector for one team: ranked, with what feedback kept out."""
    ctx = _context(data, team, week, as_of, peers, tuning)
    specs = enabled(team, dict(switches) if switches is not None else None)
    found = [ins for spec in specs for ins in spec.fn(ctx)]
    return sift(found, _unmoved(ctx, specs), tuning, snoozes, team=team.slug, week=week)


def findings_on(
    data: OrgData,
    teams: Sequence[TeamContext],
    week: str | None,
    as_of: datetime,
    learned: Mapping[tuple[str, str], feedback.KindFeedback] | None = None,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
    snoozes: Sequence[Snooze] = (),
) -> dict[str, Findings]:
    """The detectors on already-loaded data, per team: shown, hidden, snoozes in force."""
    mix = work_mix(data.prs())
    sizes = {t.slug: data.active_people(t.slug) for t in data.org.teams}
    kinds = {t.slug: repo_kind(t) for t in data.org.teams}
    out: dict[str, Findings] = {}
    for team in teams:
        label = week or last_full_week(as_of, team.tz)
        peers = choose_peers(team, data.org.teams, mix, sizes, kinds)
        tuning = feedback.tuning_for(dict(learned or {}), team.slug)
        team_switches = (switches or {}).get(team.slug)
        out[team.slug] = run_team(data, team, label, as_of, peers, tuning, team_switches, snoozes)
    return out


def detect_on(
    data: OrgData,
    teams: Sequence[TeamContext],
    week: str | None,
    as_of: datetime,
    learned: Mapping[tuple[str, str], feedback.KindFeedback] | None = None,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
) -> list[Insight]:
    """The detectors on already-loaded data: what `detect_all` runs after loading."""
    found = findings_on(data, teams, week, as_of, learned, switches)
    return [ins for f in found.values() for ins in f.shown]


def _snoozes(frame: pd.DataFrame) -> tuple[Snooze, ...]:
    return tuple(
        Snooze(
            str(r.team),
            str(r.kind),
            str(r.subject or ""),
            str(r.first_week),
            str(r.last_week),
            r.ends_at.to_pydatetime(),
            None if pd.isna(r.insight_id) else str(r.insight_id),
        )
        for r in frame.itertuples(index=False)
    )


@dataclasses.dataclass(frozen=True)
class OrgRun(Mapping[str, Findings]):
    """One detector run over the org: each asked team's findings (read as a mapping), and
    the frames they were found on, which the diagnosis of a flag (`analytics.why.why_on`)
    reads too instead of loading the org again. `data` None: a run with no frames behind
    it (a test double's)."""

    found: Mapping[str, Findings]
    week: str | None
    as_of: datetime
    data: OrgData | None = None

    def __getitem__(self, team: str) -> Findings:
        return self.found[team]

    def __iter__(self) -> Iterator[str]:
        return iter(self.found)

    def __len__(self) -> int:
        return len(self.found)

    def label(self, team: TeamContext) -> str:
        """The ISO week the run looked at for `team` (its own last full week if unnamed)."""
        return self.week or last_full_week(self.as_of, team.tz)


def org_run(
    engine: Engine,
    org: OrgContext,
    *,
    teams: Sequence[str],
    week: str | None,
    as_of: datetime,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
    firing: Firing | None = None,
) -> OrgRun:
    """`findings_all`, keeping the frames loaded for it (for the diagnoses of its flags);
    with `firing`, on the org load its runs share (the same frames, read once)."""
    if not teams:
        return OrgRun({}, week, as_of)
    wanted = [org.team(t) for t in teams]
    label = week or max(last_full_week(as_of, t.tz) for t in wanted)
    data = firing.data(engine, org, label, as_of) if firing is not None else None
    if data is None:
        data = load_org(engine, org, org.teams, label, as_of)
    pool = frozenset(t.slug for t in org.teams if t.pool_feedback)
    learned = feedback.learn(loaders.feedback_votes(engine, as_of), as_of, pool=pool)
    snoozes = _snoozes(loaders.finding_snoozes(engine))
    found = findings_on(data, wanted, week, as_of, learned, switches, snoozes)
    return OrgRun(found, week, as_of, data)


def findings_all(
    engine: Engine,
    org: OrgContext,
    *,
    teams: list[str],
    week: str | None,
    as_of: datetime,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
) -> dict[str, Findings]:
    """Per team in `teams`: the ranked insights for `week` (None: the last full ISO week
    before `as_of` in each team's zone), computed on data known at `as_of`, and what feedback
    (votes known at `as_of`, leads' snoozes) kept out. Loads the whole org once: peers are
    other teams. `switches` maps team -> {kind: on/off}."""
    run = org_run(engine, org, teams=teams, week=week, as_of=as_of, switches=switches)
    return dict(run.found)


def detect_all(
    engine: Engine,
    org: OrgContext,
    *,
    teams: list[str],
    week: str | None,
    as_of: datetime,
    switches: Mapping[str, Mapping[str, bool]] | None = None,
) -> list[Insight]:
    """The shown insights of `findings_all`, team after team."""
    found = findings_all(engine, org, teams=teams, week=week, as_of=as_of, switches=switches)
    return [ins for f in found.values() for ins in f.shown]


def detect(engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime) -> list[Insight]:
    """Ranked insights of one team for one ISO week (at most MAX_INSIGHTS)."""
    return detect_all(engine, org, teams=[team], week=week, as_of=as_of)


def detect_findings(
    engine: Engine, org: OrgContext, team: str, week: str, as_of: datetime
) -> Findings:
    """One team's week with what feedback kept out (the digest's and App Home's view)."""
    return findings_all(engine, org, teams=[team], week=week, as_of=as_of)[team]
