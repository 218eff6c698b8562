"""GitLab's GraphQL API (`POST /api/graphql`) for the part metrics-bot reads.

A small schema with GitLab's own names (`Query.project(fullPath:)`,
`Project.mergeRequests(iids:, first:, after:)`, `MergeRequest.author / approvedBy / notes /
commits`, the `User` interface with `bot`, `Note`, `Commit`, `Query.queryComplexity`): only
this subset exists, so a query asking for anything else fails validation as it would on
GitLab if the field did not exist. No recorded GitLab GraphQL answer is available (see
tests/fixtures/PROVENANCE.md): the shapes were written from GitLab's type definitions
(app/graphql/types/merge_request_type.rb, notes/note_type.rb, repositories/commit_type.rb,
user_interface.rb, time_type.rb) and are built from the same objects the REST fake serves
(sandbox/fakes/_gitlab_payloads.py, shaped like the recorded REST answers), so both APIs
tell one story.

Wire behaviour kept from GitLab (app/controllers/graphql_controller.rb):
- a refused token: 401 `{"errors": [{"message": "Invalid token"}]}`; a query over 10,000
  characters: 422 "Query too large"; validation errors: 200 with `errors`;
- `Time` is ISO 8601 with whole seconds and the value's own offset (`Time#iso8601`), ids are
  global ids ("gid://gitlab/Note/123"), `iid` is a string;
- complexity (GitLab's BaseField and BaseResolver): every field 1 (2 when it calls
  Gitaly) plus its children; a resolver field adds 1 (+1 with `sort`, +5 with `search`) and,
  for a connection, 1 % per item asked (`first`/`last`, at most 100) unless asked by
  `iid`/`iids`; over 250 the query is refused before it runs with GitLab's message;
- pages hold at most 100 items (larger `first` is capped).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
)
from graphql.utilities import value_from_ast_untyped

JSON = dict[str, Any]
MAX_COMPLEXITY = 250  # authenticated requests
MAX_PAGE = 100
MAX_QUERY_SIZE = 10_000

SDL = """
scalar Time
scalar NoteID

enum UserState { active blocked deactivated }
enum MergeRequestState { opened closed locked merged all }
enum NotesFilterType { ALL_NOTES ONLY_COMMENTS ONLY_ACTIVITY }

type Query {
  project(fullPath: ID!): Project
  queryComplexity: QueryComplexity
}

type QueryComplexity { limit: Int score: Int }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type Project {
  id: ID!
  fullPath: ID!
  name: String!
  mergeRequests(
    iids: [String!], state: MergeRequestState,
    first: Int, after: String, last: Int, before: String
  ): MergeRequestConnection
}

interface User {
  id: ID!
  bot: Boolean!
  username: String!
  name: String!
  state: UserState!
  webUrl: String!
}

type UserCore implements User {
  id: ID!
  bot: Boolean!
  username: String!
  name: String!
  state: UserState!
  webUrl: String!
}

type MergeRequestAuthor implements User {
  id: ID!
  bot: Boolean!
  username: String!
  name: String!
  state: UserState!
  webUrl: String!
}

type MergeRequest {
  id: ID!
  iid: String!
  title: String!
  state: MergeRequestState!
  createdAt: Time!
  updatedAt: Time!
  webUrl: String
  author: MergeRequestAuthor
  approvedBy(first: Int, after: String, last: Int, before: String): UserCoreConnection
  notes(
    filter: NotesFilterType, first: Int, after: String, last: Int, before: String
  ): NoteConnection!
  commits(first: Int, after: String, last: Int, before: String): CommitConnection
}

type Note {
  id: NoteID!
  body: String!
  system: Boolean!
  createdAt: Time!
  updatedAt: Time!
  author: UserCore
}

type Commit {
  id: ID!
  sha: String!
  shortId: String!
  title: String
  message: String
  authoredDate: Time
  committedDate: Time
  authorName: String
  authorEmail: String
  webUrl: String!
}

