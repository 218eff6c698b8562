"""Expected problems (bad input, unknown team) vs. bugs, and the one handler for both.

A `UserError` carries the short sentence the person sees. Anything else is logged with its
type and a redacted message (no tokens, no secrets) and the person gets a generic apology.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

log = logging.getLogger("metrics_bot.slack")

_TOKENS = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|(?i:bearer)\s+\S+")
SORRY = "Sorry, something went wrong while answering. It has been logged; please try again."


class UserError(Exception):
    """Something the person can fix; `str(error)` is what they are told (mrkdwn, escaped)."""


def redact(text: str) -> str:
    """`text` with anything shaped like a Slack token or bearer credential removed."""
    return _TOKENS.sub("[redacted]", text)


def message_for(error: BaseException) -> str:
    """The ephemeral sentence for `error`; logs the unexpected ones without secrets."""
    if isinstance(error, UserError):
        return str(error)
    log.error("unhandled %s: %s", type(error).__name__, redact(str(error)))
    return SORRY


def tell(text: str, body: dict[str, Any], respond: Any = None, client: Any = None) -> None:
    """Say `text` privately to whoever sent `body`: via its response_url, else an ephemeral.

    Only ever called with a verified body (see `bot.slack.app`): both routes act on addresses
    taken from the body.
    """
    try:
        if respond is not None and (body or {}).get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        user = (
            (body.get("user") or {}).get("id")
            if isinstance(body.get("user"), dict)
            else body.get("user_id")
        )
        channel = (
            (body.get("channel") or {}).get("id")
            if isinstance(body.get("channel"), dict)
            else body.get("channel_id")
        )
        if client is not None and user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
    except Exception as exc:  # the error path must not raise in turn
        log.error("could not tell the user: %s", redact(str(exc)))


def handle_error(
    error: Exception, body: dict[str, Any], respond: Any = None, client: Any = None
) -> None:
    """The app-wide error handler: a short ephemeral message to the person, never a crash."""
    tell(message_for(error), body, respond, client)


def guarded(
    work: Callable[[], None], body: dict[str, Any], respond: Any, client: Any
) -> Callable[[], None]:
    """`work` (slow, run after the ack on the answer pool) with its errors told to the person."""

    def run() -> None:
        try:
            work()
        except Exception as exc:
            handle_error(exc, body, respond, client)

    return run
