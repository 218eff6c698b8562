"""`POST /webhooks/deployments` and `/webhooks/incidents`: signals from tools without a source.

Any CD or incident tool can report here. Each request is signed:
`X-Metrics-Timestamp` (Unix seconds) and `X-Metrics-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<raw body>">` with the shared secret. Writes are idempotent on the sender's
`id`: a resend updates the row, never duplicates it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from store.db import transaction
from store.models import Deployment, Incident
from store.upsert import upsert

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
MAX_SKEW_SECONDS = 300
SOURCE = "webhook"


class BadPayload(Exception):
    """The body is not what the endpoint accepts; the message names the field."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value a sender puts in X-Metrics-Signature."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str | None, given: str | None, body: bytes, now: float) -> str:
    """'' when the request is authentic, else why not (for the 401 body)."""
    if not timestamp or not given:
        return "missing X-Metrics-Timestamp or X-Metrics-Signature"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Metrics-Timestamp must be Unix seconds"
    if abs(now - sent) > MAX_SKEW_SECONDS:
        return "timestamp older than 5 minutes (or in the future): check the sender's clock"
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        return "signature does not match: check the shared secret"
    return ""


def _field(body: dict[str, Any], name: str, *, required: bool = True) -> Any:
    value = body.get(name)
    if required and (value is None or value == ""):
        raise BadPayload(f"missing field {name!r}")
    return value


def _text(body: dict[str, Any], name: str, *, required: bool = True, limit: int = 300) -> Any:
    value = _field(body, name, required=required)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise BadPayload(f"field {name!r} must be a string")
    text = str(value)
    if len(text) > limit:
        raise BadPayload(f"field {name!r} is longer than {limit} characters")
    return text


def _instant(body: dict[str, Any], name: str, *, required: bool = True) -> datetime | None:
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


def deployment_row(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a deployment payload and map it to a store row."""
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


def incident_row(body: dict[str, Any]) -> dict[str, Any]:
    """Validate an incident payload and map it to a store row."""
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


@dataclass
class WebhookEndpoints:
    """The two endpoints, bound to a secret and a store."""

    secret: str | None
    sessions: sessionmaker[Session]
    clock: Callable[[], float] = time.time

    def routes(self) -> list[Route]:
        return [
            Route("/webhooks/deployments", self.deployments, methods=["POST"]),
            Route("/webhooks/incidents", self.incidents, methods=["POST"]),
        ]

    async def deployments(self, request: Request) -> JSONResponse:
        return await self._handle(request, Deployment, deployment_row)

    async def incidents(self, request: Request) -> JSONResponse:
        return await self._handle(request, Incident, incident_row)

    async def _handle(
        self, request: Request, model: Any, to_row: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> JSONResponse:
        if not self.secret:
            return JSONResponse({"error": "not found"}, status_code=404)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            return JSONResponse({"error": "body larger than 1 MB"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "body larger than 1 MB"}, status_code=413)
        problem = verify(
            self.secret,
            request.headers.get("x-metrics-timestamp"),
            request.headers.get("x-metrics-signature"),
            body,
            self.clock(),
        )
        if problem:
            log.info("webhook %s refused: %s", request.url.path, problem)
            return JSONResponse({"error": problem}, status_code=401)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise BadPayload("the body must be a JSON object")
            row = to_row(payload)
        except json.JSONDecodeError as exc:
            return JSONResponse({"error": f"invalid JSON: {exc.msg}"}, status_code=400)
        except BadPayload as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        with transaction(self.sessions) as session:
            upsert(session, model, [row], ["source", "external_id"])
        return JSONResponse({"ok": True, "id": row["external_id"]}, status_code=200)
