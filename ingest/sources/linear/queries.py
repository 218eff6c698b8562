"""The GraphQL documents the Linear source sends (only fields Linear's public schema has)."""

HISTORY_FIELDS = """
      nodes {
        id createdAt
        fromState { id name type }
        toState { id name type }
        updatedDescription fromTitle toTitle fromEstimate toEstimate
        fromAssignee { id }
        toAssignee { id }
        fromProject { id }
        toProject { id }
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
      dueDate
      project { id }
      projectMilestone { id }
      relations(first: 50) { nodes { type createdAt relatedIssue { identifier } } }
      inverseRelations(first: 50) { nodes { type createdAt issue { identifier } } }
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

PROJECTS_QUERY = """
query Projects($first: Int, $after: String, $filter: ProjectFilter) {
  projects(first: $first, after: $after, filter: $filter, orderBy: updatedAt) {
    nodes {
      id name state targetDate createdAt updatedAt completedAt canceledAt
      teams(first: 50) { nodes { key } }
      projectMilestones(first: 100) { nodes { id name targetDate createdAt updatedAt } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
