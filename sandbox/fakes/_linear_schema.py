"""A small, honest GraphQL schema for the part of Linear's public API the fake serves.

Names follow Linear's public schema (Issue, WorkflowState, IssueHistory, IssueFilter, Project,
ProjectMilestone, IssueRelation,
DateComparator, PaginationOrderBy, relay connections with `nodes`, `edges` and `pageInfo`).
Only this subset exists: a query asking for anything else fails validation, as it would
against Linear if the field did not exist there.
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema

SDL = """
scalar DateTime
scalar TimelessDate

enum PaginationOrderBy { createdAt updatedAt }

input DateComparator {
  eq: DateTime
  neq: DateTime
  gt: DateTime
  gte: DateTime
  lt: DateTime
  lte: DateTime
}

input NullableDateComparator {
  eq: DateTime
  neq: DateTime
  gt: DateTime
  gte: DateTime
  lt: DateTime
  lte: DateTime
  null: Boolean
}

input StringComparator {
  eq: String
  neq: String
  in: [String!]
  nin: [String!]
}

input IDComparator {
  eq: ID
  neq: ID
  in: [ID!]
  nin: [ID!]
}

input TeamFilter {
  id: IDComparator
  key: StringComparator
  name: StringComparator
}

input IssueFilter {
  id: IDComparator
  createdAt: DateComparator
  updatedAt: DateComparator
  completedAt: NullableDateComparator
  team: TeamFilter
  and: [IssueFilter!]
  or: [IssueFilter!]
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type User {
  id: ID!
  name: String!
  displayName: String!
  email: String!
  active: Boolean!
}

type Team {
  id: ID!
  key: String!
  name: String!
}

type WorkflowState {
  id: ID!
  name: String!
  type: String!
  color: String!
  position: Float!
  team: Team!
}

type IssueLabel {
  id: ID!
  name: String!
  color: String!
}

type IssueLabelEdge { node: IssueLabel!  cursor: String! }
type IssueLabelConnection { edges: [IssueLabelEdge!]!  nodes: [IssueLabel!]!  pageInfo: PageInfo! }

type IssueRelationHistoryPayload {
  identifier: String!
  type: String!
}

type IssueHistory {
  id: ID!
  createdAt: DateTime!
  updatedAt: DateTime!
  actor: User
  actorId: String
  fromState: WorkflowState
  toState: WorkflowState
  fromStateId: String
  toStateId: String
  fromAssignee: User
  toAssignee: User
  fromAssigneeId: String
  toAssigneeId: String
  updatedDescription: Boolean
  fromTitle: String
  toTitle: String
  fromEstimate: Float
  toEstimate: Float
  fromProject: Project
  toProject: Project
  fromProjectId: String
  toProjectId: String
  fromDueDate: TimelessDate
  toDueDate: TimelessDate
  relationChanges: [IssueRelationHistoryPayload!]
}

type ProjectMilestone {
  id: ID!
  name: String!
  targetDate: TimelessDate
  sortOrder: Float!
  createdAt: DateTime!
  updatedAt: DateTime!
  project: Project!
}

type ProjectMilestoneEdge { node: ProjectMilestone!  cursor: String! }
type ProjectMilestoneConnection {
  edges: [ProjectMilestoneEdge!]!
  nodes: [ProjectMilestone!]!
  pageInfo: PageInfo!
}

type Project {
  id: ID!
  name: String!
  description: String!
  url: String!
  state: String!
  targetDate: TimelessDate
  startDate: TimelessDate
  createdAt: DateTime!
  updatedAt: DateTime!
  startedAt: DateTime
  completedAt: DateTime
  canceledAt: DateTime
  archivedAt: DateTime
  teams(first: Int, after: String): TeamConnection!
  projectMilestones(first: Int, after: String): ProjectMilestoneConnection!
}

type ProjectEdge { node: Project!  cursor: String! }
type ProjectConnection { edges: [ProjectEdge!]!  nodes: [Project!]!  pageInfo: PageInfo! }

input ProjectFilter {
  id: IDComparator
  updatedAt: DateComparator
  and: [ProjectFilter!]
  or: [ProjectFilter!]
}

type IssueRelation {
  id: ID!
  type: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  issue: Issue!
  relatedIssue: Issue!
}

type IssueRelationEdge { node: IssueRelation!  cursor: String! }
type IssueRelationConnection {
  edges: [IssueRelationEdge!]!
  nodes: [IssueRelation!]!
  pageInfo: PageInfo!
}

type IssueHistoryEdge { node: IssueHistory!  cursor: String! }
type IssueHistoryConnection {
  edges: [IssueHistoryEdge!]!
  nodes: [IssueHistory!]!
  pageInfo: PageInfo!
}

type Issue {
  id: ID!
  identifier: String!
  number: Float!
  title: String!
  description: String
  priority: Float!
  url: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  startedAt: DateTime
  completedAt: DateTime
  canceledAt: DateTime
  archivedAt: DateTime
  state: WorkflowState!
  team: Team!
  assignee: User
  creator: User
  dueDate: TimelessDate
  estimate: Float
  project: Project
  projectMilestone: ProjectMilestone
  labels(first: Int, after: String): IssueLabelConnection!
  history(first: Int, after: String): IssueHistoryConnection!
  relations(first: Int, after: String): IssueRelationConnection!
  inverseRelations(first: Int, after: String): IssueRelationConnection!
}

type IssueEdge { node: Issue!  cursor: String! }
type IssueConnection { edges: [IssueEdge!]!  nodes: [Issue!]!  pageInfo: PageInfo! }

type TeamEdge { node: Team!  cursor: String! }
type TeamConnection { edges: [TeamEdge!]!  nodes: [Team!]!  pageInfo: PageInfo! }

type WorkflowStateEdge { node: WorkflowState!  cursor: String! }
type WorkflowStateConnection {
  edges: [WorkflowStateEdge!]!
  nodes: [WorkflowState!]!
  pageInfo: PageInfo!
}

type Query {
  issues(
    first: Int
    after: String
    filter: IssueFilter
    orderBy: PaginationOrderBy
    includeArchived: Boolean
  ): IssueConnection!
  issue(id: String!): Issue!
  projects(
    first: Int
    after: String
    filter: ProjectFilter
    orderBy: PaginationOrderBy
    includeArchived: Boolean
  ): ProjectConnection!
  teams(first: Int, after: String): TeamConnection!
  workflowStates(first: Int, after: String): WorkflowStateConnection!
  viewer: User!
}
"""


@cache
def linear_schema() -> GraphQLSchema:
    """The schema, built once per process (graphql-core validates it on first use)."""
    return build_schema(SDL)
