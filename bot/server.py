"""The ASGI app `metrics-bot serve` runs: Slack at /slack/events, /healthz, extra routes.

Bolt's sync App does the Slack work (ack, then slow work offered to a bounded pool); its
dispatch is blocking, so it runs in Starlette's thread pool and never stalls the event loop
that serves other requests (webhooks, health checks) meanwhile. Before Bolt sees anything the
route reads the body up to a cap (413 past it) and checks Slack's signature itself (401, and
nothing else happens, when it fails or any header is malformed).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.request_body import BodyTooLarge, preview, read_capped
from bot.slack.app import VERIFIED, build_app
from bot.slack.body import MAX_SLACK_BODY
from bot.slack.deps import BotDeps
from bot.slack.verify import unverified_reason

log = logging.getLogger("metrics_bot.slack")
SLACK_EVENTS_PATH = "/slack/events"


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
            return PlainTextResponse("request body too large", status_code=413)
        reason = unverified_reason(signing_secret, request.headers, body)
        if reason is not None:
            log.info("refused an unverified Slack request (%s): %s", reason, preview(body))
            return PlainTextResponse("invalid request", status_code=401)
        bolt_request = to_bolt_request(request, body, {VERIFIED: True})
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
