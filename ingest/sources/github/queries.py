"""The GraphQL query for pull requests: one page brings PRs with everything lead time needs.

Validated against GitHub's published schema in tests/ingest/test_github_query.py.
Ordered by UPDATED_AT descending so an incremental sync reads only the first page(s) and
stops at the first PR older than its `since`. Nested connections take the first 100 items;
`commits.totalCount` still gives the real commit count when a PR has more.
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
query PullRequests($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
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
    }
  }
}
""".replace("__TIMELINE_TYPES__", ", ".join(TIMELINE_TYPES))
