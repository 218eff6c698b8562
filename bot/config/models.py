"""The typed config models, one per section of `metrics-bot.yaml`."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from analytics.context import MIN_GROUP_SIZE
from bot.config.base import WEEKDAYS, Strict, check_tz, parse_duration
from bot.config.leaders import LeadershipConfig, ReportConfig, RetentionConfig, slack_user
from bot.config.people import PeopleConfig
from bot.config.secrets import SecretRef, secret_field
from bot.config.urls import url_field


def check_goals(goals: tuple[str, ...], day_hours: float, working_days: int) -> None:
    """Each goal of a team reads (bot/goals/grammar.py); a relative one names its start."""
    from analytics.registry import METRICS
    from bot.goals.grammar import GoalError, Team, parse_goal

    for text in goals:
        try:
            goal = parse_goal(text, METRICS, Team(day_hours, working_days))
        except GoalError as exc:
            raise ValueError(f"goal {text!r}: {str(exc).replace('`', '')}") from None
        if goal.relative and goal.start is None:
            raise ValueError(
                f"goal {text!r}: a relative goal in the config needs its start, e.g. "
                f"'{text} from 2026-10-01' (its reference is the 12 weeks before)"
            )


class Identity(Strict):
    """One person as the sources know them; only hashed before storage."""

    github: str | None = None
    gitlab: str | None = None
    jira: str | None = None
    linear: str | None = None
    pagerduty: str | None = None
    tz: str | None = None
    slack: str | None = None
    """Their Slack member id: lets them annotate their team's weeks, start experiments,
    answer the team pulse, and see their team's figures and goals on App Home. Never a
    source identity: nothing is measured by it, never hashed into delivery rows, never shown."""

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_tz(value)

    @field_validator("slack")
    @classmethod
    def _slack(cls, value: str | None) -> str | None:
        return None if value is None else slack_user(value)

    def identities(self) -> list[tuple[str, str]]:
        """(source, identity) pairs this person is known by."""
        pairs = [("github", self.github), ("gitlab", self.gitlab), ("jira", self.jira)]
        pairs += [("linear", self.linear), ("pagerduty", self.pagerduty)]
        return [(source, ident) for source, ident in pairs if ident]


class RepoConfig(Strict):
    """A repository a team owns; in a monorepo, `paths` are the prefixes it owns."""

    name: str
    kind: Literal["product", "platform", "legacy", "infrastructure"] = "product"
    paths: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[\w.-]+(/[\w.-]+)+", value):
            raise ValueError(f"{value!r} is not owner/name (e.g. acme/payments)")
        return value


class FeedbackConfig(Strict):
    """How leads' votes tune a team's detectors."""

    pool_across_teams: bool = False
    """Off: only this team's leads' votes move its thresholds. On: other teams' votes on the
    same kind of finding inform them too."""


class TeamConfig(Strict):
    """A team: where it talks, when it works, what it owns, who leads it."""

    slug: str
    name: str
    slack_channel: str
    tz: str = "UTC"
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    working_hours: str = "09:00-17:00"
    members: tuple[Identity, ...] = ()
    leads: tuple[str, ...] = ()
    repositories: tuple[RepoConfig, ...] = ()
    jira_projects: tuple[str, ...] = ()
    linear_teams: tuple[str, ...] = ()
    gitlab_projects: tuple[str, ...] = ()
    pagerduty_services: tuple[str, ...] = ()
    detectors: dict[str, bool] = Field(default_factory=dict)
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)
    pulse: bool = False
    """A one-question check-in (1–5, an optional word) in the weekly digest, shown only as a
    team aggregate of at least 5 answers."""
    goals: tuple[str, ...] = ()
    """Working agreements as the team writes them (bot/goals/grammar.py), e.g.
    "review-time < 1 working day"; `/metrics goal` adds more in Slack."""
    forecast_risk_below: float = Field(default=0.3, ge=0.0, le=1.0)
    """The digest flags an epic or project of the team when its forecast chance of meeting
    its target date falls below this (bot/core/forecast.py)."""

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", value):
            raise ValueError(f"{value!r}: use lowercase letters, digits and dashes (team-a)")
        return value

    @field_validator("slack_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
            raise ValueError(
                f"{value!r} is not a Slack channel id: copy it from the channel's details "
                "(it starts with C, e.g. C0123ABCD)"
            )
        return value

    @field_validator("leads")
    @classmethod
    def _leads(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(slack_user(lead) for lead in value)

    @model_validator(mode="after")
    def _goals(self) -> TeamConfig:
        check_goals(self.goals, self.day_hours, len(self.working_days))
        return self

    @model_validator(mode="after")
    def _pulse_needs_people(self) -> TeamConfig:
        if self.pulse and len(self.slack_people) < MIN_GROUP_SIZE:
            raise ValueError(
                f"pulse: true needs at least {MIN_GROUP_SIZE} people with a Slack id (members' "
                f"`slack:` and leads), {len(self.slack_people)} given: below that no answer "
                "could ever be shown"
            )
        return self

    @property
    def slack_people(self) -> frozenset[str]:
        """Slack member ids of everyone on the team: members with a `slack:` id, and leads."""
        return frozenset(m.slack for m in self.members if m.slack) | frozenset(self.leads)

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_tz(value)

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in value if d.lower()[:3] not in WEEKDAYS]
        if bad or not value:
            raise ValueError(f"unknown day(s) {bad}: use mon, tue, wed, thu, fri, sat, sun")
        return tuple(d.lower()[:3] for d in value)

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
        if not match:
            raise ValueError(f"{value!r}: write working hours as HH:MM-HH:MM, e.g. 09:00-17:30")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 < 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
            raise ValueError(f"{value!r}: the start must be before the end, within one day")
        return value

    @property
    def work_window(self) -> tuple[time, time]:
        """(start, end) of the working day in the team's zone."""
        start, end = (part.strip() for part in self.working_hours.split("-"))
        end_time = time.max if end.startswith("24") else time.fromisoformat(end.zfill(5))
        return time.fromisoformat(start.zfill(5)), end_time

    @property
    def day_hours(self) -> float:
        """Hours in one working day ("1 working day" in a goal)."""
        start, end = self.work_window
        seconds = (
            (end.hour * 60 + end.minute) * 60
            + end.second
            - ((start.hour * 60 + start.minute) * 60 + start.second)
        )
        return round(seconds / 3600, 2)

    @property
    def working_day_numbers(self) -> tuple[int, ...]:
        """ISO weekday numbers (1 = Monday)."""
        return tuple(WEEKDAYS[d] for d in self.working_days)


