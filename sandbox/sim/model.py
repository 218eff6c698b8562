"""In-memory records of one repository's history, before numbering and serialisation.

They hold instants as epoch seconds and point at each other (a revert at the pull request it
reverts, an incident at the deployment behind it); numbers and ids are given at the end,
once the whole repository is known, and anything after the world's "now" is cut then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(slots=True)
class SimCommit:
    t: float
    author: str
    tz: ZoneInfo
    sha: str
    message: str
    additions: int
    deletions: int


@dataclass(slots=True)
class SimReview:
    t: float
    author: str
    state: str
    dismissed_at: float | None = None


@dataclass(slots=True)
class SimRun:
    """A CI run requested at `t` for `sha`; outcome drawn at serialisation."""

    t: float
    sha: str
    branch: str
    event: str
    name: str = "CI"
    done: float | None = None  # finish time when already known (Deploy runs)
    conclusion: str | None = None


@dataclass(slots=True)
class SimPull:
    created: float
    author: str
    is_bot: bool
    title: str
    body: str
    head_ref: str
    labels: list[str]
    draft: bool
    commits: list[SimCommit] = field(default_factory=list)
    reviews: list[SimReview] = field(default_factory=list)
    events: list[tuple[float, str, str, str]] = field(default_factory=list)  # t, type, actor, rev
    runs: list[SimRun] = field(default_factory=list)
    merged_at: float | None = None
    merged_by: str | None = None
    merge_sha: str | None = None
    additions: int = 0
    deletions: int = 0
    changed_files: int = 1
    reverts: SimPull | None = None
    incident: SimIncident | None = None  # resolved once this revert is deployed
    number: int = 0


@dataclass(slots=True)
class SimDeployment:
    t: float
    sha: str
    env: str
    creator: str
    statuses: list[tuple[float, str]]
    event: str
    shipped: int = 0
    id: int = 0


@dataclass(slots=True)
class SimIncident:
    t: float
    title: str
    service: str
    urgency: str
    responder_pd: str
    responder_login: str
    ack: float
    resolved: float | None
    caused_by: SimDeployment | None = None
    issue: bool = False


@dataclass(slots=True)
class SimIssue:
    created: float
    author: str
    title: str
    labels: list[str]
    closed: float | None
    number: int = 0