type MergeRequestConnection { count: Int! pageInfo: PageInfo! nodes: [MergeRequest] }
type UserCoreConnection { count: Int! pageInfo: PageInfo! nodes: [UserCore] }
type NoteConnection { count: Int! pageInfo: PageInfo! nodes: [Note] }
type CommitConnection { pageInfo: PageInfo! nodes: [Commit] }
"""

# GitLab's field attributes that change the complexity (the rest are plain fields of 1).
RESOLVERS = {("Query", "project"), ("Project", "mergeRequests"), ("MergeRequest", "notes")}
CALLS_GITALY = {("MergeRequest", "commits")}


@cache
def gitlab_schema() -> GraphQLSchema:
    return build_schema(SDL)


def complexity(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None
) -> int:
    """The query's complexity score by GitLab's rules (module docstring)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not ops:
        return 0
    values = dict(variables or {})

    def fields_of(selection_set: SelectionSetNode | None) -> list[FieldNode]:
        out: list[FieldNode] = []
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                out.append(sel)
            elif isinstance(sel, InlineFragmentNode):
                out.extend(fields_of(sel.selection_set))
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
                out.extend(fields_of(fragments[sel.name.value].selection_set))
        return out

    def score(parent: str, selection_set: SelectionSetNode | None) -> float:
        total = 0.0
        parent_type: Any = schema.get_type(parent)
        for node in fields_of(selection_set):
            name = node.name.value
            if name.startswith("__"):
                continue
            field = parent_type.fields[name]
            child_type = field.type
            while hasattr(child_type, "of_type"):
                child_type = child_type.of_type
            child = score(child_type.name, node.selection_set) if node.selection_set else 0.0
            total += _field_score((parent, name), node, child, values)
        return total

    return int(score("Query", ops[0].selection_set))


def _field_score(
    key: tuple[str, str], node: FieldNode, child: float, variables: Mapping[str, Any]
) -> float:
    values = dict(variables)
    args = {a.name.value: value_from_ast_untyped(a.value, values) for a in node.arguments}
    gitaly = 1 if key in CALLS_GITALY else 0
    if key not in RESOLVERS:
        return 1 + gitaly + child
    value = child + 1 + (1 if args.get("sort") else 0) + (5 if args.get("search") else 0)
    value += gitaly
    if key[1] in ("mergeRequests", "notes"):  # connections
        limit = min(x for x in (args.get("first"), args.get("last"), MAX_PAGE) if x is not None)
        multiplier = 0.0 if args.get("iids") or args.get("iid") else 0.01
        value += value * limit * multiplier
    return float(int(value))


def gid(kind: str, number: Any) -> str:
    return f"gid://gitlab/{kind}/{number}"


def iso_seconds(value: str | None) -> str | None:
    """GitLab's GraphQL `Time`: `Time#iso8601` (whole seconds, the value's own offset)."""
    if not value:
        return None
    head, sep, rest = value.partition(".")
    if not sep:
        return value
    offset = rest.lstrip("0123456789")
    return head + ("Z" if offset in ("Z", "+00:00") else offset)


def connection(items: list[Any], args: Mapping[str, Any]) -> JSON:
    """A page of `items` by `first`/`after` (offset cursors, at most 100 a page)."""
    start = 0
    if args.get("after"):
        start = int(base64.b64decode(str(args["after"])).decode()) + 1
    size = min(int(args.get("first") or MAX_PAGE), MAX_PAGE)
    chunk = items[start : start + size]
    end = start + len(chunk) - 1
    return {
        "count": len(items),
        "nodes": chunk,
        "pageInfo": {
            "hasNextPage": start + size < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": base64.b64encode(str(start).encode()).decode() if chunk else None,
            "endCursor": base64.b64encode(str(end).encode()).decode() if chunk else None,
        },
    }


def user_node(user: Mapping[str, Any] | None) -> JSON | None:
    """A GraphQL `User` from the REST long form (which alone knows `bot`)."""
    if not user:
        return None
    return {
        "id": gid("User", user["id"]),
        "bot": bool(user.get("bot")),
        "username": user["username"],
        "name": user["name"],
        "state": user.get("state", "active"),
        "webUrl": user.get("web_url"),
    }


def note_node(note: Mapping[str, Any], full_user: Callable[[Any], JSON | None]) -> JSON:
    """A note; `full_user` turns its REST author into the long form (with `bot`)."""
    return {
        "id": gid("Note", note["id"]),
        "body": note["body"],
        "system": bool(note["system"]),
        "createdAt": iso_seconds(note["created_at"]),
        "updatedAt": iso_seconds(note["updated_at"]),
        "author": user_node(full_user(note.get("author"))),
    }


def commit_node(commit: Mapping[str, Any]) -> JSON:
    return {
        "id": gid("CommitPresenter", commit["id"]),
        "sha": commit["id"],
        "shortId": commit["short_id"],
        "title": commit["title"],
        "message": commit["message"],
        "authoredDate": iso_seconds(commit["authored_date"]),
        "committedDate": iso_seconds(commit["committed_date"]),
        "authorName": commit["author_name"],
        "authorEmail": commit["author_email"],
        "webUrl": commit["web_url"],
    }