class GitHubConfig(Strict):
    """GitHub or GitHub Enterprise (set `api_url`, e.g. https://github.example.com/api/v3)."""

    api_url: str = "https://api.github.com"
    graphql_url: str | None = None
    token: Annotated[SecretRef, Field()] = SecretRef(env="GITHUB_TOKEN")
    incident_labels: tuple[str, ...] = ("incident",)
    production_environments: tuple[str, ...] = ("production", "prod")
    deploy_workflows: tuple[str, ...] = ()
    bot_patterns: tuple[str, ...] = ()
    sync_every: str = "30m"
    lookback: str = "2d"

    no_literal_secret = field_validator("token", mode="before")(secret_field)
    plain_urls = field_validator("api_url", "graphql_url")(url_field)


class ApiSourceConfig(Strict):
    """PagerDuty, Jira, Linear or GitLab: a base URL and a token; details in their issue."""

    url: str
    token: SecretRef
    email: str | None = None  # Jira Cloud basic auth user
    sync_every: str = "30m"
    lookback: str = "2d"

    no_literal_secret = field_validator("token", mode="before")(secret_field)
    plain_url = field_validator("url")(url_field)


class SourcesConfig(Strict):
    """Which systems to read; leave one out to skip it."""

    github: GitHubConfig | None = None
    gitlab: ApiSourceConfig | None = None
    jira: ApiSourceConfig | None = None
    linear: ApiSourceConfig | None = None
    pagerduty: ApiSourceConfig | None = None


class SlackConfig(Strict):
    """Slack credentials (from the environment by default) and the leadership channel."""

    bot_token: SecretRef = SecretRef(env="SLACK_BOT_TOKEN")
    signing_secret: SecretRef = SecretRef(env="SLACK_SIGNING_SECRET")
    app_token: SecretRef | None = None
    api_url: str | None = None
    leadership_channel: str | None = None

    no_literal_secrets = field_validator("bot_token", "signing_secret", "app_token", mode="before")(
        secret_field
    )
    plain_url = field_validator("api_url")(url_field)


