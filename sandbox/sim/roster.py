"""The org: teams with their behaviour profiles (where phenomena are planted) and people.

The first seven teams are designed: team-a..team-c are similar product teams in one zone (so
team-b's slow reviews stand out against two peers), and each of team-b..team-g carries one
planted phenomenon; team-a is the quiet, healthy one. Further teams (medium and large worlds)
are drawn at random, and every eighth of them carries a phenomenon too.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sandbox.sim import names
from sandbox.sim.clock import DAY, HOUR, Calendar, OffsetTable, Span, public_holidays, utc
from sandbox.sim.evalspec import EvalProfile
from sandbox.sim.rand import base36, hex_id, lognormal, rng_for, uuid_from, weighted
from sandbox.world import Org, Person, Planted, Repo, Team

ZONES = (
    "Europe/Berlin",
    "America/Los_Angeles",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
)
BOTS = ("dependabot[bot]", "renovate[bot]", "github-actions[bot]", "sonarcloud[bot]")
KINDS = (
    "review_bottleneck",
    "after_hours_creep",
    "review_load_concentration",
    "cfr_batching",
    "stalled_prs",
    "process_change",
    "healthy",
)

_REPO_LAYOUT = {
    "product": (("api", "product", 0.6), ("web", "product", 0.4)),
    "platform": (("platform", "platform", 0.65), ("sdk", "platform", 0.35)),
    "infrastructure": (("infra", "infrastructure", 0.55), ("tools", "platform", 0.45)),
    "legacy": (("legacy", "legacy", 0.6), ("service", "product", 0.4)),
}


@dataclass(frozen=True, slots=True)
class RepoSpec:
    full_name: str
    kind: str
    host: str  # "github" or "gitlab"
    weight: float  # share of the team's pull requests
    dep_bot: str | None  # "dependabot[bot]", "renovate[bot]" or None
    staging: bool
    service_id: str
    service_name: str


@dataclass(slots=True)
class Member:
    login: str
    name: str
    cal: Calendar
    review_weight: float
    jira_id: str
    linear_id: str
    pd_id: str
    after_hours: float = 1.0  # personal factor on the team's after-hours propensity (eval)
    joined: int = 0  # first week in this team (eval worlds: growth and a reorganisation)
    left: int | None = None  # first week no longer in it

    def present(self, week: int) -> bool:
        return self.joined <= week and (self.left is None or week < self.left)


@dataclass(slots=True)
class TeamSpec:
    """One team: who, where, and how it behaves week by week."""

    index: int
    slug: str
    code: str  # "A", "B", ... "AA"
    name: str
    kind: str
    tz: str
    work_start: int  # hour
    work_end: int
    tracker: str  # "jira" or "linear"
    tracker_key: str
    zh_statuses: bool
    pr_rate: float  # pull requests per person and week
    pickup_wh: float  # median pickup wait, working hours
    review_factor: float  # multiplies every review wait (team-b: 1.4)
    stalled_share: float
    heavy_reviewers: int
    after_hours_base: float
    cadence: str  # "continuous", "daily", "twice-weekly", "weekly"
    fail_q: float  # chance that one shipped pull request breaks production
    bot_reviewer: str | None
    creep_week: int | None = None
    creep_to: float = 0.0
    batching_week: int | None = None
    change_week: int | None = None
    change_before: float = 1.0
    change_after: float = 1.0
    repos: list[RepoSpec] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    cal: Calendar | None = None  # the team's own calendar (deploy slots)
    weeks: int = 26  # length of the simulated span
    ev: EvalProfile | None = None  # hidden settings of an evaluation world's team

    def present(self, week: int) -> list[Member]:
        """The members in the team that week (all of them outside evaluation worlds)."""
        if self.ev is None:
            return self.members
        return [m for m in self.members if m.present(week)] or self.members

    def alerts_per_repo(self, week: int) -> float:
        """Incidents a week that no deployment explains, per repository."""
        if self.ev is None:
            return 0.15
        return self.ev.alerts_at(week) / max(1, len(self.repos))

    def pickup_median(self, week: int) -> float:
        if self.ev is not None:
            return self.ev.pickup_at(week)
        factor = 1.0
        if self.change_week is not None:
            factor = self.change_before if week < self.change_week else self.change_after
        return self.pickup_wh * self.review_factor * factor

    def after_hours(self, week: int) -> float:
        if self.creep_week is None or week < self.creep_week:
            return self.after_hours_base
        total = max(1, self.weeks - self.creep_week)
        frac = min(1.0, (week - self.creep_week + 1) / total)
        return self.after_hours_base + frac * (self.creep_to - self.after_hours_base)

    def cadence_at(self, week: int) -> str:
        if self.batching_week is not None and week >= self.batching_week:
            return "weekly"
        return self.cadence


def team_code(i: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA" (spreadsheet columns)."""
    code = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        code = chr(65 + r) + code
    return code


