"""Signals pushed by tools without a source (any CD or incident tool) as store rows.

The shell (bot.webhooks) receives the request, checks its size and signature and parses
the JSON; what the body means is decided here, like every other payload-to-row mapping:
`deployment_row` and `incident_row` validate a body and map it to a row, naming the
offending field in `BadPayload`; `write` upserts a row by the sender's `id`, so a resend
updates the row and never duplicates it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from ingest.base import Model
from store.models import Deployment, Incident
from store.upsert import upsert

SOURCE = "webhook"
KEYS = ("source", "external_id")  # the natural key of both tables, per sender id
Kind = Literal["deployments", "incidents"]


class BadPayload(Exception):
    """The body is not what the endpoint accepts; the message names the field."""


def _field(body: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    value = body.get(name)
    if required and (value is None or value == ""):
        raise BadPayload(f"missing field {name!r}")
    return value


def _text(body: Mapping[str, Any], name: str, *, required: bool = True, limit: int = 300) -> Any:
    value = _field(body, name, required=required)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise BadPayload(f"field {name!r} must be a string")
    text = str(value)
    if len(text) > limit:
        raise BadPayload(f"field {name!r} is longer than {limit} characters")
    return text


def _instant(body: Mapping[str, Any], name: str, *, required: bool = True) -> datetime | None:
    value = _field(body, name, required=required)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload(f"field {name!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise BadPayload(f"field {name!r} needs a UTC offset, e.g. 2026-11-24T10:00:00Z")
    return parsed


def deployment_row(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a deployment payload and map it to a Deployment row."""
    service = _text(body, "service", required=False)
    repo = _text(body, "repo", required=False)
    if not service and not repo:
        raise BadPayload("missing field 'service' (or 'repo')")
    status = _text(body, "status")
    if status not in ("success", "failure"):
        raise BadPayload("field 'status' must be 'success' or 'failure'")
    started = _instant(body, "started_at")
    finished = _instant(body, "finished_at")
    assert started is not None and finished is not None
    if finished < started:
        raise BadPayload("field 'finished_at' is before 'started_at'")
    return {
        "source": SOURCE,
        "external_id": _text(body, "id", limit=100),
        "service": service,
        "repo": repo,
        "environment": _text(body, "environment", limit=100),
        "status": status,
        "created_at": started,
        "finished_at": finished,
        "sha": _text(body, "commit_sha", required=False, limit=64),
    }


def incident_row(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an incident payload and map it to an Incident row."""
    started = _instant(body, "started_at")
    resolved = _instant(body, "resolved_at", required=False)
    assert started is not None
    if resolved is not None and resolved < started:
        raise BadPayload("field 'resolved_at' is before 'started_at'")
    return {
        "source": SOURCE,
        "external_id": _text(body, "id", limit=100),
        "service": _text(body, "service"),
        "title": _text(body, "title", limit=2000),
        "started_at": started,
        "resolved_at": resolved,
        "severity": _text(body, "severity", required=False, limit=32),
    }


# Each endpoint's table and mapping.
ENDPOINTS: dict[Kind, tuple[Model, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "deployments": (Deployment, deployment_row),
    "incidents": (Incident, incident_row),
}


def normalise(kind: Kind, body: Any) -> dict[str, Any]:
    """The row a parsed JSON body of endpoint `kind` stands for; BadPayload when it is not
    a JSON object or a field is missing or wrong."""
    if not isinstance(body, Mapping):
        raise BadPayload("the body must be a JSON object")
    return ENDPOINTS[kind][1](body)


def write(session: Session, kind: Kind, row: Mapping[str, Any]) -> int:
    """Upsert one webhook row by (source, sender id): a resend updates, never duplicates."""
    model = ENDPOINTS[kind][0]
    return upsert(session, model, [dict(row)], list(KEYS))
