"""The ASGI app `metrics-bot serve` runs: Slack at /slack/events, /healthz, extra routes.

Bolt's sync App does the Slack work (ack, then slow work offered to a bounded pool); its
dispatch is blocking, so it runs in Starlette's thread pool and never stalls the event loop
that serves other requests (webhooks, health checks) meanwhile. Before Bolt sees anything the
route reads the body up to a cap (413 past it) and checks Slack's signature itself (401, and
nothing else happens, when it fails, any header is malformed or the body ends early). A signed
body that Bolt cannot parse is a 400, not a 500 with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.request_body import BodyTooLarge, read_capped
from bot.slack.app import VERIFIED, build_app
from bot.slack.body import MAX_SLACK_BODY
from bot.slack.deps import BotDeps
from bot.slack.verify import unverified_reason

log = logging.getLogger("metrics_bot.slack")
SLACK_EVENTS_PATH = "/slack/events"
_CLOSE = {"Connection": "close"}  # the rest of the body stays unread (bot.http_protocol)


def slack_route(
    app: App, signing_secret: str, path: str = SLACK_EVENTS_PATH, *, max_body: int = MAX_SLACK_BODY
) -> Route:
    """POST `path` -> Bolt (slash commands, interactivity and events share one URL).

    Fails closed: an oversized body is a 413 read no further, an unsigned or malformed
    request a plain 401; neither reaches Bolt, so nothing is acted on or sent anywhere.
    """

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_capped(request, max_body)
        except BodyTooLarge:
            log.info("refused a Slack request body over %d bytes", max_body)
            return PlainTextResponse("request body too large", status_code=413, headers=_CLOSE)
        except ClientDisconnect:  # hung up (or cut off by the read deadline) mid-body
            log.info("refused an unverified Slack request (the body ended early)")
            return PlainTextResponse("invalid request", status_code=401)
        reason = unverified_reason(signing_secret, request.headers, body)
        if reason is not None:
            # the size only: a real Slack body (say, a stale one) starts with its
            # verification token and carries a response_url, neither belongs in a log
            log.info("refused an unverified Slack request (%s, %d bytes)", reason, len(body))
            return PlainTextResponse("invalid request", status_code=401)
        try:
            bolt_request = to_bolt_request(request, body, {VERIFIED: True})
        except (ValueError, TypeError, RecursionError) as exc:  # Bolt parses as it builds
            log.info("refused a signed Slack request that does not parse (%s)", type(exc).__name__)
            return PlainTextResponse("malformed request", status_code=400)
        # Bolt's FaaS re-invocation headers are not signed: a request never sets them here
        bolt_request.lazy_only, bolt_request.lazy_function_name = False, None
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    return Route(path, slack_events, methods=["POST"])


async def healthz(_request: Request) -> Response:
    return JSONResponse({"ok": True})


def build_asgi(
    deps: BotDeps, extra_routes: Sequence[BaseRoute] = (), *, app: App | None = None
) -> Starlette:
    """The server app: Slack, health, and whatever webhook routes the shell adds."""
    bolt = app if app is not None else build_app(deps)
    routes: list[BaseRoute] = [
        slack_route(bolt, deps.signing_secret),
        Route("/healthz", healthz, methods=["GET"]),
        *extra_routes,
    ]
    server = Starlette(routes=routes)
    server.state.bolt = bolt
    return server


def socket_mode_handler(deps: BotDeps, app_token: str) -> Any:
    """Socket Mode for local use (no public URL): `.start()` blocks, `.connect()` does not.

    Slack sends the same payloads over a WebSocket opened with the app-level token
    (SLACK_APP_TOKEN, `xapp-...`), so the listeners are the same as in HTTP mode.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(build_app(deps), app_token)
