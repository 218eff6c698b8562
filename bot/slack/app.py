"""Build the Bolt app: signature checks, listeners, one error handler. Nothing at import."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltRequest

from bot.slack.deps import BotDeps
from bot.slack.errors import handle_error
from bot.slack.listeners import register_listeners
from bot.slack.logs import truncating_logger
from bot.slack.pool import AnswerPool

log = logging.getLogger("metrics_bot.slack")

VERIFIED = "metrics_bot_verified"
"""Context key the HTTP route sets once it has checked the request's signature itself."""


def is_verified(request: BoltRequest | None) -> bool:
    """True when the request is known to come from Slack: checked by our route, or Socket
    Mode (the WebSocket was opened with the app token, Slack signs nothing there)."""
    if request is None:
        return False
    return request.mode == "socket_mode" or request.context.get(VERIFIED) is True


def build_app(deps: BotDeps, *, answers: AnswerPool | None = None) -> App:
    """A sync Bolt App for HTTP mode (or Socket Mode): every request's signature is checked.

    Acks run in the request's own thread (`process_before_response`): each listener acks and
    offers its slow work to `answers`, a bounded pool, so acks never queue behind answers.
    The token is not verified with auth.test here, so building the app does no network I/O.
    """
    pool = answers if answers is not None else AnswerPool()
    app = App(
        signing_secret=deps.signing_secret,
        client=deps.web_client(),
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=truncating_logger("metrics_bot.slack.bolt"),
    )
    register_listeners(app, deps, pool)

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], respond: Any, client: Any, request: BoltRequest
    ) -> None:
        if not is_verified(request):
            # never act on a body nobody vouched for: no response_url POST, no ephemeral
            log.warning("error on an unverified request, not answered: %s", type(error).__name__)
            return
        handle_error(error, body, respond, client)

    return app
