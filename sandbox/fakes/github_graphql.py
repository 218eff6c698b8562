"""GitHub's GraphQL API over a world: validate against the real schema, cost, execute.

The schema is GitHub's public SDL (sandbox/schemas/github-schema.graphql, 1.2 MB): it is
built once per process, on first use, and resolvers for the part of the graph metrics-bot
reads are attached to it. Every query is validated against it, so a misspelled field fails
here exactly as it would on GitHub, with GitHub's error shape (HTTP 200, `errors` with
`extensions.code`), and is then executed by graphql-core.

Quirks of the real API kept on purpose:
- Bot logins in GraphQL have no "[bot]" suffix (REST has it); `__typename` says "Bot".
- Connections that select `nodes`/`edges` need `first` or `last` (<= 100), else the whole
  query fails before execution (MISSING_PAGINATION_BOUNDARIES / EXCESSIVE_PAGINATION).
- Cost: every connection needs one request per parent node; the sum over the query / 100,
  rounded, minimum 1 (GitHub's documented formula). A query that could return more than
  500,000 nodes (the product of nested page sizes, summed) is refused before it runs
  (MAX_NODE_LIMIT_EXCEEDED).
- Actions: a commit's `checkSuites` are its workflow runs (one suite per run, oldest first);
  a suite's `checkRuns` are one job ("build") per attempt, so `filterBy: {checkType: ALL}`
  shows re-runs (the default, LATEST, only the last attempt). Deployment `statuses` are
  listed newest first, as REST lists them.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    get_named_type,
    validate,
)
from graphql.utilities import value_from_ast_untyped

from sandbox.fakes.world_index import WorldIndex, stable_id
from sandbox.world import (
    Commit,
    Deployment,
    DeploymentStatus,
    Pull,
    Review,
    TimelineEvent,
    WorkflowRun,
)

JSON = dict[str, Any]
MAX_PAGE = 100
MAX_NODES = 500_000  # GitHub refuses a query that could return more nodes than this

_schema_lock = threading.Lock()
_schemas: dict[Path, GraphQLSchema] = {}


def default_schema_path() -> Path:
    """GitHub's schema as shipped in sandbox/schemas (provenance in its PROVENANCE.md)."""
    from sandbox.schemas import schema_path

    return schema_path("github-schema.graphql")


def github_schema(path: Path | None = None) -> GraphQLSchema:
    """GitHub's schema with our resolvers attached; built once per process and path."""
    key = (path or default_schema_path()).resolve()
    with _schema_lock:
        schema = _schemas.get(key)
        if schema is None:
            schema = build_schema(key.read_text(encoding="utf-8"), assume_valid_sdl=True)
            # The SDL is GitHub's own and known valid; skip graphql-core's slow schema check.
            schema._validation_errors = []
            _attach_resolvers(schema)
            _schemas[key] = schema
        return schema


# -- validation errors in GitHub's shape ---------------------------------------------------

_UNDEFINED_FIELD = re.compile(r"Cannot query field '([^']+)' on type '([^']+)'")
_UNKNOWN_ARG = re.compile(r"Unknown argument '([^']+)' on field '([^'.]+)\.([^']+)'")
_MISSING_ARG = re.compile(r"Field '([^']+)' argument '([^']+)' of type '[^']+' is required")
_UNKNOWN_TYPE = re.compile(r"Unknown type '([^']+)'")


def _path_to(document: DocumentNode, target: Node) -> list[str]:
    """GitHub-style path of a node: ["query Name", "repository", "... on User", "login"]."""

    def walk(selection_set: SelectionSetNode | None, path: list[str]) -> list[str] | None:
        if selection_set is None:
            return None
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                here = [*path, sel.alias.value if sel.alias else sel.name.value]
                if sel is target:
                    return here
                found = walk(sel.selection_set, here)
            elif isinstance(sel, InlineFragmentNode):
                cond = f"... on {sel.type_condition.name.value}" if sel.type_condition else "..."
                found = walk(sel.selection_set, [*path, cond])
            else:
                found = None
            if found:
                return found
        return None

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = definition.operation.value
            if definition.name:
                root = f"{root} {definition.name.value}"
        elif isinstance(definition, FragmentDefinitionNode):
            root = f"fragment {definition.name.value}"
        else:
            continue
        found = walk(definition.selection_set, [root])
        if found:
            return found
    return []


