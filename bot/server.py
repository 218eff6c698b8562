"""The ASGI app `metrics-bot serve` runs: Slack at /slack/events, /healthz, extra routes.

Bolt's sync App does the Slack work (signature check, ack, lazy listeners); its dispatch is
blocking, so it runs in Starlette's thread pool and never stalls the event loop that serves
other requests (webhooks, health checks) meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.slack.app import build_app
from bot.slack.deps import BotDeps

SLACK_EVENTS_PATH = "/slack/events"


def slack_route(app: App, path: str = SLACK_EVENTS_PATH) -> Route:
    """POST `path` -> Bolt (slash commands, interactivity and events share one URL)."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
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
        slack_route(bolt),
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
