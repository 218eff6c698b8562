"""Build the Bolt app: signature checks, listeners, one error handler. Nothing at import."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack.deps import BotDeps
from bot.slack.errors import handle_error
from bot.slack.listeners import register_listeners

log = logging.getLogger("metrics_bot.slack")


def build_app(deps: BotDeps) -> App:
    """A sync Bolt App for HTTP mode (or Socket Mode): every request's signature is checked.

    The token is not verified with auth.test here, so building the app does no network I/O;
    Bolt checks it on the first request.
    """
    app = App(
        signing_secret=deps.signing_secret,
        client=deps.web_client(),
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("metrics_bot.slack.bolt"),
    )
    register_listeners(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any, client: Any) -> None:
        handle_error(error, body, respond, client)

    return app
