"""What changed in each repository since the last sync, asked cheaply (issue 20).

GraphQL answers have no ETag, so an unchanged repository used to cost a whole page of 100
pull requests (about 23 points) and a page of deployments (1 point) on every sync. The
probe asks every repository's newest pull-request `updatedAt` and newest deployment
`createdAt` (`first: 1` each) and its default branch, 50 repositories per request: 1 point
per 50 repositories. A stream then walks only a repository where something may have
changed (`settled` below).

When a repository counts as settled: its last complete walk started at `walked_at`, its
bookmark is `cursor`, the probe saw `newest`. It is settled when `newest <= cursor` (the
walk saw it) and `newest < walked_at - lookback`. The second condition is what makes the
skip safe against races: anything updated after the walk began carries an `updatedAt` of
at least `walked_at` (less clock skew, which `lookback` bounds), so it shows in the next
probe and the repository is walked again; an update between the probe and the walk's read
is read by the walk or, if the repository was judged settled, by the next sync. The
price is that a repository changed within `lookback` of its last walk is walked again
until the walks start more than `lookback` after its newest change.

The probe is an optimisation: if it fails (5xx after retries, broken JSON, a GraphQL
error), every repository is walked as before; only a refused credential or a rate-limit
stop end the sync, as for any request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest.base import RetryPage, StreamContext
from ingest.errors import AuthError, IngestHTTPError
from ingest.instants import parse_instant
from ingest.sources.github.config import GitHubSourceConfig
from ingest.sources.github.queries import activity_probe_query
from ingest.sources.github.streams.branches import DefaultBranches
from ingest.sources.github.streams.common import graphql_data

log = logging.getLogger(__name__)

BATCH = 50  # repositories per probe: 100 connection requests = 1 point


@dataclass(frozen=True)
class Activity:
    """A repository's newest pull-request update and deployment (None: it has none)."""

    newest_pull: datetime | None
    newest_deployment: datetime | None


class ActivityProbe:
    """Each repository's `Activity`, asked once per sync for all repositories that the
    first stream to need it does not know yet; shared by the streams of one sync."""

    def __init__(self, config: GitHubSourceConfig, branches: DefaultBranches) -> None:
        self.config = config
        self.branches = branches
        self.found: dict[str, Activity] = {}
        self.asked: set[str] = set()

    def activity(self, ctx: StreamContext, repos: Sequence[str]) -> Activity | None:
        """What the probe saw in `ctx.partition`; None when it could not tell."""
        if ctx.partition not in self.asked:
            unknown = [r for r in repos if r not in self.asked]
            for start in range(0, len(unknown), BATCH):
                self._probe(ctx, unknown[start : start + BATCH])
        return self.found.get(ctx.partition)

    def _probe(self, ctx: StreamContext, repos: Sequence[str]) -> None:
        self.asked.update(repos)
        variables: dict[str, Any] = {"environments": self.config.deploy_environments or None}
        for i, repo in enumerate(repos):
            variables[f"o{i}"], _, variables[f"n{i}"] = repo.partition("/")
        body = {"query": activity_probe_query(len(repos)), "variables": variables}
        try:
            answer = ctx.http.request("POST", self.config.resolved_graphql_url, json_body=body)
            data = _data(answer, ctx)
        except AuthError:
            raise
        except (IngestHTTPError, RetryPage) as exc:  # walk them all, as without a probe
            note = f"activity probe failed ({exc}); its {len(repos)} repositories were walked"
            log.warning("%s", note)
            ctx.http.stats.warnings.append(note)
            return
        for i, repo in enumerate(repos):
            node = data.get(f"r{i}")
            if isinstance(node, Mapping):
                self.found[repo] = _activity(node)
                self.branches.note(repo, node)


def _data(answer: Any, ctx: StreamContext) -> Mapping[str, Any]:
    """The probe's `data`; a repository GitHub cannot resolve is null beside an error,
    which leaves only that repository unknown (it is walked, and fails as before)."""
    try:
        return graphql_data(answer, ctx)
    except IngestHTTPError:
        partial = answer.data.get("data") if isinstance(answer.data, dict) else None
        if not isinstance(partial, dict):
            raise
        return partial


def _activity(node: Mapping[str, Any]) -> Activity:
    def newest(connection: str, field: str) -> datetime | None:
        nodes = (node.get(connection) or {}).get("nodes") or []
        return parse_instant(nodes[0].get(field)) if nodes and nodes[0] else None

    return Activity(newest("pullRequests", "updatedAt"), newest("deployments", "createdAt"))


def settled(
    newest: datetime | None,
    cursor: datetime | None,
    extra: Mapping[str, Any],
    lookback: timedelta,
) -> bool:
    """Whether a repository whose newest item is `newest` needs no walk (module docstring)."""
    walked = parse_instant(extra.get("walked_at"))
    if walked is None:
        return False  # never walked to the end
    if newest is None:
        return True  # nothing at all, and a walk completed
    return cursor is not None and newest <= cursor and newest < walked - lookback
