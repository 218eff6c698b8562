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


def handle_error(
    error: Exception, body: dict[str, Any], respond: Any = None, client: Any = None
) -> None:
    """The app-wide error handler: a short ephemeral message to the person, never a crash."""
    text = message_for(error)
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
        log.error("could not tell the user about an error: %s", redact(str(exc)))


def guarded(work: Callable[..., None]) -> Callable[..., None]:
    """Run slow work after the ack; route any exception through `handle_error`.

    Bolt's lazy runner only logs exceptions, so each lazy listener is wrapped: the person
    hears about it either way. The wrapper's signature is fixed so Bolt injects all four.
    """

    def lazy(body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
        try:
            work(body=body, respond=respond, client=client, context=context)
        except Exception as exc:
            handle_error(exc, body, respond, client)

    lazy.__name__ = f"lazy_{work.__name__}"
    lazy.__qualname__ = lazy.__name__
    return lazy
