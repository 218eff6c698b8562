"""The GitHub streams: pull requests (with their CI runs) and deployments (with their
statuses) over GraphQL; default-branch workflow runs, releases and incident issues over
REST. Each is partitioned by repository, so each repository has its own bookmark.

Paging is newest first everywhere: a walk stops at the first item older than `since`
(bookmark minus lookback), so an incremental sync reads one page per repository and stream,
and REST first pages are conditional (ETag), so an unchanged repository costs a 304. GraphQL
has no 304: one probe per 50 repositories (streams.probe) tells which repositories' pull
requests and deployments changed, and only those are walked.

Where CI runs come from: runs on a PR's commits arrive with the PR (its newest commits'
check suites, no extra request); runs on the default branch (CI after merge, deploy
workflows) are listed over REST with `branch=<default>`, the default branch GitHub names
(streams.branches). Each run is written by one of the two, so the streams never overwrite
each other's rows.
"""

from __future__ import annotations

from ingest.sources.github.streams.branches import DefaultBranches
from ingest.sources.github.streams.common import GitHubStream, graphql_data, nodes_of
from ingest.sources.github.streams.deployments import DeploymentsStream, RestDeploymentsStream
from ingest.sources.github.streams.probe import ActivityProbe
from ingest.sources.github.streams.pulls import PullRequestsStream
from ingest.sources.github.streams.rest import (
    IncidentIssuesStream,
    ReleasesStream,
    RestListStream,
    WorkflowRunsStream,
)

__all__ = [
    "ActivityProbe",
    "DefaultBranches",
    "DeploymentsStream",
    "GitHubStream",
    "IncidentIssuesStream",
    "PullRequestsStream",
    "ReleasesStream",
    "RestDeploymentsStream",
    "RestListStream",
    "WorkflowRunsStream",
    "graphql_data",
    "nodes_of",
]
