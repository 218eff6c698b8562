"""The GraphQL queries: pull requests (with their CI), deployments (with statuses) and
repositories' default branches.

Validated against GitHub's published schema in tests/ingest/test_github_normalise.py.
Pull requests are ordered by UPDATED_AT descending so an incremental sync reads only the
first page(s) and stops at the first PR older than its `since`. Nested connections take the
first 100 items; `commits.totalCount` still gives the real commit count when a PR has more.

CI at no extra request: `ciCommits` (an alias of `commits(last: $ciCommits)`) brings the
check suites of a PR's newest commits with their Actions workflow run, and every check run
of every attempt (`checkType: ALL`) so re-runs are counted. Cost, by GitHub's rule (one
request per parent node for each connection, summed, / 100): a page of P PRs costs about
(1 + 5P + P*C + P*C*S) / 100 points for C CI commits and S suites per commit; with P=100,
C=3, S=5 that is 23 points, and at most 32,000 + 15,000 nodes (the limit is 500,000).
Each page also says the repository's default branch (`defaultBranchRef`), at no cost.
"""

from __future__ import annotations

TIMELINE_TYPES = (
    "REVIEW_REQUESTED_EVENT",
    "READY_FOR_REVIEW_EVENT",
    "CONVERT_TO_DRAFT_EVENT",
    "CLOSED_EVENT",
    "REOPENED_EVENT",
    "MERGED_EVENT",
)

PULL_REQUESTS_QUERY = """
query PullRequests(
  $owner: String!, $name: String!, $first: Int!, $after: String, $ciCommits: Int!,
  $withCi: Boolean!
) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    defaultBranchRef { name }
    pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...PullRequestFields }
    }
  }
}

fragment PullRequestFields on PullRequest {
  id
  databaseId
  number
  title
  body
  url
  state
  isDraft
  createdAt
  updatedAt
  mergedAt
  closedAt
  headRefName
  baseRefName
  additions
  deletions
  changedFiles
  author { __typename login }
  mergeCommit { oid }
  labels(first: 20) { nodes { name } }
  commits(first: 100) {
    totalCount
    nodes {
      commit {
        oid
        authoredDate
        committedDate
        additions
        deletions
        messageHeadline
        author { date name user { login } }
      }
    }
  }
  ciCommits: commits(last: $ciCommits) @include(if: $withCi) {
    nodes { commit { oid checkSuites(first: 5) { nodes { ...CiSuite } } } }
  }
  reviews(first: 100) {
    nodes { id author { __typename login } state submittedAt }
  }
  timelineItems(first: 100, itemTypes: [__TIMELINE_TYPES__]) {
    nodes {
      __typename
      ... on ReviewRequestedEvent {
        createdAt
        requestedReviewer {
          __typename
          ... on User { login }
          ... on Bot { login }
          ... on Mannequin { login }
          ... on Team { slug }
        }
      }
      ... on ReadyForReviewEvent { createdAt }
      ... on ConvertToDraftEvent { createdAt }
      ... on ClosedEvent { createdAt }
      ... on ReopenedEvent { createdAt }
      ... on MergedEvent { createdAt }
    }
  }
}

fragment CiSuite on CheckSuite {
  status
  conclusion
  branch { name }
  workflowRun {
    resourcePath
    runNumber
    event
    createdAt
    updatedAt
    workflow { name }
  }
  checkRuns(first: 10, filterBy: {checkType: ALL}) { nodes { name startedAt } }
}
""".replace("__TIMELINE_TYPES__", ", ".join(TIMELINE_TYPES))

_FIELDS_AT = PULL_REQUESTS_QUERY.index("fragment PullRequestFields")
_PULL_REQUEST_FIELDS = PULL_REQUESTS_QUERY[_FIELDS_AT:]

# Pull requests whose CI was still running when a walk saw them, read again by id.
PULL_REQUEST_NODES_QUERY = (
    """
query PullRequestNodes($ids: [ID!]!, $ciCommits: Int!, $withCi: Boolean!) {
  rateLimit { cost remaining resetAt }
  nodes(ids: $ids) { __typename ...PullRequestFields }
}
"""
    + _PULL_REQUEST_FIELDS
)

_DEPLOYMENT_FIELDS = """
fragment DeploymentFields on Deployment {
  id
  createdAt
  updatedAt
  environment
  commitOid
  ref { name }
  creator { __typename login }
  latestStatus { state createdAt }
  statuses(first: 10) { totalCount nodes { state createdAt } }
}
"""

DEPLOYMENTS_QUERY = (
    """
query Deployments(
  $owner: String!, $name: String!, $first: Int!, $after: String, $environments: [String!]
) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    deployments(
      first: $first, after: $after, environments: $environments,
      orderBy: {field: CREATED_AT, direction: DESC}
    ) {
      pageInfo { hasNextPage endCursor }
      nodes { ...DeploymentFields }
    }
  }
}
"""
    + _DEPLOYMENT_FIELDS
)

# Deployments still in progress when an earlier walk saw them, looked up again by id.
DEPLOYMENT_NODES_QUERY = (
    """
query DeploymentNodes($ids: [ID!]!) {
  rateLimit { cost remaining resetAt }
  nodes(ids: $ids) { __typename ...DeploymentFields }
}
"""
    + _DEPLOYMENT_FIELDS
)


def default_branches_query(count: int) -> str:
    """Each of `count` repositories' default branch in one request: `repository` aliased
    `r0`...`r{count-1}`, with variables `$o{i}` (owner) and `$n{i}` (name). Cost: 1 point."""
    variables = ", ".join(f"$o{i}: String!, $n{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  r{i}: repository(owner: $o{i}, name: $n{i}) {{ nameWithOwner defaultBranchRef "
        "{ name } }"
        for i in range(count)
    )
    return (
        f"query DefaultBranches({variables}) {{\n"
        f"  rateLimit {{ cost remaining resetAt }}\n{fields}\n}}\n"
    )


def activity_probe_query(count: int) -> str:
    """What changed in each of `count` repositories, in one request: the newest pull-request
    update and the newest deployment creation (each `first: 1`), and the default branch.
    `repository` is aliased `r0`...; variables `$o{i}` (owner), `$n{i}` (name) and
    `$environments`. Cost by GitHub's rule: two connections per repository, each one request,
    so 50 repositories are 100 requests = 1 point (0.02 per repository)."""
    variables = ", ".join(f"$o{i}: String!, $n{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  r{i}: repository(owner: $o{i}, name: $n{i}) {{ ...Activity }}" for i in range(count)
    )
    return (
        f"query ActivityProbe({variables}, $environments: [String!]) {{\n"
        f"  rateLimit {{ cost remaining resetAt }}\n{fields}\n}}\n" + _ACTIVITY_FIELDS
    )


_ACTIVITY_FIELDS = """
fragment Activity on Repository {
  nameWithOwner
  defaultBranchRef { name }
  pullRequests(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) {
    nodes { updatedAt }
  }
  deployments(
    first: 1, environments: $environments, orderBy: {field: CREATED_AT, direction: DESC}
  ) {
    nodes { createdAt }
  }
}
"""
