"""Deployments (REST and GraphQL) and their statuses to Deployment rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.sources.github.normalise.common import (
    SOURCE,
    TERMINAL_DEPLOY_STATES,
    People,
    _actor,
    _rest_user,
)
from ingest.sources.github.normalise.runs import (
    _EPOCH,
)
from store.models import (
    Deployment,
)

# --- delivery (REST) -------------------------------------------------------------------------


def deployment_from_rest(
    item: Mapping[str, Any],
    statuses: Sequence[Mapping[str, Any]],
    repo: str,
    people: People,
    *,
    team_slug: str | None = None,
) -> Page:
    """A deployment and its statuses (any order) to a Deployment row."""
    page = Page(items=1)
    people.add(page, *_rest_user(item.get("creator")))
    created_at = require_instant(item.get("created_at"), f"deployment {item.get('id')}")
    page.max_cursor = parse_instant(item.get("updated_at")) or created_at
    timed = [
        (parse_instant(s.get("created_at")) or _EPOCH, str(s.get("state") or ""), s.get("id") or 0)
        for s in statuses
    ]
    api_url = str(item.get("url") or "").split("/repos/", 1)[0]
    page.add(
        Deployment,
        _deployment_row(
            external_id=deployment_key(item.get("node_id"), item.get("id")),
            repo=repo,
            team_slug=team_slug,
            environment=str(item.get("environment") or "production"),
            sha=item.get("sha"),
            created_at=created_at,
            statuses=timed,
            url=commit_url(api_url, repo, item.get("sha")),
        ),
    )
    return page


def deployment_key(node_id: Any, database_id: Any) -> str:
    """A deployment's natural key: its global node id, the same over REST (`node_id`) and
    GraphQL (`id`). GraphQL's `databaseId` is a 32-bit Int that cannot hold today's
    deployment ids (GitHub answers a field error instead), so it cannot be the key."""
    if node_id:
        return str(node_id)
    if database_id is None:
        raise ValueError("deployment without node_id or id")
    return str(database_id)


def commit_url(api_url: str, repo: str, sha: Any) -> str | None:
    """The web page of the deployed commit (evidence a person can open), from the API base:
    https://api.github.com -> https://github.com; https://HOST/api/v3 -> https://HOST."""
    if not sha or not api_url:
        return None
    base = api_url.rstrip("/").removesuffix("/api/v3")
    base = base.replace("://api.github.com", "://github.com")
    return f"{base}/{repo}/commit/{sha}"


def deployment_from_graphql(
    node: Mapping[str, Any],
    repo: str,
    people: People,
    *,
    api_url: str,
    team_slug: str | None = None,
) -> Page:
    """A GraphQL Deployment (with `statuses` and `latestStatus`) to the same Deployment row
    the REST path makes; `url` is the REST URL, which GraphQL does not expose."""
    page = Page(items=1)
    people.add(page, *_actor(node.get("creator")))
    dep_id = node.get("id")
    created_at = require_instant(node.get("createdAt"), f"deployment {dep_id}")
    page.max_cursor = parse_instant(node.get("updatedAt")) or created_at
    seen: set[tuple[str, str]] = set()
    timed: list[tuple[datetime, str, int]] = []
    listed = ((node.get("statuses") or {}).get("nodes") or []) + [node.get("latestStatus")]
    for position, status in enumerate(listed):
        if not status:
            continue
        state, at = str(status.get("state") or "").lower(), str(status.get("createdAt") or "")
        if (state, at) in seen:
            continue
        seen.add((state, at))
        timed.append((parse_instant(at) or _EPOCH, state, -position))  # newest listed first
    page.add(
        Deployment,
        _deployment_row(
            external_id=deployment_key(dep_id, None),
            repo=repo,
            team_slug=team_slug,
            environment=str(node.get("environment") or "production"),
            sha=node.get("commitOid"),
            created_at=created_at,
            statuses=timed,
            url=commit_url(api_url, repo, node.get("commitOid")),
        ),
    )
    return page


# Among statuses created in the same second, the later step of a deployment's life wins.
_STATE_RANK = {"queued": 0, "pending": 1, "waiting": 1, "in_progress": 2, "inactive": 4}


def _deployment_row(
    *,
    external_id: str,
    repo: str,
    team_slug: str | None,
    environment: str,
    sha: str | None,
    created_at: datetime,
    statuses: Sequence[tuple[datetime, str, int]],
    url: str | None,
) -> dict[str, Any]:
    """status = the latest status that is not `inactive`; finished_at = the time of the
    latest success / failure / error status (see the module docstring)."""
    ordered = sorted(statuses, key=lambda s: (s[0], _STATE_RANK.get(s[1], 3), s[2]))
    effective = [s for s in ordered if s[1] != "inactive"]
    latest = effective[-1] if effective else (ordered[-1] if ordered else None)
    finished = [s for s in ordered if s[1] in TERMINAL_DEPLOY_STATES]
    return {
        "source": SOURCE,
        "external_id": external_id,
        "repo": repo,
        "service": None,
        "team_slug": team_slug,
        "environment": environment,
        "sha": sha,
        "status": latest[1] if latest else "pending",
        "created_at": created_at,
        "finished_at": finished[-1][0] if finished else None,
        "url": url,
    }
