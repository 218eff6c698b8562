"""A parsed webhook body as a store row: which fields each endpoint takes and how they map.

Every string is checked against its column's length (`column_limit`), every time is an
aware UTC instant, and each refusal names the field. `updated_at` (the sender's version of
the update) is optional on both; `"reopen": true` is the only way to reopen an incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.webhooks.body import BadPayload, column_limit, flag, instant, text
from store.models import Deployment, Incident

SOURCE = "webhook"


@dataclass(frozen=True)
class Update:
    """A validated body: the row to write and whether it explicitly reopens."""

    row: dict[str, Any]
    reopen: bool = False


def deployment_update(body: dict[str, Any]) -> Update:
    """Validate a deployment payload and map it to a store row."""
    service = text(body, "service", column_limit(Deployment, "service"), required=False)
    repo = text(body, "repo", column_limit(Deployment, "repo"), required=False)
    if not service and not repo:
        raise BadPayload("missing field 'service' (or 'repo')")
    status = text(body, "status", column_limit(Deployment, "status"))
    if status not in ("success", "failure"):
        raise BadPayload("field 'status' must be 'success' or 'failure'")
    started = instant(body, "started_at")
    finished = instant(body, "finished_at")
    assert started is not None and finished is not None
    if finished < started:
        raise BadPayload("field 'finished_at' is before 'started_at'")
    row = {
        "source": SOURCE,
        "external_id": text(body, "id", column_limit(Deployment, "external_id")),
        "service": service,
        "repo": repo,
        "environment": text(body, "environment", column_limit(Deployment, "environment")),
        "status": status,
        "created_at": started,
        "finished_at": finished,
        "sha": text(body, "commit_sha", column_limit(Deployment, "sha"), required=False),
        "updated_at": instant(body, "updated_at", required=False),
    }
    return Update(row)


def incident_update(body: dict[str, Any]) -> Update:
    """Validate an incident payload and map it to a store row."""
    started = instant(body, "started_at")
    resolved = instant(body, "resolved_at", required=False)
    assert started is not None
    if resolved is not None and resolved < started:
        raise BadPayload("field 'resolved_at' is before 'started_at'")
    reopen = flag(body, "reopen")
    if reopen and resolved is not None:
        raise BadPayload("'reopen': true with a 'resolved_at': send one or the other")
    row = {
        "source": SOURCE,
        "external_id": text(body, "id", column_limit(Incident, "external_id")),
        "service": text(body, "service", column_limit(Incident, "service")),
        "title": text(body, "title", column_limit(Incident, "title")),
        "started_at": started,
        "resolved_at": resolved,
        "severity": text(body, "severity", column_limit(Incident, "severity"), required=False),
        "updated_at": instant(body, "updated_at", required=False),
    }
    return Update(row, reopen=reopen)
