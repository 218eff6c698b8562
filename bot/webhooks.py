"""`POST /webhooks/deployments` and `/webhooks/incidents`: signals from tools without a source.

Any CD or incident tool can report here. Each request is signed:
`X-Metrics-Timestamp` (Unix seconds) and `X-Metrics-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<raw body>">` with the shared secret. Work happens in this order, each step
bounded before the next: the body is read up to 1 MB (413 past it, reading stops), the
signature is checked (401, as is a body that ends early), the body is parsed and validated
(400 with a JSON reason, see `ingest.webhooks.body`), then written. Writes are idempotent on
the sender's `id` and monotonic (`ingest.webhooks.writes`): the answer says whether the
update was applied, and if not, why (`{"ok": true, "applied": false, "reason": "older than
stored: ..."}`). This module is the HTTP layer only; what a body means lives in
`ingest.webhooks`.

Optional fields: `updated_at` (the sender's version of the update, ISO 8601) on both, and
`"reopen": true` on incidents, the only way to reopen a resolved incident.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.request_body import BodyTooLarge, read_capped
from bot.thread_lanes import ThreadLane
from ingest.webhooks import (
    BadPayload,
    Contended,
    Outcome,
    Update,
    deployment_update,
    incident_update,
    parse_object,
    write,
)
from store.db import transaction
from store.models import Deployment, Incident

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
MAX_SKEW_SECONDS = 300
WRITE_THREADS = 4
"""Writes in flight at once. They run in the worker threads Slack's acks need too (40 in
all): a burst of deployments against a slow or locked store took every one, and an ack
waited 7 s for a thread. Past this, a webhook waits for its turn, and no thread."""
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")

__all__ = ["MAX_BODY", "BadPayload", "WebhookEndpoints", "signature", "verify"]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value a sender puts in X-Metrics-Signature."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str | None, given: str | None, body: bytes, now: float) -> str:
    """'' when the request is authentic, else why not (for the 401 body)."""
    if not timestamp or not given:
        return "missing X-Metrics-Timestamp or X-Metrics-Signature"
    if not _UNIX_SECONDS.fullmatch(timestamp):
        return "X-Metrics-Timestamp must be Unix seconds"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "timestamp older than 5 minutes (or in the future): check the sender's clock"
    # bytes, not str: compare_digest refuses non-ASCII strings (headers arrive as Latin-1)
    expected = signature(secret, timestamp, body).encode()
    if not hmac.compare_digest(expected, given.encode("latin-1", "replace")):
        return "signature does not match: check the shared secret"
    return ""


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status, headers=headers)


@dataclass
class WebhookEndpoints:
    """The two endpoints, bound to a secret and a store."""

    secret: str | None
    sessions: sessionmaker[Session]
    clock: Callable[[], float] = time.time
    _writers: ThreadLane = field(
        default_factory=lambda: ThreadLane(WRITE_THREADS), init=False, repr=False
    )

    def routes(self) -> list[Route]:
        return [
            Route("/webhooks/deployments", self.deployments, methods=["POST"]),
            Route("/webhooks/incidents", self.incidents, methods=["POST"]),
        ]

    async def deployments(self, request: Request) -> JSONResponse:
        return await self._handle(request, Deployment, deployment_update)

    async def incidents(self, request: Request) -> JSONResponse:
        return await self._handle(request, Incident, incident_update)

    async def _handle(
        self, request: Request, model: Any, validate: Callable[[dict[str, Any]], Update]
    ) -> JSONResponse:
        if not self.secret:
            return _error(404, "not found")
        path = request.url.path
        try:
            body = await read_capped(request, MAX_BODY)
        except ClientDisconnect:  # hung up (or cut off by the read deadline) mid-body
            log.info("webhook %s refused: the body ended early", path)
            return _error(401, "the body ended early")  # unverified: a 401 like any other
        except BodyTooLarge:
            log.info("webhook %s refused: body larger than 1 MB (reading stopped)", path)
            # the rest of the body stays unread: the server closes the connection, lingering
            # so that a sender still sending reads this answer (bot.http_protocol)
            return _error(413, "body larger than 1 MB", Connection="close")
        problem = verify(
            self.secret,
            request.headers.get("x-metrics-timestamp"),
            request.headers.get("x-metrics-signature"),
            body,
            self.clock(),
        )
        if problem:
            log.info("webhook %s refused: %s", path, problem)
            return _error(401, problem)
        try:
            update = validate(parse_object(body))
        except BadPayload as exc:  # the reason names a field, never quotes the body
            log.info("webhook %s refused (%d bytes): %s", path, len(body), exc)
            return _error(400, str(exc))
        try:
            outcome = await self._writers.run(self._write, model, update)
        except Contended as exc:
            return _error(409, f"{exc}: resend")
        except Exception:
            log.exception("webhook %s: the update could not be stored", path)
            return _error(503, "the update could not be stored: resend later")
        answer: dict[str, Any] = {"ok": True, "id": update.row["external_id"]}
        answer["applied"] = outcome.applied
        if not outcome.applied:
            answer["reason"] = outcome.reason
        return JSONResponse(answer, status_code=200)

    def _write(self, model: Any, update: Update) -> Outcome:
        with transaction(self.sessions) as session:
            return write(session, model, update.row, reopen=update.reopen)