class Thresholds(Strict):
    """What counts as small or large, how far incidents reach back, the privacy floor."""

    pr_size_buckets: tuple[int, ...] = (50, 200, 800)
    incident_attribution_window: str = "24h"
    min_group_size: int = MIN_GROUP_SIZE
    stall_days: float = 3.0

    @field_validator("min_group_size")
    @classmethod
    def _privacy_floor(cls, value: int) -> int:
        if value < MIN_GROUP_SIZE:
            raise ValueError(
                f"min_group_size {value} is below {MIN_GROUP_SIZE}: people-based figures "
                f"need a group of at least {MIN_GROUP_SIZE} (raise it, never lower it)"
            )
        return value

    @field_validator("pr_size_buckets")
    @classmethod
    def _buckets(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or value[0] <= 0:
            raise ValueError("pr_size_buckets must be increasing positive line counts")
        return value

    @field_validator("incident_attribution_window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def incident_window(self) -> timedelta | None:
        """The attribution window; None means "until the next deployment"."""
        return parse_duration(self.incident_attribution_window)


class DigestSchedule(Strict):
    """When a digest goes out, in each team's own time zone."""

    day: str = "mon"
    time: str = "09:30"
    enabled: bool = True

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value.lower()[:3] not in WEEKDAYS:
            raise ValueError(f"{value!r}: use mon, tue, wed, thu, fri, sat or sun")
        return value.lower()[:3]

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            time.fromisoformat(value.zfill(5))
        except ValueError:
            raise ValueError(f"{value!r}: use HH:MM, e.g. 09:30") from None
        return value


class Schedules(Strict):
    """The review cadences: the teams' weekly digest (each team's zone), the leaders' weekly
    cross-team digest (`leadership.tz`), the leads' biweekly one (each team's zone) and the
    quarterly report (`leadership.tz`, on `day` of the first week of each quarter)."""

    team_digest: DigestSchedule = DigestSchedule()
    leaders_digest: DigestSchedule = DigestSchedule(day="mon", time="10:00")
    leads_digest: DigestSchedule = DigestSchedule(day="fri", time="15:00", enabled=False)
    quarterly_report: DigestSchedule = DigestSchedule(day="mon", time="10:00")


MAX_PHILOSOPHY = 2800


class AppConfig(Strict):
    """The whole configuration file."""

    database_url: str = "sqlite:///metrics-bot.db"
    database_password: SecretRef | None = None
    """The database password, kept out of the URL (e.g. the file PostgreSQL's image reads)."""
    pseudonym_key: SecretRef = SecretRef(env="METRICS_BOT_PSEUDONYM_KEY")
    webhook_secret: SecretRef | None = None
    slack: SlackConfig = SlackConfig()
    sources: SourcesConfig = SourcesConfig()
    thresholds: Thresholds = Thresholds()
    schedules: Schedules = Schedules()
    people: PeopleConfig = PeopleConfig()
    leadership: LeadershipConfig = LeadershipConfig()
    report: ReportConfig = ReportConfig()
    retention: RetentionConfig = RetentionConfig()
    philosophy: str = ""
    """The organisation's own statement of how its metrics are used; shown as written by
    `/metrics about` and App Home."""
    teams: tuple[TeamConfig, ...]

    no_literal_secrets = field_validator(
        "pseudonym_key", "webhook_secret", "database_password", mode="before"
    )(secret_field)

    @field_validator("philosophy")
    @classmethod
    def _philosophy(cls, value: str) -> str:
        if len(value) > MAX_PHILOSOPHY:
            raise ValueError(
                f"philosophy is {len(value):,} characters: keep it under {MAX_PHILOSOPHY:,} "
                "(it is shown as written, in one Slack section)"
            )
        return value

    @model_validator(mode="after")
    def _unique_slugs(self) -> AppConfig:
        seen: set[str] = set()
        for team in self.teams:
            if team.slug in seen:
                raise ValueError(f"team slug {team.slug!r} is used twice: slugs must be unique")
            seen.add(team.slug)
        for name, members in self.leadership.groups.items():
            unknown = [m for m in members if m not in seen]
            if unknown:
                raise ValueError(
                    f"leadership group {name!r} names {unknown}, not a team slug "
                    f"(teams: {sorted(seen)})"
                )
        return self

    def team(self, slug: str) -> TeamConfig | None:
        """The team with this slug, or None."""
        return next((t for t in self.teams if t.slug == slug), None)
