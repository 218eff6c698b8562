"""Pure functions from GitHub payloads (GraphQL and REST) to store rows.

No I/O here: a payload in, `Page` rows out, so every recorded fixture can be run through
them in tests. Logins never reach a row: people become pseudonymous keys
(`store.people.pseudonym(secret, "github", login)`) and a `Person` row that says whether
the identity is a bot (the config's `people` overrides first, then GraphQL
`__typename == "Bot"` / REST `type == "Bot"`, then a `[bot]` suffix or a name pattern; see
ingest.people). Bots are kept and flagged, never dropped, so analytics can exclude them and
say so.

Definitions recorded here (and relied on by analytics):
- `PullRequest.ready_at`: the first READY_FOR_REVIEW event if the PR was opened as a draft,
  else `created_at`; None for a PR that is still a draft and was never ready.
- `PullRequest.first_commit_at`: the earliest author date of its (first 100) commits.
- `PullRequest.team_slug`: the team owning the repository, from the config; a fallback
  only, since a PR counts for its author's team, which analytics derives from team members.
- `PullRequest.reverts_number`: set when the title reads `Revert "..."` or the body says
  "This reverts #N" / "Reverts owner/repo#N".
- `Commit.authored_at`: the author date as a UTC instant, with the author's UTC offset in
  minutes beside it (from git's own timestamp), for after-hours figures.
- `Deployment.status`: the latest status that is not `inactive` (GitHub marks an older
  deployment inactive when a newer one succeeds); `finished_at`: the time of the latest
  success / failure / error status.
"""

from __future__ import annotations

from ingest.instants import parse_instant, require_instant
from ingest.sources.github.normalise.common import (
    SOURCE,
    TERMINAL_DEPLOY_STATES,
    People,
    _rest_user,
    reverted_number,
    utc_offset_minutes,
)
from ingest.sources.github.normalise.deployments import (
    commit_url,
    deployment_from_graphql,
    deployment_from_rest,
    deployment_key,
)
from ingest.sources.github.normalise.issues import (
    incident_from_issue,
    issue_labels,
    release_from_rest,
)
from ingest.sources.github.normalise.pulls import (
    add_pull_request,
    pull_request_from_graphql,
    ready_at,
)
from ingest.sources.github.normalise.pulls_rest import (
    commenters_from_rest,
    commits_from_rest,
    issue_events_from_rest,
    pull_request_from_rest,
    requested_reviewers_from_rest,
    reviews_from_rest,
)
from ingest.sources.github.normalise.runs import (
    ci_runs_from_graphql,
    deployment_from_workflow_run,
    is_deploy_run,
    workflow_job_timing,
    workflow_run_from_graphql,
    workflow_run_from_rest,
    workflow_run_id,
)

__all__ = [
    "SOURCE",
    "TERMINAL_DEPLOY_STATES",
    "People",
    "_rest_user",
    "add_pull_request",
    "ci_runs_from_graphql",
    "commenters_from_rest",
    "commit_url",
    "commits_from_rest",
    "deployment_from_graphql",
    "deployment_from_rest",
    "deployment_from_workflow_run",
    "deployment_key",
    "incident_from_issue",
    "is_deploy_run",
    "issue_events_from_rest",
    "issue_labels",
    "parse_instant",
    "pull_request_from_graphql",
    "pull_request_from_rest",
    "ready_at",
    "release_from_rest",
    "requested_reviewers_from_rest",
    "require_instant",
    "reverted_number",
    "reviews_from_rest",
    "utc_offset_minutes",
    "workflow_job_timing",
    "workflow_run_from_graphql",
    "workflow_run_from_rest",
    "workflow_run_id",
]