def _ascii(s: str) -> str:
    folded = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


_DESIGNED: tuple[dict[str, object], ...] = (
    {"kind": "product", "size": 6, "tz": "Europe/Berlin", "tracker": "jira", "plant": "healthy"},
    {
        "kind": "product",
        "size": 6,
        "tz": "Europe/Berlin",
        "tracker": "jira",
        "plant": "review_bottleneck",
    },
    {
        "kind": "product",
        "size": 6,
        "tz": "Europe/Berlin",
        "tracker": "linear",
        "plant": "after_hours_creep",
    },
    {
        "kind": "platform",
        "size": 7,
        "tz": "Asia/Shanghai",
        "tracker": "jira",
        "zh": True,
        "plant": "review_load_concentration",
    },
    {
        "kind": "infrastructure",
        "size": 5,
        "tz": "Asia/Kolkata",
        "tracker": "linear",
        "plant": "cfr_batching",
        "gitlab": 0,
    },
    {
        "kind": "legacy",
        "size": 4,
        "tz": "America/Los_Angeles",
        "tracker": "jira",
        "plant": "stalled_prs",
        "gitlab": 0,
    },
    {
        "kind": "product",
        "size": 3,
        "tz": "Australia/Sydney",
        "tracker": "linear",
        "plant": "process_change",
    },
)


