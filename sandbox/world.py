"""The on-disk format of a simulated world: the contract between the simulator and the fakes.

`metrics-bot simulate --out DIR` writes a world; `metrics-bot sandbox DIR` serves it through
local fakes of GitHub, GitLab, Jira, Linear, PagerDuty and Slack. Nothing outside `sandbox/`
reads these files: the rest of metrics-bot sees the world only over HTTP, as it would see the
real services.

Layout of DIR (all JSON Lines files are UTF-8, one object per line, sorted as stated):

    DIR/org.json                      Org: teams, people, repositories, services
    DIR/ground_truth.json             list[Planted]: what the simulator planted (tests only)
    DIR/github/pulls.jsonl            Pull, sorted by (repo, number)
    DIR/github/deployments.jsonl      Deployment, sorted by (repo, id)
    DIR/github/workflow_runs.jsonl    WorkflowRun, sorted by (repo, id)
    DIR/github/releases.jsonl         Release, sorted by (repo, id)
    DIR/github/issues.jsonl           Issue (incident-labelled and others), sorted by (repo, number)
    DIR/pagerduty/incidents.jsonl     PdIncident, sorted by created_at
    DIR/jira/issues.jsonl             WorkItem with source "jira", sorted by key
    DIR/linear/issues.jsonl           WorkItem with source "linear", sorted by key
    DIR/gitlab/merge_requests.jsonl   Pull (repo = GitLab project path), sorted by (repo, number)
    DIR/gitlab/deployments.jsonl      Deployment (repo = GitLab project path)
    DIR/tracker/delivery_targets.jsonl  DeliveryTargetSpec (Jira epics, Linear projects and
                                      milestones), sorted by (source, project, created_at)
    DIR/tracker/planted.json          list[Planted]: tracker causes of delay (requirement
                                      churn, blocking dependency); tests and evaluation only

Timestamps are ISO 8601 strings. Instants in UTC end with "Z"; commit author dates carry the
author's local offset (e.g. "2026-11-24T22:30:00-08:00"), as git records them.
Logins of bots end with "[bot]" (GitHub's convention) and have `is_bot` true.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class Person(TypedDict):
    login: str  # GitHub login; also the Jira/Linear/PagerDuty identity via the fields below
    name: str
    tz: str  # IANA zone, e.g. "Europe/Berlin"
    is_bot: bool
    team: str | None  # team slug; None for bots
    jira_account_id: str
    linear_id: str
    pagerduty_id: str
    gitlab_username: str


class Repo(TypedDict):
    full_name: str  # "org/name"
    kind: Literal["product", "platform", "legacy", "infrastructure"]
    team: str
    default_branch: str
    host: Literal["github", "gitlab"]


class Team(TypedDict):
    slug: str  # "team-a"
    name: str
    tz: str
    working_days: list[int]  # ISO weekday numbers, 1 = Monday
    work_start: str  # "09:00"
    work_end: str  # "17:00"
    members: list[str]  # logins
    leads: list[str]  # Slack user ids, e.g. "U0TEAMALEAD"
    slack_channel: str  # channel id, e.g. "C0TEAMA"
    repos: list[str]  # full names
    pagerduty_services: list[str]  # service ids
    jira_projects: list[str]  # project keys
    linear_teams: list[str]  # Linear team keys
    gitlab_projects: list[str]  # project paths


class Org(TypedDict):
    name: str  # GitHub org login
    seed: int
    start: str  # first day simulated, "2026-01-05"
    end: str  # the simulation's "now", UTC instant
    teams: list[Team]
    people: list[Person]
    repos: list[Repo]
    services: list[dict[str, str]]  # {"id", "name", "team"} PagerDuty services


class Commit(TypedDict):
    sha: str  # 40 hex
    author: str  # login
    authored_at: str  # with the author's local offset
    committed_at: str  # UTC "Z"
    message: str
    additions: int
    deletions: int


class Review(TypedDict):
    id: int
    node_id: str
    author: str
    state: Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"]
    submitted_at: str


class TimelineEvent(TypedDict):
    type: Literal[
        "REVIEW_REQUESTED", "READY_FOR_REVIEW", "CONVERT_TO_DRAFT", "CLOSED", "REOPENED", "MERGED"
    ]
    at: str
    actor: str
    reviewer: NotRequired[str]  # for REVIEW_REQUESTED


class Pull(TypedDict):
    repo: str
    number: int
    id: int  # REST database id
    node_id: str  # GraphQL id
    title: str
    body: str
    author: str
    head_ref: str  # branch name, e.g. "feat/login-flow"
    base_ref: str
    created_at: str
    updated_at: str  # max of every event time on the PR
    is_draft: bool  # draft now
    state: Literal["OPEN", "CLOSED", "MERGED"]
    merged_at: str | None
    closed_at: str | None
    merge_commit_sha: str | None
    merged_by: str | None
    additions: int
    deletions: int
    changed_files: int
    labels: list[str]
    commits: list[Commit]  # oldest first
    reviews: list[Review]  # oldest first
    timeline: list[TimelineEvent]  # oldest first
    reverts: NotRequired[int]  # number of the PR this one reverts, same repo


class DeploymentStatus(TypedDict):
    id: int
    state: Literal["queued", "in_progress", "success", "failure", "error", "inactive"]
    created_at: str


class Deployment(TypedDict):
    repo: str
    id: int
    node_id: str
    sha: str  # a merge commit sha of a merged PR of this repo
    ref: str
    environment: str  # "production" or "staging"
    created_at: str
    updated_at: str
    creator: str
    statuses: list[DeploymentStatus]  # oldest first


class WorkflowRun(TypedDict):
    repo: str
    id: int
    name: str  # "CI" or "Deploy"
    head_branch: str
    head_sha: str
    event: str
    status: Literal["completed", "in_progress", "queued"]
    conclusion: str | None  # success, failure, cancelled, ...
    created_at: str
    updated_at: str
    run_started_at: str
    run_attempt: int
    # "owner/name" of a fork whose pull request this run tests; absent: the repository itself
    head_repository: NotRequired[str]


class Release(TypedDict):
    repo: str
    id: int
    tag_name: str
    name: str
    created_at: str
    published_at: str
    author: str


class Issue(TypedDict):
    repo: str
    number: int
    id: int
    title: str
    author: str
    labels: list[str]  # incidents carry "incident"
    state: Literal["open", "closed"]
    created_at: str
    updated_at: str
    closed_at: str | None


class PdLogEntry(TypedDict):
    id: str
    type: str  # "trigger_log_entry", "notify_log_entry", "acknowledge_log_entry", ...
    created_at: str
    agent: NotRequired[str]  # pagerduty user id of the responder, for notify/acknowledge


class PdIncident(TypedDict):
    id: str
    incident_number: int
    title: str
    service: str  # service id
    urgency: Literal["high", "low"]
    status: Literal["triggered", "acknowledged", "resolved"]
    created_at: str
    updated_at: str
    resolved_at: str | None
    log_entries: list[PdLogEntry]  # oldest first
    caused_by_deployment: NotRequired[int]  # simulator's truth, never served


class StatusChange(TypedDict):
    at: str
    author: str  # source account id
    from_status: str
    to_status: str


class WorkItem(TypedDict):
    source: Literal["jira", "linear"]
    key: str  # "PAY-12"
    id: str
    project: str  # Jira project key or Linear team key
    title: str
    type: str  # Jira issue type name ("Story", "Bug", "Task"...) or Linear label-derived
    labels: list[str]
    status: str  # current status name
    status_category: Literal["new", "indeterminate", "done"]
    created_at: str
    updated_at: str
    resolved_at: str | None
    assignee: str | None  # source account id
    transitions: list[StatusChange]  # oldest first
    # issue 17: what an item belongs to and what happened to it besides its status
    parent: NotRequired[str | None]  # the epic's key (Jira) or the project's id (Linear)
    due_on: NotRequired[str | None]  # "2027-01-15"
    changes: NotRequired[list[FieldChange]]  # oldest first
    links: NotRequired[list[ItemLink]]


class FieldChange(TypedDict):
    """A non-status change in the tracker's history, as the tracker names the field."""

    at: str
    author: str  # source account id
    field: str  # Jira: "assignee", "description", "summary", "Story Points", "Epic Link",
    # "Parent", "Sprint", "Flagged", "Link"; Linear: the IssueHistory attribute it changed
    from_value: str | None
    to_value: str | None


