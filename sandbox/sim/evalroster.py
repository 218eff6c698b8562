"""The org of an evaluation world: independently drawn teams, growth, one reorganisation,
and mechanisms planted at random (one of each kind, then extra ones on any team).

Nothing is designed per team index: which team is slow, concentrated or batching changes
with the seed, and peers are never copies. `EvalPlan` replaces the random draws where a test
needs a known world (fixed mechanisms, identical teams).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sandbox.sim import names
from sandbox.sim.clock import HOUR, Calendar, OffsetTable, Span, public_holidays, utc
from sandbox.sim.evalmechs import draw_mechanisms, finish_mechanisms
from sandbox.sim.evalspec import EvalProfile, Mechanism
from sandbox.sim.rand import base36, hex_id, lognormal, rng_for, uuid_from, weighted
from sandbox.sim.roster import (
    _REPO_LAYOUT,
    BOTS,
    Member,
    RepoSpec,
    TeamSpec,
    World,
    _ascii,
    team_code,
)
from sandbox.world import Org, Person, Repo, Team

EVAL_TEAMS = 18
EVAL_WEEKS = 34
EVAL_ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
)
_KIND_SHARES = (("product", 0.4), ("platform", 0.25), ("infrastructure", 0.175), ("legacy", 0.175))


@dataclass(frozen=True)
class EvalPlan:
    """Overrides of an evaluation world's random draws (tests use them).

    `mechanisms`: exactly these (team slugs, onsets, sizes) instead of drawn ones;
    `uniform`: every team gets the same parameters, zone and even review weights, so nothing
    differs by chance; `growth` / `reorg`: whether teams hire and one group moves teams;
    `team_size`: every team's starting size; `tracker_causes`: tracker-side causes (name
    churn.CHURN or churn.BLOCKING, team, onset) planted in those teams' trackers, whose
    items then come from `workitems.tracker` (none: the plain `work_items`)."""

    mechanisms: tuple[Mechanism, ...] | None = None
    uniform: bool = False
    growth: bool = True
    reorg: bool = True
    team_size: int | None = None
    tracker_causes: tuple[Mechanism, ...] = ()


@dataclass(slots=True)
class EvalWorld:
    """The world plus the hidden facts the truth needs: who was in which team when."""

    world: World
    membership: list[dict[str, object]] = field(default_factory=list)
    reorg_week: int | None = None


def _kinds(seed: int, n: int) -> list[str]:
    kinds: list[str] = []
    for kind, share in _KIND_SHARES:
        kinds += [kind] * max(1 if n >= 4 else 0, round(n * share))
    while len(kinds) < n:
        kinds.append("product")
    kinds = kinds[:n]
    rng_for(seed, "eval-kinds").shuffle(kinds)
    return kinds


def draw_profile(rng: random.Random, uniform: bool) -> EvalProfile:
    """A team's generating parameters: drawn independently per team (or the medians)."""
    if uniform:
        return EvalProfile(4.5, 60.0, 2.5, 0.6, 0.5, 0.04, 0.0, 0.08, 10, 0.95, 0.02, 6.0, 0.09,
                           2.0, 0.0)  # fmt: skip
    return EvalProfile(
        pr_rate=lognormal(rng, 4.5, 0.2),
        size_median=lognormal(rng, 60, 0.3),
        pickup=lognormal(rng, 2.5, 0.3),
        rounds=rng.uniform(0.45, 0.75),
        merge_median=lognormal(rng, 0.5, 0.3),
        stall_p=rng.uniform(0.01, 0.06),
        weight_sigma=rng.uniform(0.15, 0.55),
        after_hours=rng.uniform(0.04, 0.14),
        slots=weighted(rng, (40, 10, 5, 2), (35, 25, 30, 10)),
        slot_p=rng.uniform(0.85, 1.0),
        fail_q=rng.uniform(0.012, 0.03),
        ci_minutes=lognormal(rng, 6.0, 0.25),
        ci_fail=rng.uniform(0.06, 0.12),
        alert_rate=lognormal(rng, 2.0, 0.4),
        remote_share=rng.uniform(0.0, 0.4),
    )


