"""The GraphQL documents the Linear source sends (only fields Linear's public schema has)."""

HISTORY_FIELDS = """
      nodes {
        id createdAt
        fromState { id name type }
        toState { id name type }
      }
      pageInfo { hasNextPage endCursor }
"""

ISSUES_QUERY = (
    """
query Issues($first: Int, $after: String, $filter: IssueFilter, $historyFirst: Int) {
  issues(first: $first, after: $after, filter: $filter, orderBy: updatedAt) {
    nodes {
      id identifier title url createdAt updatedAt completedAt canceledAt
      state { id name type }
      team { id key }
      assignee { id }
      labels(first: 50) { nodes { name } }
      history(first: $historyFirst) {"""
    + HISTORY_FIELDS
    + """      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
)

HISTORY_QUERY = (
    """
query IssueHistory($id: String!, $first: Int, $after: String) {
  issue(id: $id) {
    history(first: $first, after: $after) {"""
    + HISTORY_FIELDS
    + """    }
  }
}
"""
)