def _team_spec(i: int, seed: int, span: Span) -> TeamSpec:
    rng = rng_for(seed, "team", i)
    code = team_code(i)
    dom, key = names.DOMAINS[i % len(names.DOMAINS)]
    gen = i // len(names.DOMAINS)
    tkey = key if gen == 0 else f"{key}{gen + 1}"
    design = _DESIGNED[i] if i < len(_DESIGNED) else None
    if design is not None:
        kind = str(design["kind"])
        tz = str(design["tz"])
        tracker = str(design["tracker"])
        plant: str | None = str(design["plant"])
    else:
        kind = weighted(rng, ("product", "platform", "infrastructure", "legacy"), (45, 25, 15, 15))
        tz = rng.choice(ZONES)
        tracker = "jira" if rng.random() < 0.6 else "linear"
        plant = KINDS[(i // 8) % len(KINDS)] if i % 8 == 0 else None
    peer = i < 3  # team-a..c share every parameter but the planted one
    team = TeamSpec(
        index=i,
        slug=f"team-{code.lower()}",
        code=code,
        name=dom.title() + (f" {gen + 1}" if gen else ""),
        kind=kind,
        tz=tz,
        work_start=9,
        work_end=17 if (peer or rng.random() < 0.6) else 18,
        tracker=tracker,
        tracker_key=tkey,
        zh_statuses=bool(design.get("zh")) if design else False,
        pr_rate=4.5 if peer else lognormal(rng, 4.8, 0.2),
        pickup_wh=3.0 if peer else lognormal(rng, 3.2, 0.25),
        review_factor=1.0,
        stalled_share=0.02,
        heavy_reviewers=0,
        after_hours_base=0.05 if peer else rng.uniform(0.03, 0.09),
        cadence="continuous" if peer else rng.choice(("continuous", "daily", "twice-weekly")),
        fail_q=0.015 if peer else rng.uniform(0.012, 0.03),
        bot_reviewer="sonarcloud[bot]" if i % 3 == 1 else "github-actions[bot]",
    )
    team.weeks = span.weeks
    if plant is not None:
        _plant(team, plant, span, rng)
    return team


def _plant(team: TeamSpec, kind: str, span: Span, rng: random.Random) -> None:
    """Set the profile knobs of one phenomenon and record it as ground truth."""
    week = 0
    magnitude = 0.0
    note = ""
    if kind == "healthy":
        team.cadence, team.fail_q, team.after_hours_base = "continuous", 0.01, 0.04
        note = "quiet, healthy team: steady flow, even review load, no phenomenon planted"
    elif kind == "review_bottleneck":
        team.review_factor, magnitude = 1.4, 0.4
        note = "every review wait (pickup and review rounds) 40% longer than its peers'"
    elif kind == "after_hours_creep":
        week = max(1, round(span.weeks * 0.4))
        team.creep_week, team.creep_to = week, 0.4
        magnitude = round(team.creep_to - team.after_hours_base, 2)
        note = (
            f"after-hours/weekend commit chance rises linearly from {team.after_hours_base:.0%} "
            f"to {team.creep_to:.0%} by the last week"
        )
    elif kind == "review_load_concentration":
        team.heavy_reviewers, magnitude = 2, 0.75
        note = "two people are asked for (and give) about three quarters of all reviews"
    elif kind == "cfr_batching":
        week = max(1, round(span.weeks * 0.5))
        team.cadence, team.batching_week, team.fail_q = "daily", week, 0.035
        magnitude = 5.0
        note = (
            "deployments go from daily to weekly (about 5x rarer and bigger); each shipped PR "
            "can break production, so the change failure rate rises with batch size"
        )
    elif kind == "stalled_prs":
        team.stalled_share, magnitude = 0.4, 0.4
        note = "about 40% of pull requests wait days for a first review, some never get one"
    elif kind == "process_change":
        week = max(1, round(span.weeks * 0.55))
        team.change_week, team.change_before, team.change_after = week, 2.2, 0.8
        magnitude = round(0.8 / 2.2 - 1, 2)
        note = "review SLA introduced: median pickup time drops sharply from this week"
    team.planted.append(
        Planted(
            team=team.slug,
            kind=kind,
            first_week=span.week_label(week),
            magnitude=magnitude,
            note=note,
        )
    )


def _size(i: int, rng: random.Random, plant_kind: str | None) -> int:
    if i < len(_DESIGNED):
        return int(_DESIGNED[i]["size"])  # type: ignore[call-overload]
    low = 5 if plant_kind in ("after_hours_creep", "review_load_concentration") else 3
    return max(low, weighted(rng, range(3, 13), (2, 3, 5, 7, 9, 10, 9, 7, 5, 4)))


@dataclass(slots=True)
class World:
    """The org as written to org.json plus the runtime profiles the generators need."""

    org: Org
    teams: list[TeamSpec]


def build_world(seed: int, n_teams: int, span: Span) -> World:
    """Draw teams, people, repositories and services; deterministic in (seed, n_teams, span)."""
    tables: dict[str, OffsetTable] = {}

    def table(tz: str) -> OffsetTable:
        if tz not in tables:
            tables[tz] = OffsetTable(ZoneInfo(tz), span)
        return tables[tz]

    first, last = span.day_date(-7), span.day_date(span.days + 30)
    holidays: dict[str, frozenset[int]] = {}

    def hol(tz: str) -> frozenset[int]:
        if tz not in holidays:
            holidays[tz] = frozenset(
                (d - span.start_date).days for d in public_holidays(tz, first, last)
            )
        return holidays[tz]

    used: dict[str, int] = {}
    people: list[Person] = []
    repos: list[Repo] = []
    services: list[dict[str, str]] = []
    teams: list[TeamSpec] = []
    org_teams: list[Team] = []
    for i in range(n_teams):
        spec = _team_spec(i, seed, span)
        rng = rng_for(seed, "people", i)
        plant_kind = spec.planted[0]["kind"] if spec.planted else None
        size = _size(i, rng, plant_kind)
        workdays = (True, True, True, True, True, False, False)
        spec.cal = Calendar(
            table(spec.tz), spec.work_start * HOUR, spec.work_end * HOUR, workdays, hol(spec.tz)
        )
        for m in range(size):
            first_name = rng.choice(names.FIRST_NAMES)
            last_name = rng.choice(names.LAST_NAMES)
            base = f"{_ascii(first_name)}-{_ascii(last_name)}"
            n = used.get(base, 0)
            used[base] = n + 1
            login = base if n == 0 else f"{base}{n + 1}"
            if spec.index < 3:
                tz = "UTC" if m == size - 1 else spec.tz
            else:
                tz = spec.tz if rng.random() < 0.8 else rng.choice(ZONES)
            shift = weighted(rng, (-1, 0, 1), (2, 6, 2)) if spec.index >= 3 else 0
            off = set(hol(tz))
            for _ in range(max(1, span.weeks // 13)):
                start = rng.randrange(0, max(1, span.days - 10))
                off.update(range(start, start + rng.randint(5, 10)))
            cal = Calendar(
                table(tz),
                (spec.work_start + shift) * HOUR,
                (spec.work_end + shift) * HOUR,
                workdays,
                frozenset(off),
            )
            weight = lognormal(rng, 1.0, 0.3)
            if m < spec.heavy_reviewers:
                weight = 8.0
            elif spec.heavy_reviewers:
                weight = 0.35
            member = Member(
                login=login,
                name=f"{first_name} {last_name}",
                cal=cal,
                review_weight=weight,
                jira_id=hex_id(rng),
                linear_id=uuid_from(rng),
                pd_id=f"PU{base36(len(people) + 1, 5)}",
            )
            spec.members.append(member)
            people.append(
                Person(
                    login=login,
                    name=member.name,
                    tz=tz,
                    is_bot=False,
                    team=spec.slug,
                    jira_account_id=member.jira_id,
                    linear_id=member.linear_id,
                    pagerduty_id=member.pd_id,
                    gitlab_username=login,
                )
            )
        design = _DESIGNED[i] if i < len(_DESIGNED) else {}
        gitlab_slot = design.get("gitlab") if design else (0 if rng.random() < 0.12 else None)
        for j, (suffix, kind, weight) in enumerate(_REPO_LAYOUT[spec.kind]):
            domain = spec.name.lower().replace(" ", "")
            host = "gitlab" if gitlab_slot == j else "github"
            sid = f"PS{base36(len(services) + 1, 5)}"
            full = f"{names.ORG_NAME}/{domain}-{suffix}"
            bot = None
            r = rng.random()
            if host == "gitlab":
                bot = "renovate[bot]" if r < 0.6 else None
            elif r < 0.5:
                bot = "dependabot[bot]"
            elif r < 0.8:
                bot = "renovate[bot]"
            spec.repos.append(
                RepoSpec(
                    full, kind, host, weight, bot, kind == "product", sid, f"{domain}-{suffix}"
                )
            )
            repos.append(
                Repo(full_name=full, kind=kind, team=spec.slug, default_branch="main", host=host)  # type: ignore[typeddict-item]
            )
            services.append(
                {"id": sid, "name": f"{domain}-{suffix}", "team": spec.slug, "repo": full}
            )
        leads = [f"U0{spec.code}LEAD{team_code(k)}" for k in range(1 if size < 9 else 2)]
        org_teams.append(
            Team(
                slug=spec.slug,
                name=spec.name,
                tz=spec.tz,
                working_days=[1, 2, 3, 4, 5],
                work_start=f"{spec.work_start:02d}:00",
                work_end=f"{spec.work_end:02d}:00",
                members=[m.login for m in spec.members],
                leads=leads,
                slack_channel=f"C0TEAM{spec.code}",
                repos=[r.full_name for r in spec.repos],
                pagerduty_services=[r.service_id for r in spec.repos],
                jira_projects=[spec.tracker_key] if spec.tracker == "jira" else [],
                linear_teams=[spec.tracker_key] if spec.tracker == "linear" else [],
                gitlab_projects=[r.full_name for r in spec.repos if r.host == "gitlab"],
            )
        )
        teams.append(spec)
    for k, bot in enumerate(BOTS):
        bot_rng = rng_for(seed, "bot", bot)
        people.append(
            Person(
                login=bot,
                name=bot,
                tz="UTC",
                is_bot=True,
                team=None,
                jira_account_id=hex_id(bot_rng),
                linear_id=uuid_from(bot_rng),
                pagerduty_id=f"PB{base36(k + 1, 5)}",
                gitlab_username=bot.replace("[bot]", "-bot"),
            )
        )
    org = Org(
        name=names.ORG_NAME,
        seed=seed,
        start=span.start_date.isoformat(),
        end=utc(span.end),
        teams=org_teams,
        people=people,
        repos=sorted(repos, key=lambda r: r["full_name"]),
        services=services,
    )
    return World(org=org, teams=teams)


__all__ = ["BOTS", "DAY", "Member", "RepoSpec", "TeamSpec", "World", "build_world"]