class _Calendars:
    """Offset tables and holidays per zone, built once per world."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.tables: dict[str, OffsetTable] = {}
        self.holidays: dict[str, frozenset[int]] = {}

    def table(self, tz: str) -> OffsetTable:
        if tz not in self.tables:
            self.tables[tz] = OffsetTable(ZoneInfo(tz), self.span)
        return self.tables[tz]

    def hol(self, tz: str) -> frozenset[int]:
        if tz not in self.holidays:
            s = self.span
            first, last = s.day_date(-7), s.day_date(s.days + 30)
            self.holidays[tz] = frozenset(
                (d - s.start_date).days for d in public_holidays(tz, first, last)
            )
        return self.holidays[tz]


def _team(i: int, seed: int, kind: str, span: Span, plan: EvalPlan) -> TeamSpec:
    rng = rng_for(seed, "eval-team", i)
    code = team_code(i)
    dom, key = names.DOMAINS[i % len(names.DOMAINS)]
    gen = i // len(names.DOMAINS)
    ev = draw_profile(rng, plan.uniform)
    ev.salt = f"{seed}:{i}"
    team = TeamSpec(
        index=i,
        slug=f"team-{code.lower()}",
        code=code,
        name=dom.title() + (f" {gen + 1}" if gen else ""),
        kind=kind,
        tz="Europe/Berlin" if plan.uniform else rng.choice(EVAL_ZONES),
        work_start=9,
        work_end=17 if plan.uniform or rng.random() < 0.6 else 18,
        tracker="jira" if rng.random() < 0.6 else "linear",
        tracker_key=key if gen == 0 else f"{key}{gen + 1}",
        zh_statuses=False,
        pr_rate=ev.pr_rate,
        pickup_wh=ev.pickup,
        review_factor=1.0,
        stalled_share=0.0,
        heavy_reviewers=0,
        after_hours_base=ev.after_hours,
        cadence="continuous" if ev.slots >= 40 else "daily",
        fail_q=ev.fail_q,
        bot_reviewer="sonarcloud[bot]" if i % 3 == 1 else "github-actions[bot]",
        ev=ev,
    )
    team.weeks = span.weeks
    return team


def _member(
    team: TeamSpec,
    rng: random.Random,
    cals: _Calendars,
    used: dict[str, int],
    pd_number: int,
    uniform: bool,
) -> Member:
    """A new person of `team`: zone (remote with the team's remote share), hours, vacations,
    review weight and after-hours habit drawn."""
    assert team.ev is not None
    span = cals.span
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    base = f"{_ascii(first)}-{_ascii(last)}"
    n = used.get(base, 0)
    used[base] = n + 1
    tz = team.tz
    if rng.random() < team.ev.remote_share:
        tz = rng.choice([z for z in EVAL_ZONES if z != team.tz])
    shift = 0 if uniform else weighted(rng, (-1, 0, 1), (2, 6, 2))
    off = set(cals.hol(tz))
    for _ in range(max(1, span.weeks // 13)):
        start = rng.randrange(0, max(1, span.days - 10))
        off.update(range(start, start + rng.randint(5, 10)))
    cal = Calendar(
        cals.table(tz),
        (team.work_start + shift) * HOUR,
        (team.work_end + shift) * HOUR,
        (True, True, True, True, True, False, False),
        frozenset(off),
    )
    sigma = team.ev.weight_sigma
    return Member(
        login=base if n == 0 else f"{base}{n + 1}",
        name=f"{first} {last}",
        cal=cal,
        review_weight=1.0 if uniform else lognormal(rng, 1.0, sigma),
        jira_id=hex_id(rng),
        linear_id=uuid_from(rng),
        pd_id=f"PU{base36(pd_number, 5)}",
        after_hours=1.0 if uniform else lognormal(rng, 1.0, 0.3),
    )


def _staff(teams: list[TeamSpec], seed: int, cals: _Calendars, plan: EvalPlan) -> int:
    """Initial members, then hires (growth); returns how many people exist."""
    used: dict[str, int] = {}
    people = 0
    weeks = cals.span.weeks
    for team in teams:
        team.cal = Calendar(
            cals.table(team.tz),
            team.work_start * HOUR,
            team.work_end * HOUR,
            (True, True, True, True, True, False, False),
            cals.hol(team.tz),
        )
        rng = rng_for(seed, "eval-people", team.index)
        size = plan.team_size or rng.randint(6, 11)
        for _ in range(size):
            people += 1
            team.members.append(_member(team, rng, cals, used, people, plan.uniform))
        if plan.growth and not plan.uniform and rng.random() < 0.3 and weeks >= 14:
            for _ in range(rng.randint(1, 2)):
                people += 1
                hire = _member(team, rng, cals, used, people, plan.uniform)
                hire.joined = rng.randint(6, weeks - 6)
                team.members.append(hire)
    return people


def _reorganise(teams: list[TeamSpec], seed: int, weeks: int) -> int | None:
    """One group of two or three people moves from a large team to another team at a drawn
    week: the source loses reviewers, the destination gains them."""
    rng = rng_for(seed, "eval-reorg")
    sources = [t for t in teams if len(t.members) >= 9]
    if not sources or len(teams) < 2 or weeks < 16:
        return None
    src = rng.choice(sources)
    dst = rng.choice([t for t in teams if t is not src])
    week = rng.randint(max(8, int(weeks * 0.4)), weeks - 6)
    movers = rng.sample([m for m in src.members if m.joined == 0], rng.randint(2, 3))
    for m in movers:
        m.left = week
        moved = Member(
            login=m.login,
            name=m.name,
            cal=m.cal,
            review_weight=lognormal(rng, 1.0, dst.ev.weight_sigma if dst.ev else 0.3),
            jira_id=m.jira_id,
            linear_id=m.linear_id,
            pd_id=m.pd_id,
            after_hours=m.after_hours,
            joined=week,
        )
        dst.members.append(moved)
    return week


def build_eval_world(seed: int, n_teams: int, span: Span, plan: EvalPlan) -> EvalWorld:
    """Draw an evaluation world; deterministic in (seed, n_teams, span, plan)."""
    cals = _Calendars(span)
    kinds = _kinds(seed, n_teams)
    teams = [_team(i, seed, kinds[i], span, plan) for i in range(n_teams)]
    n_people = _staff(teams, seed, cals, plan)
    reorg = _reorganise(teams, seed, span.weeks) if plan.reorg and not plan.uniform else None
    mechanisms = (
        list(plan.mechanisms)
        if plan.mechanisms is not None
        else draw_mechanisms(seed, teams, span.weeks)
    )
    finish_mechanisms(teams, mechanisms, span)
    org = _org(seed, teams, span, n_people)
    membership: list[dict[str, object]] = [
        {"login": m.login, "team": t.slug, "from_week": m.joined, "until_week": m.left}
        for t in teams
        for m in t.members
    ]
    return EvalWorld(World(org=org, teams=teams), membership, reorg)


def _org(seed: int, teams: list[TeamSpec], span: Span, n_people: int) -> Org:
    people: dict[str, Person] = {}
    repos: list[Repo] = []
    services: list[dict[str, str]] = []
    org_teams: list[Team] = []
    for team in teams:
        for m in team.members:  # the last team a person joins is theirs at the world's end
            if m.left is None:
                people[m.login] = Person(
                    login=m.login,
                    name=m.name,
                    tz=m.cal.tz.key,
                    is_bot=False,
                    team=team.slug,
                    jira_account_id=m.jira_id,
                    linear_id=m.linear_id,
                    pagerduty_id=m.pd_id,
                    gitlab_username=m.login,
                )
        rng = rng_for(seed, "eval-repos", team.index)
        domain = team.name.lower().replace(" ", "")
        for suffix, kind, weight in _REPO_LAYOUT[team.kind]:
            full = f"{names.ORG_NAME}/{domain}-{suffix}"
            sid = f"PS{base36(len(services) + 1, 5)}"
            bot = weighted(rng, ("dependabot[bot]", "renovate[bot]", None), (5, 3, 2))
            team.repos.append(
                RepoSpec(
                    full, kind, "github", weight, bot, kind == "product", sid, f"{domain}-{suffix}"
                )
            )
            repos.append(
                Repo(
                    full_name=full,
                    kind=kind,  # type: ignore[typeddict-item]
                    team=team.slug,
                    default_branch="main",
                    host="github",
                )
            )
            services.append(
                {"id": sid, "name": f"{domain}-{suffix}", "team": team.slug, "repo": full}
            )
        org_teams.append(_org_team(team))
    for k, bot_login in enumerate(BOTS):
        bot_rng = rng_for(seed, "bot", bot_login)
        people[bot_login] = Person(
            login=bot_login,
            name=bot_login,
            tz="UTC",
            is_bot=True,
            team=None,
            jira_account_id=hex_id(bot_rng),
            linear_id=uuid_from(bot_rng),
            pagerduty_id=f"PB{base36(k + 1, 5)}",
            gitlab_username=bot_login.replace("[bot]", "-bot"),
        )
    return Org(
        name=names.ORG_NAME,
        seed=seed,
        start=span.start_date.isoformat(),
        end=utc(span.end),
        teams=org_teams,
        people=list(people.values()),
        repos=sorted(repos, key=lambda r: r["full_name"]),
        services=services,
    )


def _org_team(team: TeamSpec) -> Team:
    size = sum(1 for m in team.members if m.left is None)
    return Team(
        slug=team.slug,
        name=team.name,
        tz=team.tz,
        working_days=[1, 2, 3, 4, 5],
        work_start=f"{team.work_start:02d}:00",
        work_end=f"{team.work_end:02d}:00",
        members=[m.login for m in team.members if m.left is None],
        leads=[f"U0{team.code}LEAD{team_code(k)}" for k in range(1 if size < 9 else 2)],
        slack_channel=f"C0TEAM{team.code}",
        repos=[r.full_name for r in team.repos],
        pagerduty_services=[r.service_id for r in team.repos],
        jira_projects=[team.tracker_key] if team.tracker == "jira" else [],
        linear_teams=[team.tracker_key] if team.tracker == "linear" else [],
        gitlab_projects=[],
    )


__all__ = ["EVAL_TEAMS", "EVAL_WEEKS", "EvalPlan", "EvalWorld", "build_eval_world"]