class ItemLink(TypedDict):
    kind: Literal["blocks", "is blocked by", "relates to"]
    key: str  # the other item's key
    at: str


class DeliveryTargetSpec(TypedDict):
    """A Jira epic or a Linear project or milestone, with its target date and the truth."""

    source: Literal["jira", "linear"]
    kind: Literal["epic", "project", "milestone"]
    key: str  # Jira epic key; Linear project id
    id: str
    project: str  # Jira project key or Linear team key
    name: str
    created_at: str
    target_on: str | None  # "2027-01-15"
    status_category: Literal["new", "indeterminate", "done"]
    resolved_at: str | None
    slip_cause: NotRequired[str | None]  # simulator's truth, never served
    parent: NotRequired[str]  # a Linear milestone's project id


class Planted(TypedDict):
    team: str
    kind: str  # the insight kind that should report it, e.g. "review_bottleneck"
    first_week: str  # ISO week, "2026-W32"
    magnitude: float  # e.g. 0.4 = 40 % slower than peers
    note: str


WORLD_FILES = {
    "pulls": "github/pulls.jsonl",
    "deployments": "github/deployments.jsonl",
    "workflow_runs": "github/workflow_runs.jsonl",
    "releases": "github/releases.jsonl",
    "issues": "github/issues.jsonl",
    "pd_incidents": "pagerduty/incidents.jsonl",
    "jira_issues": "jira/issues.jsonl",
    "linear_issues": "linear/issues.jsonl",
    "gitlab_mrs": "gitlab/merge_requests.jsonl",
    "gitlab_deployments": "gitlab/deployments.jsonl",
    "delivery_targets": "tracker/delivery_targets.jsonl",
}
