"""Typed, frozen inputs the application shell builds from the YAML config.

Analytics never reads configuration or the environment itself: the shell parses the config
once and passes these values down (DESIGN.md, "The shape").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from analytics.calendar import WorkCalendar

MIN_GROUP_SIZE = 5
"""People-based figures need at least this many people; configurable upward, never below."""


@dataclass(frozen=True)
class RepoInfo:
    """A repository owned by a team; `path_prefixes` non-empty means a shared monorepo where
    the team owns only those paths (as a CODEOWNERS file would say)."""

    full_name: str
    kind: str = "product"
    path_prefixes: tuple[str, ...] = ()

    @property
    def is_monorepo_share(self) -> bool:
        return bool(self.path_prefixes)


@dataclass(frozen=True)
class TeamContext:
    """One team as configured. `member_keys` are pseudonymous keys (store.people);
    `calendar` is its zone, working days and hours, built once with the team.

    `persons` groups those keys by the person they belong to: someone known to GitHub and
    to GitLab has two keys and is one person. Every privacy guard counts persons
    (`person_count`); a team built without `persons` counts each key as a person.
    """

    slug: str
    name: str = ""
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    member_keys: frozenset[str] = frozenset()
    repos: tuple[RepoInfo, ...] = ()
    services: tuple[str, ...] = ()
    jira_projects: tuple[str, ...] = ()
    linear_teams: tuple[str, ...] = ()
    min_group_size: int = MIN_GROUP_SIZE
    persons: tuple[frozenset[str], ...] = ()
    pool_feedback: bool = False
    """Learn this team's feedback tuning from every team's votes too (opt-in; default: the
    team's own votes only)."""

    def __post_init__(self) -> None:
        stray = frozenset().union(*self.persons) - self.member_keys if self.persons else None
        if stray:
            raise ValueError(f"persons of {self.slug} hold keys that are not member keys")
        if self.min_group_size < MIN_GROUP_SIZE:
            raise ValueError(
                f"min_group_size for {self.slug} is {self.min_group_size}; "
                f"it can be raised but never set below {MIN_GROUP_SIZE}"
            )

    @property
    def person_count(self) -> int:
        """How many people the team has: persons, not identities."""
        if not self.persons:
            return len(self.member_keys)
        grouped = frozenset().union(*self.persons)
        return len(self.persons) + len(self.member_keys - grouped)

    @property
    def tz(self) -> str:
        """The team's time zone (its calendar's)."""
        return self.calendar.tz

    @property
    def repo_names(self) -> tuple[str, ...]:
        return tuple(r.full_name for r in self.repos)

    @property
    def projects(self) -> tuple[str, ...]:
        """Jira project keys and Linear team keys: both land in WorkItem.project."""
        return (*self.jira_projects, *self.linear_teams)


@dataclass(frozen=True)
class Thresholds:
    """Org-wide knobs of the definitions.

    `incident_window`: how long after a deployment an incident is still attributed to it
    (DESIGN.md default 24 h); None means "until the next deployment".
    `working_hours_clock`: time to first review counts working hours unless asked otherwise.
    `baseline_weeks`: how many weeks every baseline covers, in the engine and the detectors.
    `stall_days`: a PR waiting longer than this many of its team's working days for a first
    review has stalled (the stalled-PR detector).
    """

    pr_size_buckets: tuple[int, ...] = (50, 200, 800)
    incident_window: timedelta | None = timedelta(hours=24)
    production_environments: tuple[str, ...] = ("production", "prod")
    working_hours_clock: bool = True
    baseline_weeks: int = 12
    stall_days: float = 3.0

    def __post_init__(self) -> None:
        if list(self.pr_size_buckets) != sorted(set(self.pr_size_buckets)):
            raise ValueError("pr_size_buckets must be strictly increasing")
        if not 8 <= self.baseline_weeks <= 12:
            raise ValueError("baseline_weeks must be between 8 and 12")
        if self.stall_days <= 0:
            raise ValueError("stall_days must be positive")

    def is_production(self, environment: str) -> bool:
        return environment.strip().lower() in {e.lower() for e in self.production_environments}


@dataclass(frozen=True)
class OrgContext:
    """Every team plus the org-wide thresholds."""

    teams: tuple[TeamContext, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        slugs = [t.slug for t in self.teams]
        if len(slugs) != len(set(slugs)):
            raise ValueError("team slugs must be unique")

    def team(self, slug: str) -> TeamContext:
        """The team called `slug`; KeyError (with close matches) otherwise."""
        for t in self.teams:
            if t.slug == slug:
                return t
        from analytics.names import suggest

        hint = suggest(slug, [t.slug for t in self.teams])
        raise KeyError(f"unknown team {slug!r}" + (f"; did you mean {hint!r}?" if hint else ""))

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(t.slug for t in self.teams)

    @cached_property
    def person_of(self) -> dict[str, str]:
        """Identity key -> the key that stands for its person, for keys of people with more
        than one identity (one per source): the person's smallest key, the same in every
        team the person is in. Keys not listed are their own person."""
        out: dict[str, str] = {}
        for team in self.teams:
            for keys in team.persons:
                if len(keys) > 1:
                    canonical = min(keys)
                    out.update((k, canonical) for k in keys if k != canonical)
        return out

    def all_member_keys(self, teams: Iterable[TeamContext] | None = None) -> frozenset[str]:
        chosen = self.teams if teams is None else tuple(teams)
        return frozenset().union(*(t.member_keys for t in chosen)) if chosen else frozenset()
