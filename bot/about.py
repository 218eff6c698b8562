"""What the bot collects, from where, what it never collects, who sees what, how long data
is kept, and the organisation's own words on how its metrics are used (pure, from the config).

`/metrics about`, App Home and `metrics-bot about` all show these same facts. Everything here
is about the org as configured: sources and settings, never a person or a person's number.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.persons import MIN_WORK_PEOPLE
from bot.config import AppConfig

SOURCE_WHAT: dict[str, tuple[str, str]] = {
    "github": (
        "GitHub",
        "pull requests (times, state, size in lines, title, labels), their reviews, review "
        "requests and commits (times and UTC offset, size, subject), deployments and their "
        "statuses, Actions workflow runs, releases, issues labelled as incidents, and each "
        "account's type (user or bot, to leave bots out)",
    ),
    "gitlab": (
        "GitLab",
        "merge requests (times, state, size, title, labels), their approvals and notes' "
        "times, commits, deployments and pipelines, and each account's bot flag (to leave "
        "bots out)",
    ),
    "jira": (
        "Jira",
        "issues of the configured projects: type, status and status changes with their "
        "times, labels, title, parent epic, due date and links (blocks, relates); when "
        "the description, summary, story points, assignee, epic, sprint or flag changed "
        "(that it changed, never the text or the person); epics with their due date; and "
        "the time zone on each person's profile (after-hours is judged on their own clock)",
    ),
    "linear": (
        "Linear",
        "issues of the configured teams: state and state changes with their times, labels, "
        "title, project and milestone, due date and relations (blocks, related); when the "
        "description, title, estimate, assignee or project changed (that it changed, never "
        "the text or the person); the teams' projects and milestones with their target dates",
    ),
    "pagerduty": (
        "PagerDuty",
        "incidents of the configured services (start, acknowledgement, resolution, urgency) "
        "and the pages they sent (when); and each responder's profile time zone (pages out "
        "of hours are judged on their own clock)",
    ),
}
WEBHOOKS = (
    "Webhooks",
    "deployments and incidents your CD and incident tools send to /webhooks/* (signed)",
)
SLACK_WHAT = (
    "Slack",
    "leads' votes (👍/👎, an optional reason) and snoozes on findings, goals leads save, "
    "annotations and experiments people start, and team pulse answers (kept as one weekly "
    "aggregate once the week closes, shown only from 5 answers); the bot reads no messages "
    "other than its own digests",
)
NEVER = (
    "No per-person number, anywhere: not in Slack, the CLI, the JSON output or the logs.",
    "No names, e-mail addresses or logins in the store: people are kept only as a keyed "
    "hash of their source identity, to count them as a team.",
    "No code, diffs or file contents; no message contents from Slack or chat tools.",
    "No calendars, keystrokes, screen time, meetings or activity outside the sources above.",
)


@dataclass(frozen=True)
class Source:
    """One source the config turns on, and what is read from it."""

    key: str
    name: str
    what: str


@dataclass(frozen=True)
class About:
    """The facts `/metrics about` and App Home show."""

    sources: tuple[Source, ...]
    never: tuple[str, ...]
    who_sees: tuple[str, ...]
    min_group_size: int
    retention: str
    philosophy: str


def configured_sources(config: AppConfig) -> tuple[Source, ...]:
    """Every source the config turns on (each section present), then webhooks and Slack."""
    found = [
        Source(key, *SOURCE_WHAT.get(key, (key, "as its section configures")))
        for key, section in config.sources
        if section is not None
    ]
    if config.webhook_secret is not None:
        found.append(Source("webhooks", *WEBHOOKS))
    found.append(Source("slack", *SLACK_WHAT))
    return tuple(found)


def who_sees(config: AppConfig) -> tuple[str, ...]:
    """Who sees what, in the bot's own rules."""
    leaders = len(config.leadership.people)
    return (
        "Everyone: any team's team-level figures with `/metrics`; the team's weekly digest "
        "in its channel.",
        "Team members (their Slack id in the config): their own team's figures and goals on "
        "App Home.",
        "Team leads: also the findings feedback kept out of the digest, their votes waiting, "
        "snoozes, and the biweekly leads' digest by direct message; only leads vote, snooze "
        "and save goals.",
        f"Engineering leaders ({leaders} configured): the org view on App Home, the weekly "
        "cross-team digest and the quarterly report"
        + (" in the leadership channel." if config.slack.leadership_channel else "."),
        "No one: a per-person figure. People-based figures are for groups only.",
    )


def retention_text(config: AppConfig) -> str:
    """How long raw rows are kept, and how a person is erased on request."""
    age = config.retention.raw_data_age
    kept = (
        f"Raw rows (pull requests, reviews, commits, deployments, CI runs, incidents, pages, "
        f"work items) older than {config.retention.raw_data} are deleted daily."
        if age is not None
        else "Raw rows are kept until deleted: no retention period is configured "
        "(`retention: {raw_data: 730d}`)."
    )
    return (
        kept + " Anyone can be erased on request (`metrics-bot purge --person`); findings, "
        "votes and digests sent are kept as the record of what the bot said."
    )


def about(config: AppConfig) -> About:
    """The facts for this config."""
    return About(
        sources=configured_sources(config),
        never=NEVER,
        who_sees=who_sees(config),
        min_group_size=config.thresholds.min_group_size,
        retention=retention_text(config),
        philosophy=config.philosophy.strip(),
    )


def about_text(facts: About) -> str:
    """The facts as plain text (`metrics-bot about`)."""
    lines = ["What metrics-bot collects", ""]
    lines += [f"- {s.name}: {s.what}" for s in facts.sources]
    lines += ["", "What it never collects"]
    lines += [f"- {n}" for n in facts.never]
    lines += ["", "Who sees what"] + [f"- {w}" for w in facts.who_sees]
    lines += [
        "",
        f"Minimum group size: figures built from people's activity (after-hours work, review "
        f"load, out-of-hours pages) are shown only for groups of at least "
        f"{facts.min_group_size} people; figures built from people's work (review time, lead "
        f"time, throughput, PR size and the like) need at least {MIN_WORK_PEOPLE} people; "
        "below that they are withheld with the reason. Deployments, change failures and "
        "recovery describe services and are always shown.",
        "",
        f"How long data is kept: {facts.retention}",
    ]
    if facts.philosophy:
        lines += ["", "How we use these metrics (in our own words)", facts.philosophy]
    return "\n".join(lines)
