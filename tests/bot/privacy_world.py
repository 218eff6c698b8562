"""A small org for the privacy floors (issue 15, item 1), written straight into a store.

Two teams, both working every week: `team-four`, 4 people known by five identities each
(GitHub, GitLab, Jira, Linear, PagerDuty: 20 accounts), and `team-two`, 2 people on GitHub.
Each person merges a reviewed, deployed PR a week in every source they use, commits in and
out of hours, finishes an issue; each team's service has incidents that page someone. So
every metric has data for both teams, and what is missing from an answer is withheld, not
absent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from store.db import transaction
from store.models import (
    Commit,
    Deployment,
    Incident,
    Page,
    Person,
    PullRequest,
    Review,
    WorkItem,
    WorkItemTransition,
)
from store.people import pseudonym
from tests.bot.helpers import SECRET as SIGNING_SECRET
from tests.bot.helpers import TOKEN

AS_OF = datetime(2026, 11, 23, 9, tzinfo=UTC)  # a Monday: the week before is complete
WEEKS = 8
SECRET = "privacy-floor-pseudonym-key"
LEAD_TWO = "U0LEADTWO1"
SOURCES = ("github", "gitlab", "jira", "linear", "pagerduty")
FOUR = [{s: f"p{i}-{s}" for s in SOURCES} for i in range(4)]
TWO = [{"github": f"q{i}-gh"} for i in range(2)]
ENV = {  # the Slack fake's own token and signing secret (tests/bot/conftest.py)
    "METRICS_BOT_PSEUDONYM_KEY": SECRET,
    "SLACK_BOT_TOKEN": TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}


def _member(ids: dict[str, str]) -> str:
    return "{" + ", ".join(f"{s}: {i}" for s, i in ids.items()) + "}"


def config_text(db_url: str, slack_url: str) -> str:
    four = "\n".join(f"      - {_member(m)}" for m in FOUR)
    two = "\n".join(f"      - {_member(m)}" for m in TWO)
    return f"""
database_url: {db_url}
slack:
  api_url: {slack_url}
teams:
  - slug: team-four
    name: Team Four
    slack_channel: C0FOUR0001
    leads: [U0LEADFOUR]
    members:
{four}
    repositories: [{{name: acme/four}}]
    gitlab_projects: [acme/four-gl]
    jira_projects: [FOUR]
    pagerduty_services: [PFOUR]
  - slug: team-two
    name: Team Two
    slack_channel: C0TWO00001
    leads: [{LEAD_TWO}]
    members:
{two}
    repositories: [{{name: acme/two}}]
    jira_projects: [TWO]
    pagerduty_services: [PTWO]
"""


def write_config(tmp_path: Path, db_url: str, slack_url: str) -> Path:
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(config_text(db_url, slack_url), encoding="utf-8")
    return path


def key(source: str, identity: str) -> str:
    return pseudonym(SECRET.encode(), source, identity)


class _Rows:
    """Builds one team's rows; numbers and ids unique across the org."""

    def __init__(self, s: Session, team: str, project: str, service: str) -> None:
        self.s, self.team, self.project, self.service = s, team, project, service
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def pr(self, source: str, repo: str, author: str, reviewer: str, merged: datetime) -> None:
        n, created = self._next(), merged - timedelta(hours=30)
        sha = f"{self.team}-m{n}"
        self.s.add(
            PullRequest(
                source=source,
                repo=repo,
                number=n,
                title=f"fix: thing {n}" if n % 2 else f"feat: thing {n}",
                author_key=author,
                state="merged",
                created_at=created,
                first_commit_at=created - timedelta(hours=20),
                merged_at=merged,
                closed_at=merged,
                updated_at=merged,
                merge_commit_sha=sha,
                additions=40 + n,
                deletions=10,
            )
        )
        self.s.add(
            Review(
                source=source,
                repo=repo,
                pr_number=n,
                external_id=f"{self.team}-r{n}",
                reviewer_key=reviewer,
                state="APPROVED",
                submitted_at=created + timedelta(hours=3),
            )
        )
        for hour in (10, 21):  # one commit in working hours, one after
            self.s.add(
                Commit(
                    source=source,
                    repo=repo,
                    pr_number=n,
                    sha=f"{sha}-{hour}",
                    author_key=author,
                    authored_at=created.replace(hour=hour) - timedelta(days=1),
                    author_utc_offset_min=0,
                )
            )
        if repo != "acme/four-gl":  # the GitLab project has no deployments: linked by repo
            deploy = merged + timedelta(hours=2)
            self.s.add(
                Deployment(
                    source="github",
                    external_id=f"{sha}-d",
                    repo=repo,
                    environment="production",
                    sha=sha,
                    status="success",
                    created_at=deploy - timedelta(minutes=10),
                    finished_at=deploy,
                )
            )

    def issue(self, started: datetime) -> None:
        n = self._next()
        ext = f"{self.team}-i{n}"
        done = started + timedelta(days=2)
        self.s.add(
            WorkItem(
                source="jira",
                external_id=ext,
                key=f"{self.project}-{n}",
                project=self.project,
                title=f"fix: issue {n}",
                item_type="Bug",
                status="Done",
                status_category="done",
                created_at=started - timedelta(days=1),
                updated_at=done,
                resolved_at=done,
            )
        )
        for at, category in ((started, "indeterminate"), (done, "done")):
            self.s.add(
                WorkItemTransition(
                    source="jira",
                    item_external_id=ext,
                    at=at,
                    from_status="x",
                    to_status=category,
                    from_category="new",
                    to_category=category,
                )
            )

    def incident(self, started: datetime, responder: str) -> None:
        n = self._next()
        ext = f"{self.team}-inc{n}"
        self.s.add(
            Incident(
                source="pagerduty",
                external_id=ext,
                service=self.service,
                title="down",
                started_at=started,
                resolved_at=started + timedelta(hours=2),
            )
        )
        self.s.add(
            Page(
                source="pagerduty",
                external_id=f"{ext}-p",
                incident_external_id=ext,
                responder_key=responder,
                at=started + timedelta(minutes=5),
            )
        )


def fill(sessions: object) -> None:
    """Every person works every week of the WEEKS before AS_OF (see the module doc)."""
    with transaction(sessions) as s:  # type: ignore[arg-type]
        people = [key(src, ident) for m in FOUR + TWO for src, ident in m.items()]
        s.add_all(Person(key=k, is_bot=False, tz="UTC") for k in people)
        four = _Rows(s, "team-four", "FOUR", "PFOUR")
        two = _Rows(s, "team-two", "TWO", "PTWO")
        for w in range(1, WEEKS + 1):
            monday = AS_OF - timedelta(weeks=w)
            for i, m in enumerate(FOUR):
                nxt = FOUR[(i + 1) % len(FOUR)]
                merged = monday + timedelta(days=2, hours=i)
                for source, repo in (("github", "acme/four"), ("gitlab", "acme/four-gl")):
                    author, reviewer = key(source, m[source]), key(source, nxt[source])
                    four.pr(source, repo, author, reviewer, merged)
                four.issue(monday + timedelta(days=1, hours=i))
            for i, m in enumerate(TWO):
                nxt = TWO[(i + 1) % len(TWO)]
                author, reviewer = key("github", m["github"]), key("github", nxt["github"])
                two.pr("github", "acme/two", author, reviewer, monday + timedelta(days=2, hours=i))
                two.issue(monday + timedelta(days=1, hours=i))
            night = monday + timedelta(days=3, hours=22)
            four.incident(night, key("pagerduty", FOUR[w % 4]["pagerduty"]))
            two.incident(night, key("github", TWO[w % 2]["github"]))