def github_error(error: GraphQLError, document: DocumentNode) -> JSON:
    """Turn a graphql-core validation error into what GitHub would answer."""
    node = error.nodes[0] if error.nodes else None
    out: JSON = {}
    if node is not None:
        out["path"] = _path_to(document, node)
    message = error.message
    extensions: JSON | None = None
    if m := _UNDEFINED_FIELD.match(message):
        name, type_name = m.groups()
        message = f"Field '{name}' doesn't exist on type '{type_name}'"
        extensions = {"code": "undefinedField", "typeName": type_name, "fieldName": name}
    elif m := _UNKNOWN_ARG.match(message):
        arg, _type_name, field_name = m.groups()
        message = f"Field '{field_name}' doesn't accept argument '{arg}'"
        extensions = {
            "code": "argumentNotAccepted",
            "name": field_name,
            "typeName": "Field",
            "argumentName": arg,
        }
    elif m := _MISSING_ARG.match(message):
        field_name, arg = m.groups()
        message = f"Field '{field_name}' is missing required arguments: {arg}"
        extensions = {
            "code": "missingRequiredArguments",
            "className": "Field",
            "name": field_name,
            "arguments": arg,
        }
    elif m := _UNKNOWN_TYPE.match(message):
        message = f"No such type {m.group(1)}, so it can't be a fragment condition"
        extensions = {"code": "undefinedType", "typeName": m.group(1)}
    if extensions is not None:
        out["extensions"] = extensions
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["message"] = message
    return out


def validate_document(schema: GraphQLSchema, document: DocumentNode) -> list[JSON]:
    """GitHub-shaped validation errors (empty when the query is valid)."""
    return [github_error(e, document) for e in validate(schema, document)]


# -- cost and pagination limits -------------------------------------------------------------


@dataclass
class QueryCost:
    """What a query will cost before it runs, and why it may not run at all."""

    requests: int = 0
    node_count: int = 0
    errors: list[JSON] = field(default_factory=list)

    @property
    def cost(self) -> int:
        """GitHub's rule: the connection requests / 100, rounded to the nearest whole
        number (halves up, not Python's round-half-even), at least 1."""
        return max(1, int(self.requests / 100 + 0.5))


def analyze(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> QueryCost:
    """Count connection requests and nodes; flag unbounded or too-large pages."""
    result = QueryCost()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return result
    op = operations[0]
    variables = dict(variables or {})
    for definition in op.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables and definition.default_value is not None:
            variables[name] = value_from_ast_untyped(definition.default_value)
    root = schema.get_root_type(op.operation)
    if root is None:
        return result

    def walk(selection_set: SelectionSetNode, parent: GraphQLNamedType, mult: int) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                name = sel.name.value
                fields = getattr(parent, "fields", None)
                if name.startswith("__") or not fields or name not in fields:
                    continue
                named = get_named_type(fields[name].type)
                child_mult = mult
                if named.name.endswith("Connection") and sel.selection_set is not None:
                    child_mult = mult * page_size(sel, mult)
                if sel.selection_set is not None:
                    walk(sel.selection_set, named, child_mult)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                walk(
                    sel.selection_set,
                    schema.type_map.get(cond.name.value, parent) if cond else parent,
                    mult,
                )
            elif isinstance(sel, FragmentSpreadNode):
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    walk(
                        frag.selection_set,
                        schema.type_map.get(frag.type_condition.name.value, parent),
                        mult,
                    )

        return None

    def page_size(sel: FieldNode, mult: int) -> int:
        args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in sel.arguments}
        first, last = args.get("first"), args.get("last")
        selects_items = any(
            isinstance(s, FieldNode) and s.name.value in ("nodes", "edges")
            for s in sel.selection_set.selections  # type: ignore[union-attr]
        )
        size = first if first is not None else last
        label = sel.name.value
        if size is None:
            if selects_items:
                result.errors.append(
                    {
                        "type": "MISSING_PAGINATION_BOUNDARIES",
                        "path": _path_to(document, sel),
                        "locations": _locations(sel),
                        "message": f"You must provide a `first` or `last` value to properly "
                        f"paginate the `{label}` connection.",
                    }
                )
            size = 0
        elif not 0 <= int(size) <= MAX_PAGE:
            which = "first" if first is not None else "last"
            result.errors.append(
                {
                    "type": "EXCESSIVE_PAGINATION",
                    "path": _path_to(document, sel),
                    "locations": _locations(sel),
                    "message": f"Requesting {size} records on the `{label}` connection exceeds "
                    f"the `{which}` limit of {MAX_PAGE} records.",
                }
            )
            size = MAX_PAGE
        result.requests += mult
        result.node_count += mult * int(size)
        return max(1, int(size))

    walk(op.selection_set, root, 1)
    if result.node_count > MAX_NODES:
        result.errors.append(
            {
                "type": "MAX_NODE_LIMIT_EXCEEDED",
                "message": f"This query requests up to {result.node_count:,} possible nodes "
                f"which exceeds the maximum limit of {MAX_NODES:,}.",
            }
        )
    return result


def _locations(node: Node) -> list[JSON]:
    if node.loc is None:
        return []
    src = node.loc.source
    from graphql.language import get_location

    loc = get_location(src, node.loc.start)
    return [{"line": loc.line, "column": loc.column}]


