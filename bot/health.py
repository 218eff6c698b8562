"""/healthz (the process answers) and /readyz (it can do its work), answered separately.

An orchestrator restarts a process whose /healthz fails and stops routing to one whose
/readyz fails; a database outage is the second kind, so it must not fail /healthz (a restart
would not bring the database back) and must fail /readyz. Readiness is three checks:

- database: a real query, bounded by `timeout` seconds (a database that hangs is not
  ready; its check keeps running in one daemon thread, and later probes wait on that same
  check instead of piling up threads behind it);
- migrations: the database's Alembic revision equals the head this code ships;
- slack: the bot token was accepted by `auth.test` when `serve` started.

A failing check answers 503 with a JSON reason; the reasons name no host, user or secret
(the endpoint is as public as /slack/events), the log has the detail.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.runtime.database import reason
from store.db import head_revisions

log = logging.getLogger("metrics_bot.health")


@dataclass(frozen=True)
class Check:
    """One readiness check's outcome: `detail` is safe to show to anyone."""

    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def check_slack_token(client: Any) -> Check:
    """Ask Slack (`auth.test`) whether the bot token is accepted; never raises."""
    from slack_sdk.errors import SlackApiError

    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        code = exc.response.get("error") if exc.response is not None else None
        return Check(False, f"Slack refused the bot token ({code or 'no reason given'})")
    except Exception as exc:  # connection refused, TLS, timeout: Slack not reached
        return Check(False, f"Slack could not be reached ({type(exc).__name__})")
    return Check(True, f"token accepted for @{answer.get('user')} in {answer.get('team')}")


class Readiness:
    """The checks behind /readyz; `slack` is the outcome of the start-time auth.test."""

    def __init__(self, engine: Engine, *, slack: Check | None, timeout: float = 5.0) -> None:
        self.engine = engine
        self.slack = slack if slack is not None else Check(False, "Slack token not checked")
        self.timeout = timeout
        self._heads: tuple[str, ...] | None = None
        self._pending: Future[tuple[Check, Check]] | None = None

    def heads(self) -> tuple[str, ...]:
        if self._heads is None:
            self._heads = head_revisions()
        return self._heads

    def database(self) -> tuple[Check, Check]:
        """(database, migrations): both from one connection, so one outage is one reason."""
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1")).scalar_one()
                current = MigrationContext.configure(conn).get_current_heads()
        except Exception as exc:  # any failure to answer is "not ready", never a 500
            log.warning("readiness: database check failed: %s", reason(exc))
            down = Check(False, f"database unreachable ({type(exc).__name__})")
            return down, Check(False, "migrations unknown: database unreachable")
        heads = self.heads()
        if tuple(sorted(current)) != heads:
            at = ", ".join(current) or "an empty schema"
            migrations = Check(
                False, f"database at {at}, code expects {', '.join(heads)}: run `db upgrade`"
            )
        else:
            migrations = Check(True, f"at {', '.join(heads)}")
        return Check(True, "reachable"), migrations

    def _database_check(self) -> Future[tuple[Check, Check]]:
        """The check in flight, or a new one in a daemon thread (exit never waits on it)."""
        pending = self._pending
        if pending is not None and not pending.done():
            return pending
        future: Future[tuple[Check, Check]] = Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                future.set_result(self.database())

        threading.Thread(target=run, name="readyz-database", daemon=True).start()
        self._pending = future
        return future

    async def checks(self) -> dict[str, Check]:
        future = self._database_check()
        try:
            db, migrations = await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(future)), timeout=self.timeout
            )
        except TimeoutError:
            db = Check(False, f"database did not answer within {self.timeout:g} s")
            migrations = Check(False, "migrations unknown: database did not answer")
        return {"database": db, "migrations": migrations, "slack": self.slack}

    async def readyz(self, _request: Request) -> Response:
        checks = await self.checks()
        ready = all(c.ok for c in checks.values())
        body = {
            "ready": ready,
            "reason": "; ".join(c.detail for c in checks.values() if not c.ok) or None,
            "checks": {name: c.to_json() for name, c in checks.items()},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    def routes(self) -> list[BaseRoute]:
        return [Route("/readyz", self.readyz, methods=["GET"])]