# -- execution ------------------------------------------------------------------------------


@dataclass
class Context:
    """Per-request state the resolvers read: the world and the rate-limit answer."""

    world: WorldIndex
    html: str = "https://github.com"
    rate_limit: JSON = field(default_factory=dict)


def run(
    schema: GraphQLSchema,
    document: DocumentNode,
    context: Context,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> JSON:
    """Execute a validated document; errors come back in GitHub's shape."""
    result = execute(
        schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
    )
    if not isinstance(result, ExecutionResult):
        raise TypeError("resolvers must be synchronous")
    out: JSON = {}
    if result.errors:
        errors = []
        for err in result.errors:
            formatted: JSON = dict(err.formatted)
            ext: JSON = dict(formatted.pop("extensions", None) or {})
            kind = ext.pop("type", None)
            if kind:
                formatted = {"type": kind, **formatted}
            if ext:
                formatted["extensions"] = ext
            errors.append(formatted)
        out["errors"] = errors
    out["data"] = result.data
    return out


# -- graph objects --------------------------------------------------------------------------


def _encode_cursor(value: Any) -> str:
    return base64.b64encode(f"cursor:v2:{json.dumps(value)}".encode()).decode()


def _decode_cursor(cursor: str) -> Any:
    try:
        raw = base64.b64decode(cursor.encode()).decode()
        if not raw.startswith("cursor:v2:"):
            raise ValueError(raw)
        return json.loads(raw[len("cursor:v2:") :])
    except (ValueError, UnicodeDecodeError) as exc:
        raise GraphQLError(
            f"`{cursor}` does not appear to be a valid cursor.",
            extensions={"type": "INVALID_CURSOR_ARGUMENTS"},
        ) from exc


def _graphql_login(login: str) -> str:
    return login.removesuffix("[bot]")


def actor(login: str | None, world: WorldIndex, html: str) -> JSON | None:
    if login is None:
        return None
    is_bot = world.is_bot(login)
    shown = _graphql_login(login) if is_bot else login
    uid = stable_id(f"user:{login}", digits=8)
    return {
        "__typename": "Bot" if is_bot else "User",
        "login": shown,
        "id": base64.b64encode(f"04:{'Bot' if is_bot else 'User'}{uid}".encode()).decode(),
        "databaseId": uid,
        "url": f"{html}/{'apps/' if is_bot else ''}{shown}",
        "avatarUrl": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "name": world.people[login]["name"] if login in world.people else shown,
        "email": "",
    }


def _git_actor(login: str, date: str, world: WorldIndex, html: str) -> JSON:
    person = actor(login, world, html)
    assert person is not None
    return {
        "name": person["name"],
        "email": f"{login.replace('[bot]', '')}@users.noreply.github.com",
        "date": date,
        "avatarUrl": person["avatarUrl"],
        "user": None if person["__typename"] == "Bot" else person,
    }


def commit_object(c: Commit, repo: str, world: WorldIndex, html: str) -> JSON:
    message = c["message"]
    headline, _, body = message.partition("\n")
    return {
        "__typename": "Commit",
        "_repo": repo,
        "id": base64.b64encode(f"06:Commit{c['sha']}".encode()).decode(),
        "oid": c["sha"],
        "abbreviatedOid": c["sha"][:7],
        "message": message,
        "messageHeadline": headline,
        "messageBody": body.strip(),
        "authoredDate": c["authored_at"],
        "committedDate": c["committed_at"],
        "additions": c["additions"],
        "deletions": c["deletions"],
        "changedFilesIfAvailable": None,
        "url": f"{html}/{repo}/commit/{c['sha']}",
        "author": _git_actor(c["author"], c["authored_at"], world, html),
        "committer": _git_actor(c["author"], c["committed_at"], world, html),
    }


def _commit_ref(sha: str, repo: str) -> JSON:
    """A Commit known only by its oid (merge commits, deployments): check suites resolve."""
    return {"__typename": "Commit", "oid": sha, "_repo": repo}


def _review_node(r: Review, pull: Pull, world: WorldIndex, html: str) -> JSON:
    return {
        "__typename": "PullRequestReview",
        "id": r["node_id"],
        "databaseId": r["id"],
        "author": actor(r["author"], world, html),
        "authorAssociation": "MEMBER",
        "state": r["state"],
        "body": "",
        "submittedAt": r["submitted_at"],
        "createdAt": r["submitted_at"],
        "updatedAt": r["submitted_at"],
        "publishedAt": r["submitted_at"],
        "url": f"{html}/{pull['repo']}/pull/{pull['number']}#pullrequestreview-{r['id']}",
    }


_EVENT_TYPENAMES = {
    "REVIEW_REQUESTED": "ReviewRequestedEvent",
    "READY_FOR_REVIEW": "ReadyForReviewEvent",
    "CONVERT_TO_DRAFT": "ConvertToDraftEvent",
    "CLOSED": "ClosedEvent",
    "REOPENED": "ReopenedEvent",
    "MERGED": "MergedEvent",
}


def _item_type(typename: str) -> str:
    """ "ReviewRequestedEvent" -> "REVIEW_REQUESTED_EVENT" (PullRequestTimelineItemsItemType)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", typename).upper()


def _event_node(e: TimelineEvent, index: int, pull: Pull, world: WorldIndex, html: str) -> JSON:
    typename = _EVENT_TYPENAMES[e["type"]]
    url = f"{html}/{pull['repo']}/pull/{pull['number']}"
    node: JSON = {
        "__typename": typename,
        "id": base64.b64encode(f"{typename}:{pull['id']}:{index}".encode()).decode(),
        "createdAt": e["at"],
        "actor": actor(e["actor"], world, html),
        "url": f"{url}#event-{stable_id(str(pull['id']) + ':' + str(index))}",
    }
    if typename == "ReviewRequestedEvent":
        node["requestedReviewer"] = actor(e.get("reviewer"), world, html)
    elif typename == "MergedEvent":
        sha = pull["merge_commit_sha"]
        node["mergeRefName"] = pull["base_ref"]
        node["commit"] = None if sha is None else _commit_ref(sha, pull["repo"])
    elif typename == "ClosedEvent":
        node["stateReason"] = None
    return node


def pull_node(pull: Pull, world: WorldIndex, html: str) -> JSON:
    """A PullRequest object: scalars as dict keys, connections via `_pull` and resolvers."""
    repo = pull["repo"]
    sha = pull["merge_commit_sha"]
    head = pull["commits"][-1]["sha"] if pull["commits"] else None
    return {
        "__typename": "PullRequest",
        "_pull": pull,
        "id": pull["node_id"],
        "databaseId": pull["id"],
        "number": pull["number"],
        "title": pull["title"],
        "body": pull["body"],
        "url": f"{html}/{repo}/pull/{pull['number']}",
        "permalink": f"{html}/{repo}/pull/{pull['number']}",
        "state": pull["state"],
        "isDraft": pull["is_draft"],
        "closed": pull["state"] != "OPEN",
        "merged": pull["state"] == "MERGED",
        "locked": False,
        "createdAt": pull["created_at"],
        "updatedAt": pull["updated_at"],
        "publishedAt": pull["created_at"],
        "mergedAt": pull["merged_at"],
        "closedAt": pull["closed_at"],
        "additions": pull["additions"],
        "deletions": pull["deletions"],
        "changedFiles": pull["changed_files"],
        "headRefName": pull["head_ref"],
        "baseRefName": pull["base_ref"],
        "headRefOid": head or "0" * 40,
        "baseRefOid": pull["commits"][0]["sha"] if pull["commits"] else "0" * 40,
        "author": actor(pull["author"], world, html),
        "mergedBy": actor(pull["merged_by"], world, html),
        "mergeCommit": None if sha is None else _commit_ref(sha, repo),
        "authorAssociation": "MEMBER",
        "reviewDecision": _review_decision(pull),
    }


def _review_decision(pull: Pull) -> str | None:
    latest: dict[str, str] = {}
    for r in pull["reviews"]:
        if r["state"] in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[r["author"]] = r["state"]
    states = set(latest.values())
    if "CHANGES_REQUESTED" in states:
        return "CHANGES_REQUESTED"
    if "APPROVED" in states:
        return "APPROVED"
    return "REVIEW_REQUIRED"


def _cached_pull_node(pull: Pull, ctx: Context) -> JSON:
    key = ("gql_pull", pull["repo"], pull["number"], pull["updated_at"], id(pull))
    node: JSON = ctx.world.cached(key, lambda: pull_node(pull, ctx.world, ctx.html))
    return node


def _offset_connection(
    items: Sequence[JSON],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    extra: JSON | None = None,
) -> JSON:
    """A relay connection over a small list, cursors being offsets."""
    start, end = 0, len(items)
    if after is not None:
        start = max(start, int(_decode_cursor(after)) + 1)
    if before is not None:
        end = min(end, int(_decode_cursor(before)))
    if first is not None:
        end = min(end, start + first)
    elif last is not None:
        start = max(start, end - last)
    window = range(start, max(start, end))
    nodes = [items[i] for i in window]
    cursors = [_encode_cursor(i) for i in window]
    out: JSON = {
        "totalCount": len(items),
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }
    if extra:
        out.update(extra)
    return out


# -- resolvers ------------------------------------------------------------------------------


def _resolve_repository(_obj: Any, info: Any, owner: str, name: str, **_: Any) -> JSON:
    ctx: Context = info.context
    full = f"{owner}/{name}"
    if not ctx.world.has_repo(full):
        raise GraphQLError(
            f"Could not resolve to a Repository with the name '{full}'.",
            extensions={"type": "NOT_FOUND"},
        )
    rid = stable_id(f"repo:{full}")
    return {
        "__typename": "Repository",
        "_full": full,
        "id": base64.b64encode(f"010:Repository{rid}".encode()).decode(),
        "databaseId": rid,
        "name": name,
        "nameWithOwner": full,
        "owner": {"__typename": "Organization", "login": owner, "url": f"{ctx.html}/{owner}"},
        "url": f"{ctx.html}/{full}",
        "isPrivate": True,
        "isArchived": False,
        "defaultBranchRef": {"__typename": "Ref", "name": ctx.world.default_branch(full)},
    }


_ORDER_FIELDS = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}


def _resolve_pull_requests(
    repo: JSON,
    info: Any,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    orderBy: JSON | None = None,
    states: list[str] | None = None,
    labels: list[str] | None = None,
    headRefName: str | None = None,
    baseRefName: str | None = None,
) -> JSON:
    """Repository.pullRequests with key-based cursors, stable while PRs move in the order."""
    ctx: Context = info.context
    world = ctx.world
    order = orderBy or {"field": "CREATED_AT", "direction": "ASC"}
    if order.get("field") == "COMMENTS":
        order = {**order, "field": "CREATED_AT"}  # the world keeps no comments
    key_field = _ORDER_FIELDS[order["field"]]
    desc = order.get("direction") == "DESC"
    full = repo["_full"]
    wanted = frozenset(states) if states else None
    label_set = frozenset(labels) if labels else None

    def build() -> tuple[list[Pull], list[tuple[str, int]]]:
        rows = world.pulls_sorted(full, key_field)
        if wanted is not None:
            rows = [p for p in rows if p["state"] in wanted]
        if label_set is not None:
            rows = [p for p in rows if label_set & set(p["labels"])]
        if headRefName is not None:
            rows = [p for p in rows if p["head_ref"] == headRefName]
        if baseRefName is not None:
            rows = [p for p in rows if p["base_ref"] == baseRefName]
        keys = [(p[key_field], p["number"]) for p in rows]  # type: ignore[literal-required]
        return rows, keys

    rows, keys = world.cached(
        ("gql_prs", full, key_field, wanted, label_set, headRefName, baseRefName), build
    )
    n = len(rows)

    # positions in the requested order: [lo, hi) of the ascending list, walked up or down
    def pos_after(cursor: str) -> int:
        k = tuple(_decode_cursor(cursor))
        return n - bisect_left(keys, k) if desc else bisect_right(keys, k)

    def pos_before(cursor: str) -> int:
        k = tuple(_decode_cursor(cursor))
        return n - bisect_right(keys, k) if desc else bisect_left(keys, k)

    start = pos_after(after) if after else 0
    end = pos_before(before) if before else n
    if first is not None:
        end = min(end, start + first)
    elif last is not None:
        start = max(start, end - last)
    indices = range(start, max(start, end))
    picked = [rows[n - 1 - i] if desc else rows[i] for i in indices]
    nodes = [_cached_pull_node(p, ctx) for p in picked]
    cursors = [_encode_cursor([p[key_field], p["number"]]) for p in picked]  # type: ignore[literal-required,unused-ignore]
    return {
        "totalCount": n,
        "nodes": nodes,
        "edges": [{"cursor": c, "node": node} for c, node in zip(cursors, nodes, strict=True)],
        "pageInfo": {
            "hasNextPage": end < n,
            "hasPreviousPage": start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def _resolve_pull_request(repo: JSON, info: Any, number: int) -> JSON | None:
    ctx: Context = info.context
    pull = ctx.world.pulls.get(repo["_full"], {}).get(number)
    return None if pull is None else _cached_pull_node(pull, ctx)


def _paging(args: JSON) -> JSON:
    return {k: args.get(k) for k in ("first", "after", "last", "before")}


def _resolve_commits(pr: JSON, info: Any, **args: Any) -> JSON:
    ctx: Context = info.context
    pull: Pull = pr["_pull"]

    def build() -> list[JSON]:
        return [
            {
                "__typename": "PullRequestCommit",
                "id": base64.b64encode(f"PRC:{pull['id']}:{c['sha']}".encode()).decode(),
                "url": f"{pr['url']}/commits/{c['sha']}",
                "commit": commit_object(c, pull["repo"], ctx.world, ctx.html),
            }
            for c in pull["commits"]
        ]

    items = ctx.world.cached(("gql_commits", id(pull)), build)
    return _offset_connection(items, **_paging(args))


def _resolve_reviews(pr: JSON, info: Any, **args: Any) -> JSON:
    ctx: Context = info.context
    pull: Pull = pr["_pull"]
    items = ctx.world.cached(
        ("gql_reviews", id(pull)),
        lambda: [_review_node(r, pull, ctx.world, ctx.html) for r in pull["reviews"]],
    )
    if args.get("states"):
        items = [r for r in items if r["state"] in set(args["states"])]
    if args.get("author"):
        items = [r for r in items if r["author"] and r["author"]["login"] == args["author"]]
    return _offset_connection(items, **_paging(args))


def _resolve_labels(pr: JSON, info: Any, **args: Any) -> JSON:
    pull: Pull = pr["_pull"]
    items = [
        {
            "__typename": "Label",
            "id": base64.b64encode(f"05:Label{stable_id(name)}".encode()).decode(),
            "name": name,
            "color": "ededed",
        }
        for name in pull["labels"]
    ]
    return _offset_connection(items, **_paging(args))


def _timeline(pull: Pull, ctx: Context) -> list[JSON]:
    """Events, reviews and commits of a PR in time order, as GitHub's timeline lists them."""
    timed: list[tuple[str, int, JSON]] = []
    for i, e in enumerate(pull["timeline"]):
        if e["type"] in _EVENT_TYPENAMES:
            timed.append((e["at"], len(timed), _event_node(e, i, pull, ctx.world, ctx.html)))
    for r in pull["reviews"]:
        timed.append((r["submitted_at"], len(timed), _review_node(r, pull, ctx.world, ctx.html)))
    for c in pull["commits"]:
        node = {
            "__typename": "PullRequestCommit",
            "id": base64.b64encode(f"PRC:{pull['id']}:{c['sha']}".encode()).decode(),
            "url": f"{ctx.html}/{pull['repo']}/pull/{pull['number']}/commits/{c['sha']}",
            "commit": commit_object(c, pull["repo"], ctx.world, ctx.html),
        }
        at = c["committed_at"].replace("Z", "+00:00")
        timed.append((_utc(at), len(timed), node))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [node for _, _, node in timed]


def _utc(instant: str) -> str:
    from sandbox.fakes.world_index import format_instant, parse_instant

    return format_instant(parse_instant(instant))


def _resolve_timeline(pr: JSON, info: Any, **args: Any) -> JSON:
    ctx: Context = info.context
    pull: Pull = pr["_pull"]
    everything: list[JSON] = ctx.world.cached(
        ("gql_timeline", id(pull)), lambda: _timeline(pull, ctx)
    )
    items = everything
    if args.get("itemTypes"):
        wanted = set(args["itemTypes"])
        items = [n for n in items if _item_type(n["__typename"]) in wanted]
    if args.get("since"):
        since = args["since"]
        items = [n for n in items if n.get("createdAt", n.get("submittedAt", "")) >= since]
    if args.get("skip"):
        items = items[int(args["skip"]) :]
    extra = {
        "totalCount": len(everything),
        "filteredCount": len(items),
        "pageCount": len(items),
        "updatedAt": pull["updated_at"],
    }
    conn = _offset_connection(items, **_paging(args), extra=None)
    conn.update(extra)
    return conn


# -- Actions: check suites, workflow runs, check runs ---------------------------------------


def _upper(value: str | None) -> str | None:
    return value.upper() if value else None


def _check_suite_node(run: WorkflowRun, html: str) -> JSON:
    """A workflow run as the check suite GitHub Actions creates for it."""
    repo, rid = run["repo"], run["id"]
    suite = stable_id(f"suite:{repo}:{rid}", digits=10)  # = REST check_suite_id
    workflow = stable_id(f"workflow:{repo}:{run['name']}", digits=7)  # = REST workflow_id
    path = f"/{repo}/actions/runs/{rid}"
    return {
        "__typename": "CheckSuite",
        "_run": run,
        "id": base64.b64encode(f"CS_{suite}".encode()).decode(),
        "databaseId": suite,
        "status": run["status"].upper(),
        "conclusion": _upper(run["conclusion"]),
        "createdAt": run["created_at"],
        "updatedAt": run["updated_at"],
        "branch": {"__typename": "Ref", "name": run["head_branch"], "prefix": "refs/heads/"},
        "app": {"__typename": "App", "name": "GitHub Actions", "slug": "github-actions"},
        "resourcePath": path,
        "url": html + path,
        "workflowRun": {
            "__typename": "WorkflowRun",
            "id": base64.b64encode(f"WFR_{rid}".encode()).decode(),
            "databaseId": rid,
            "runNumber": rid % 100000,  # = REST run_number
            "event": run["event"],
            "createdAt": run["created_at"],
            "updatedAt": run["updated_at"],
            "resourcePath": path,
            "url": html + path,
            "workflow": {
                "__typename": "Workflow",
                "id": base64.b64encode(f"W_{workflow}".encode()).decode(),
                "databaseId": workflow,
                "name": run["name"],
                "state": "ACTIVE",
                "createdAt": run["created_at"],
                "updatedAt": run["created_at"],
                "resourcePath": f"/{repo}/actions/workflows/{workflow}",
                "url": f"{html}/{repo}/actions/workflows/{workflow}",
            },
        },
    }


def _check_runs(run: WorkflowRun) -> list[JSON]:
    """One "build" job per attempt: earlier attempts failed, the last one is the run's."""
    out: list[JSON] = []
    attempts = max(1, int(run["run_attempt"]))
    done = run["status"] == "completed"
    for attempt in range(1, attempts + 1):
        last = attempt == attempts
        out.append(
            {
                "__typename": "CheckRun",
                "id": base64.b64encode(f"CR_{run['id']}_{attempt}".encode()).decode(),
                "databaseId": stable_id(f"checkrun:{run['repo']}:{run['id']}:{attempt}"),
                "name": "build",
                "status": run["status"].upper() if last else "COMPLETED",
                "conclusion": _upper(run["conclusion"]) if last else "FAILURE",
                "startedAt": run["run_started_at"] if last else run["created_at"],
                "completedAt": (run["updated_at"] if done else None)
                if last
                else run["run_started_at"],
                "_latest": last,
            }
        )
    return out


def _resolve_check_suites(commit: JSON, info: Any, **args: Any) -> JSON | None:
    ctx: Context = info.context
    repo = commit.get("_repo")
    if repo is None:
        return None
    runs = ctx.world.runs_by_sha(repo).get(commit["oid"], [])
    items = [_check_suite_node(r, ctx.html) for r in runs]
    return _offset_connection(items, **_paging(args))


def _resolve_object(repo: JSON, info: Any, oid: str | None = None, **_: Any) -> JSON | None:
    """Repository.object(oid:) for commits the world knows (PR, merge and run commits)."""
    ctx: Context = info.context
    full = repo["_full"]

    def build() -> frozenset[str]:
        shas = set(ctx.world.runs_by_sha(full)) | set(ctx.world.history_position(full))
        for pull in ctx.world.pulls.get(full, {}).values():
            shas.update(c["sha"] for c in pull["commits"])
        return frozenset(shas)

    known: frozenset[str] = ctx.world.cached(("commit_shas", full), build)
    return _commit_ref(oid, full) if oid and oid in known else None


def _resolve_check_runs(suite: JSON, info: Any, **args: Any) -> JSON:
    items = _check_runs(suite["_run"])
    filter_by = args.get("filterBy") or {}
    if filter_by.get("checkType", "LATEST") != "ALL":
        items = [c for c in items if c["_latest"]]
    if name := filter_by.get("checkName"):
        items = [c for c in items if c["name"] == name]
    return _offset_connection(items, **_paging(args))


# -- deployments ----------------------------------------------------------------------------

_DEPLOYMENT_STATE = {
    "success": "ACTIVE",
    "failure": "FAILURE",
    "error": "ERROR",
    "inactive": "INACTIVE",
    "in_progress": "IN_PROGRESS",
    "queued": "QUEUED",
    "pending": "PENDING",
    "waiting": "WAITING",
}


def _deployment_status_node(s: DeploymentStatus, d: Deployment, creator: JSON | None) -> JSON:
    return {
        "__typename": "DeploymentStatus",
        "id": base64.b64encode(f"DES_{s['id']}".encode()).decode(),
        "state": s["state"].upper(),
        "createdAt": s["created_at"],
        "updatedAt": s["created_at"],
        "creator": creator,
        "description": "",
        "environment": d["environment"],
        "environmentUrl": None,
        "logUrl": None,
    }


def deployment_node(d: Deployment, world: WorldIndex, html: str) -> JSON:
    """A Deployment object; `statuses` resolves from `_statuses` (newest first)."""
    creator = actor(d["creator"], world, html)
    statuses = [_deployment_status_node(s, d, creator) for s in reversed(d["statuses"])]
    latest = d["statuses"][-1]["state"] if d["statuses"] else None
    return {
        "__typename": "Deployment",
        "_statuses": statuses,
        "id": d["node_id"],
        "databaseId": d["id"],
        "createdAt": d["created_at"],
        "updatedAt": d["updated_at"],
        "environment": d["environment"],
        "originalEnvironment": d["environment"],
        "latestEnvironment": d["environment"],
        "commitOid": d["sha"],
        "commit": _commit_ref(d["sha"], d["repo"]),
        "ref": {"__typename": "Ref", "name": d["ref"], "prefix": "refs/heads/"},
        "creator": creator,
        "task": "deploy",
        "description": None,
        "payload": "{}",
        "state": _DEPLOYMENT_STATE.get(latest or "", "PENDING"),
        "latestStatus": statuses[0] if statuses else None,
    }


def _cached_deployment_node(d: Deployment, ctx: Context) -> JSON:
    key = ("gql_deployment", d["id"], d["updated_at"], len(d["statuses"]), id(d))
    node: JSON = ctx.world.cached(key, lambda: deployment_node(d, ctx.world, ctx.html))
    return node


def _resolve_deployments(
    repo: JSON,
    info: Any,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    environments: list[str] | None = None,
    orderBy: JSON | None = None,
) -> JSON:
    """Repository.deployments ordered by creation (the only order GitHub offers)."""
    ctx: Context = info.context
    full = repo["_full"]
    desc = (orderBy or {}).get("direction") == "DESC"
    envs = frozenset(environments) if environments else None

    def build() -> tuple[list[Deployment], list[tuple[str, int]]]:
        rows = ctx.world.deployments_sorted(full)
        if envs is not None:
            rows = [d for d in rows if d["environment"] in envs]
        return rows, [(d["created_at"], d["id"]) for d in rows]

    rows, keys = ctx.world.cached(("gql_deployments", full, envs), build)
    picked, cursors, page_info = _keyed_window(keys, desc, first, after, last, before)
    nodes = [_cached_deployment_node(rows[i], ctx) for i in picked]
    return {
        "totalCount": len(rows),
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "pageInfo": page_info,
    }


def _keyed_window(
    keys: Sequence[tuple[Any, ...]],
    desc: bool,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> tuple[list[int], list[str], JSON]:
    """Indices (into ascending `keys`) of one page, their cursors and pageInfo; cursors are
    the keys themselves, so a page boundary is stable while other items are added."""
    n = len(keys)

    def pos(cursor: str, after_side: bool) -> int:
        k = tuple(_decode_cursor(cursor))
        if desc:
            return n - (bisect_left(keys, k) if after_side else bisect_right(keys, k))
        return bisect_right(keys, k) if after_side else bisect_left(keys, k)

    start = pos(after, True) if after else 0
    end = pos(before, False) if before else n
    if first is not None:
        end = min(end, start + first)
    elif last is not None:
        start = max(start, end - last)
    picked = [n - 1 - i if desc else i for i in range(start, max(start, end))]
    cursors = [_encode_cursor(list(keys[i])) for i in picked]
    info = {
        "hasNextPage": end < n,
        "hasPreviousPage": start > 0,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }
    return picked, cursors, info


def _resolve_deployment_statuses(dep: JSON, info: Any, **args: Any) -> JSON:
    return _offset_connection(dep["_statuses"], **_paging(args))


def _resolve_nodes(_obj: Any, info: Any, ids: list[str]) -> list[JSON | None]:
    """Query.nodes for the objects the fake can look up by id (deployments, PRs)."""
    ctx: Context = info.context
    out: list[JSON | None] = []
    for ident in ids:
        d = ctx.world.deployment_by_node_id(ident)
        if d is not None:
            out.append(_cached_deployment_node(d, ctx))
            continue
        pull = ctx.world.pull_by_node_id(ident)
        out.append(None if pull is None else _cached_pull_node(pull, ctx))
    return out


def _resolve_node(obj: Any, info: Any, id: str) -> JSON | None:
    return _resolve_nodes(obj, info, [id])[0]


def _resolve_rate_limit(_obj: Any, info: Any, **_: Any) -> JSON:
    ctx: Context = info.context
    return ctx.rate_limit


def _attach_resolvers(schema: GraphQLSchema) -> None:
    def on(type_name: str, field_name: str, fn: Callable[..., Any]) -> None:
        gql_type = schema.type_map[type_name]
        assert isinstance(gql_type, GraphQLObjectType)
        gql_type.fields[field_name].resolve = fn

    on("Query", "repository", _resolve_repository)
    on("Query", "rateLimit", _resolve_rate_limit)
    on("Repository", "pullRequests", _resolve_pull_requests)
    on("Repository", "pullRequest", _resolve_pull_request)
    on("PullRequest", "commits", _resolve_commits)
    on("PullRequest", "reviews", _resolve_reviews)
    on("PullRequest", "labels", _resolve_labels)
    on("PullRequest", "timelineItems", _resolve_timeline)
    on("Commit", "checkSuites", _resolve_check_suites)
    on("Repository", "object", _resolve_object)
    on("CheckSuite", "checkRuns", _resolve_check_runs)
    on("Repository", "deployments", _resolve_deployments)
    on("Deployment", "statuses", _resolve_deployment_statuses)
    on("Query", "nodes", _resolve_nodes)
    on("Query", "node", _resolve_node)
